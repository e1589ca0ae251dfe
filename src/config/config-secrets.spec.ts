import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConfigError, isLoopbackUrl, loadConfig, readDefaults } from './load-config';

/** Secrets from `*_FILE` variables, private key file permissions, and clear-text insurer endpoints. */
describe('configuration of secrets and endpoints', () => {
  const defaults = readDefaults();
  const production = {
    DATABASE_URL: 'postgres://u@db:5432/p',
    CDRI_ENDPOINT: 'http://127.0.0.1:8443/ws',
    CDRI_INSTALL_ID: '3f1c2a9e-5b7d-4c1e-9a2b-7d6e5f4a3b2c',
    HL7_ALLOW_PLAINTEXT: 'true',
  };
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'config-secrets-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env, defaults);
      return [];
    } catch (e) {
      return (e as ConfigError).problems;
    }
  };

  it('reads any variable X from the file named by X_FILE (Docker/Kubernetes secrets), trailing newline dropped', () => {
    const keys = join(dir, 'kiosk-keys');
    writeFileSync(keys, 'k1:0123456789abcdef0123456789abcdef\n');
    const c = loadConfig({ ...production, KIOSK_API_KEYS_FILE: keys }, defaults);
    // Held as its digest only: the key read from the file is the one whose SHA-256 is kept.
    const digest = createHash('sha256').update('0123456789abcdef0123456789abcdef').digest('hex');
    expect(c.access.apiKeys.find((k) => k.id === 'k1')?.digest.toString('hex')).toBe(digest);
  });

  it('refuses X and X_FILE set together, and an X_FILE that cannot be read, naming the variable only', () => {
    const keys = join(dir, 'kiosk-keys');
    writeFileSync(keys, 'k1:0123456789abcdef0123456789abcdef');
    const problems = problemsOf({
      ...production,
      KIOSK_API_KEYS: 'k1:fedcba9876543210fedcba9876543210',
      KIOSK_API_KEYS_FILE: keys,
      CDRI_SOFTWARE_NAME_FILE: join(dir, 'missing'),
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'KIOSK_API_KEYS and KIOSK_API_KEYS_FILE: set one of them, not both',
        'CDRI_SOFTWARE_NAME_FILE: file not found or not readable',
      ]),
    );
    expect(problems.join('\n')).not.toContain('fedcba');
  });

  it('refuses to start with a private key file readable by group or others, naming the file variable', () => {
    const cert = join(dir, 'server.crt');
    const key = join(dir, 'server.key');
    writeFileSync(cert, 'cert');
    writeFileSync(key, 'key');
    chmodSync(key, 0o640);
    const tls = { HTTP_TLS_CERT_FILE: cert, HTTP_TLS_KEY_FILE: key };
    expect(problemsOf({ ...production, ...tls })).toEqual([
      'HTTP_TLS_KEY_FILE: private key file is readable by group or others (chmod 600 it)',
    ]);
    chmodSync(key, 0o600);
    expect(problemsOf({ ...production, ...tls })).toEqual([]);
  });

  it('only warns (loudly, at boot) about an exposed key in embedded mode', () => {
    const cert = join(dir, 'server.crt');
    const key = join(dir, 'server.key');
    writeFileSync(cert, 'cert');
    writeFileSync(key, 'key');
    chmodSync(key, 0o644);
    const c = loadConfig({ HTTP_TLS_CERT_FILE: cert, HTTP_TLS_KEY_FILE: key }, defaults);
    expect(c.embedded).toBe(true);
    expect(c.warnings).toEqual(['HTTP_TLS_KEY_FILE: private key file is readable by group or others (chmod 600 it)']);
  });

  it('refuses a plain http:// insurer endpoint outside the loopback', () => {
    expect(problemsOf({ ...production, CDRI_ENDPOINT: 'http://cdri.example:8080/ws' })).toEqual([
      'CDRI_ENDPOINT: http:// is accepted only on the loopback (127.0.0.1, ::1, localhost); use https',
    ]);
    for (const url of ['http://127.0.0.1:1/ws', 'http://localhost/ws', 'http://[::1]:8080/ws']) expect(isLoopbackUrl(url)).toBe(true);
    for (const url of ['http://10.0.0.1/ws', 'http://127.0.0.1.example/ws', 'http://localhost.evil/ws'])
      expect(isLoopbackUrl(url)).toBe(false);
  });
});
