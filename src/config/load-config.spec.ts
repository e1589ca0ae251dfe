import { ConfigError, loadConfig, readDefaults } from './load-config';

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
    expect(c.kiosk.demoKey).toBeDefined();
  });

  it('uses the configured PostgreSQL, Redis and insurer in production mode', () => {
    const c = loadConfig(
      {
        DATABASE_URL: 'postgres://u@db:5432/p',
        REDIS_URL: 'redis://r:6379',
        CDRI_ENDPOINT: 'http://cdri:8443/ws',
        CDRI_INSTALL_ID: '3f1c2a9e-5b7d-4c1e-9a2b-7d6e5f4a3b2c',
        KIOSK_API_KEYS: 'k1:0123456789abcdef0',
        HL7_ALLOW_PLAINTEXT: 'true',
      },
      defaults,
    );
    expect(c.embedded).toBe(false);
    expect(c.queue).toEqual({ backend: 'redis', url: 'redis://r:6379', prefix: 'passerelle' });
    expect(c.kiosk.demoKey).toBeUndefined();
    expect(c.kiosk.apiKeys.get('k1')).toBe('0123456789abcdef0');
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

  describe('MLLP edge (HL7_SENDERS, TLS, connection limit)', () => {
    const production = {
      DATABASE_URL: 'postgres://u@db:5432/p',
      CDRI_ENDPOINT: 'http://cdri:8443/ws',
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
