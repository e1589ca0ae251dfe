import { createHash } from 'node:crypto';
import { ConfigError, loadConfig, readDefaults } from './load-config';

const PRODUCTION = {
  DATABASE_URL: 'postgres://u@db:5432/p',
  REDIS_URL: 'redis://r:6379',
  CDRI_ENDPOINT: 'http://127.0.0.1:8443/ws',
  CDRI_INSTALL_ID: '3f1c2a9e-5b7d-4c1e-9a2b-7d6e5f4a3b2c',
  HL7_ALLOW_PLAINTEXT: 'true',
};
const KEY = '0123456789abcdef0123456789abcdef';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, readDefaults());
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('loadConfig', () => {
  const defaults = readDefaults();

  it('runs embedded with simulators when nothing is configured, and says so', () => {
    const c = loadConfig({}, defaults);
    expect(c.embedded).toBe(true);
    expect(c.database.mode).toBe('embedded');
    expect(c.queue.backend).toBe('postgres');
    expect(c.cdri.mode).toBe('simulator');
    expect(c.http.port).toBe(8080);
    expect(c.http.adapter).toBe('fastify');
    expect(c.mllp.port).toBe(2575);
    expect(c.access.demoKey).toBeDefined();
    expect(c.access.apiKeys.map((k) => [k.id, k.roles])).toEqual([['demo-kiosk', ['kiosk']]]);
  });

  it('uses the configured PostgreSQL, Redis and insurer in production mode', () => {
    const c = loadConfig({ ...PRODUCTION, KIOSK_API_KEYS: `k1:${KEY}` }, defaults);
    expect(c.embedded).toBe(false);
    expect(c.queue).toEqual({ backend: 'redis', url: 'redis://r:6379', prefix: 'passerelle' });
    expect(c.access.demoKey).toBeUndefined();
    // Kiosk keys mean the kiosk role only, for the establishment; held as digests.
    const k1 = c.access.apiKeys.find((k) => k.id === 'k1')!;
    expect(k1).toMatchObject({ roles: ['kiosk'], finess: ['010000024'] });
    expect(k1.digest.toString('hex')).toBe(sha256(KEY));
  });

  it('accepts the demo key only in full simulation: not with a real CDRI_ENDPOINT on the embedded database', () => {
    const c = loadConfig({ CDRI_ENDPOINT: PRODUCTION.CDRI_ENDPOINT, CDRI_INSTALL_ID: PRODUCTION.CDRI_INSTALL_ID }, defaults);
    expect(c.database.mode).toBe('embedded');
    expect(c.access.demoKey).toBeUndefined();
    expect(c.access.apiKeys).toEqual([]);
    expect(loadConfig({ DATABASE_URL: PRODUCTION.DATABASE_URL }, defaults).access.demoKey).toBeUndefined();
  });

  it('refuses kiosk keys shorter than 32 characters at boot', () => {
    expect(problems({ ...PRODUCTION, KIOSK_API_KEYS: `k1:${'x'.repeat(31)},k2:${KEY}` })).toEqual([
      'KIOSK_API_KEYS: key of k1 must be at least 32 characters',
    ]);
  });

  it('reads API_CLIENTS as id:sha256:roles:finess, one per line or comma, operators across establishments', () => {
    const c = loadConfig(
      {
        ...PRODUCTION,
        API_CLIENTS: `nuit:${sha256('a'.repeat(40))}:batch:010000024+750712184\n# a comment\nops:${sha256('b'.repeat(40))}:operator+metrics,gap-1:${sha256('c'.repeat(40)).toUpperCase()}:gap`,
      },
      defaults,
    );
    expect(c.access.apiKeys.map(({ id, roles, finess }) => ({ id, roles, finess }))).toEqual([
      { id: 'nuit', roles: ['batch'], finess: ['010000024', '750712184'] },
      { id: 'ops', roles: ['operator', 'metrics'], finess: [] },
      { id: 'gap-1', roles: ['gap'], finess: ['010000024'] },
    ]);
  });

  it('names each bad API_CLIENTS / API_CLIENT_CERTS / OIDC entry, never echoing a key', () => {
    const found = problems({
      ...PRODUCTION,
      KIOSK_API_KEYS: `borne:${KEY}`,
      API_CLIENTS: `x:${KEY}:batch,y:${sha256('y')}:superuser,borne:${sha256('z')}:kiosk,z:${sha256('z')}:batch:12345`,
      API_CLIENT_CERTS: 'gap:cn=gap.example:gap,bad:fingerprint=ab:gap',
      OIDC_ISSUER: 'http://idp.example/realms/h',
    });
    expect(found).toEqual([
      'API_CLIENTS: entry "x": the key must be given as its SHA-256 (64 hex digits), not in clear',
      'API_CLIENTS: entry "y": unknown role "superuser"',
      'API_CLIENTS: entry "y": at least one role',
      'API_CLIENTS: entry "borne": id used twice (KIOSK_API_KEYS and API_CLIENTS share ids)',
      'API_CLIENTS: entry "z": 12345 is not a valid FINESS',
      'API_CLIENT_CERTS: each entry must be id:cn=<CN>|sha256=<hex>:roles[:finess]',
      'OIDC_ISSUER: must be https (plain http only on the loopback)',
      'OIDC_AUDIENCE: required',
      'API_CLIENT_CERTS: needs HTTPS with client certificates (HTTP_TLS_REQUEST_CLIENT_CERT=true)',
    ]);
    expect(found.join('\n')).not.toContain(KEY);
  });

  it('lists every bad variable in one error, without echoing secret values', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig(
        {
          HTTP_PORT: 'eighty',
          MLLP_PORT: '70000',
          DATABASE_URL: 'mysql://x',
          REDIS_URL: 'not a url',
          CDRI_ENDPOINT: 'https://cdri.example/ws',
          LOG_LEVEL: 'loud',
          HTTP_ADAPTER: 'koa',
          KIOSK_API_KEYS: 'k1:short-secret-x',
          HTTP_TLS_CERT_FILE: '/nonexistent/cert.pem',
        },
        defaults,
      );
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const names = error!.problems.map((p) => p.split(':')[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        'HTTP_PORT',
        'MLLP_PORT',
        'DATABASE_URL',
        'REDIS_URL',
        'LOG_LEVEL',
        'HTTP_ADAPTER',
        'KIOSK_API_KEYS',
        'HTTP_TLS_CERT_FILE',
        'CDRI_INSTALL_ID',
      ]),
    );
    expect(error!.problems.some((p) => p.startsWith('CDRI_TLS_CERT_FILE'))).toBe(true);
    expect(error!.message).not.toContain('short-secret-x');
  });

  it('bounds every database connection in time by default, each limit configurable', () => {
    const c = loadConfig({}, defaults);
    expect(c.database.timeouts).toEqual({
      connectMs: 5000,
      statementMs: 15000,
      queryMs: 20000,
      lockMs: 5000,
      idleInTransactionMs: 60000,
      migrationStatementMs: 0,
    });
    const tuned = loadConfig({ DB_STATEMENT_TIMEOUT_MS: '60000', DB_QUERY_TIMEOUT_MS: '65000' }, defaults);
    expect(tuned.database.timeouts).toMatchObject({ statementMs: 60000, queryMs: 65000 });
  });

  it('refuses a client-side query limit that would fire before the server cancels the statement', () => {
    expect(() => loadConfig({ DB_STATEMENT_TIMEOUT_MS: '30000', DB_QUERY_TIMEOUT_MS: '10000' }, defaults)).toThrow(
      /DB_QUERY_TIMEOUT_MS: must be larger/,
    );
  });

  it('reads RETENTION as kind:days or kind:off, and lists a bad entry by variable name', () => {
    expect(loadConfig({}, defaults).retention.days.size).toBe(0);
    const c = loadConfig({ RETENTION: 'hl7-raw:15, transmissions:off' }, defaults);
    expect([...c.retention.days]).toEqual([
      ['hl7-raw', 15],
      ['transmissions', null],
    ]);
    for (const bad of ['hl7-raw', 'hl7-raw:0', 'hl7-raw:-3', 'HL7:10', 'hl7-raw:10,hl7-raw:20'])
      expect(() => loadConfig({ RETENTION: bad }, defaults)).toThrow(/RETENTION: /);
  });

  it('reads the data-protection keys (all or none), and never echoes them in an error', () => {
    expect(loadConfig({}, defaults).dataProtection).toBeUndefined();
    const k1 = Buffer.alloc(32, 1).toString('base64');
    const k2 = Buffer.alloc(32, 2).toString('base64');
    const c = loadConfig({ DATA_MASTER_KEYS: `2025:${k1},2026:${k2}`, DATA_PSEUDONYM_KEY: k1 }, defaults);
    expect(c.dataProtection?.activeKeyId).toBe('2026');
    expect(c.dataProtection?.masterKeys.get('2025')).toEqual(Buffer.alloc(32, 1));
    const short = Buffer.alloc(16, 3).toString('base64');
    let error: ConfigError | undefined;
    try {
      loadConfig({ DATA_MASTER_KEYS: `a:${short}`, DATA_MASTER_KEY_ACTIVE: 'b' }, defaults);
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error!.problems.map((p) => p.split(':')[0])).toEqual(expect.arrayContaining(['DATA_MASTER_KEYS', 'DATA_MASTER_KEY_ACTIVE']));
    expect(error!.message).not.toContain(short);
  });

  describe('MLLP edge (HL7_SENDERS, TLS, connection limit)', () => {
    const production = {
      DATABASE_URL: 'postgres://u@db:5432/p',
      CDRI_ENDPOINT: 'http://127.0.0.1:8443/ws',
      CDRI_INSTALL_ID: '3f1c2a9e-5b7d-4c1e-9a2b-7d6e5f4a3b2c',
    };
    const problems = (env: Record<string, string>): string[] => {
      try {
        loadConfig(env, defaults);
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };

    it('requires TLS on MLLP outside embedded mode, unless HL7_ALLOW_PLAINTEXT=true', () => {
      expect(problems(production)).toEqual([expect.stringMatching(/TLS is required on the MLLP listener outside embedded mode/)]);
      expect(problems({ ...production, HL7_ALLOW_PLAINTEXT: 'true' })).toEqual([]);
      expect(loadConfig({}, defaults).mllp.tls).toBeUndefined(); // embedded: plaintext on loopback is fine
    });

    it('embedded without HL7_SENDERS: any sender from loopback; production without it: nobody', () => {
      const embedded = loadConfig({}, defaults).hl7;
      expect(embedded.sendersOrigin).toBe('embedded-loopback');
      expect(embedded.senders.map((s) => s.text)).toEqual(['*^*@127.0.0.0/8', '*^*@::1']);
      const prod = loadConfig({ ...production, HL7_ALLOW_PLAINTEXT: 'true' }, defaults).hl7;
      expect([prod.sendersOrigin, prod.senders]).toEqual(['none', []]);
      const configured = loadConfig({ ...production, HL7_ALLOW_PLAINTEXT: 'true', HL7_SENDERS: 'GAP^HOSP@10.0.0.0/8' }, defaults);
      expect(configured.hl7.senders).toEqual([expect.objectContaining({ application: 'GAP', facility: 'HOSP', mode: 'declared' })]);
      expect(configured.mllp.maxConnections).toBe(256);
      expect(configured.mllp.maxFrameBytes).toBe(1024 * 1024);
    });

    it('refuses certificate-bound senders on a listener that does not ask for client certificates', () => {
      const fp = 'sha256:' + 'ab'.repeat(32);
      expect(problems({ ...production, HL7_ALLOW_PLAINTEXT: 'true', HL7_SENDERS: `GAP^HOSP@${fp}` })).toEqual([
        expect.stringMatching(/sha256: sources need .*MLLP_TLS_REQUEST_CLIENT_CERT/),
      ]);
    });
  });
});
