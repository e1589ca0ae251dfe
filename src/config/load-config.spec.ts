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
        CDRI_ENDPOINT: 'http://127.0.0.1:8443/ws',
        CDRI_INSTALL_ID: '3f1c2a9e-5b7d-4c1e-9a2b-7d6e5f4a3b2c',
        KIOSK_API_KEYS: 'k1:0123456789abcdef0',
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
});
