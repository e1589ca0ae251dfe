/**
 * Bearer tokens from a real OpenID Provider (oidc-provider, OpenID-certified, run as a child process): the gateway
 * finds its keys by discovery, verifies the signature (RS256 and ES256 here), issuer, audience and expiry, and reads
 * the roles from a Keycloak-style claim (realm_access.roles). Every refusal is a 401 OperationOutcome.
 */
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { Client } from 'pg';
import { expectValidFhir } from '../support/fhir-schema';
import { type GatewayFixture, startGatewayFixture } from '../support/gateway-process';
import { csvOf, nirs, tomorrow } from '../support/lot-helpers';
import { startOpenIdProvider, type TestOpenIdProvider } from '../support/oidc-provider';

describe('OIDC bearer tokens', () => {
  let op: TestOpenIdProvider;
  let fx: GatewayFixture;

  beforeAll(async () => {
    op = await startOpenIdProvider();
    fx = await startGatewayFixture({
      queue: 'redis',
      env: {
        OIDC_ISSUER: op.issuer,
        OIDC_AUDIENCE: 'urn:passerelle',
        OIDC_ROLES_CLAIM: 'realm_access.roles',
        OIDC_FINESS_CLAIM: 'finess',
        // No tolerance, so that a token a second past its expiry is refused without a long wait.
        OIDC_CLOCK_SKEW_SECONDS: '0',
      },
    });
  });

  afterAll(async () => {
    await fx?.close();
    await op?.stop();
  });

  const csv = (token: string) =>
    fetch(`${fx.gateway.baseUrl}/cdri/lots/csv`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', Authorization: `Bearer ${token}` },
      body: csvOf(nirs(1, 101, 900 + Math.floor(Math.random() * 80)), tomorrow()),
    });

  async function refused(token: string, why: string): Promise<void> {
    const res = await csv(token);
    const outcome = (await res.json()) as any;
    expect([res.status, outcome.issue[0].code]).toEqual([401, 'login']);
    expect(outcome.issue[0].diagnostics).toContain(why);
    expectValidFhir(outcome);
  }

  it('admits a valid token with the role from its claim, under the client id it names, and audits it', async () => {
    const token = await op.token('sched-batch');
    const res = await csv(token);
    expect(res.status).toBe(202);
    // The role is the token's: a scheduler may neither scrape metrics nor read the audit trail.
    expect((await fetch(`${fx.gateway.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(403);
    expect((await fetch(`${fx.gateway.baseUrl}/audit`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(403);
    // An ES256 token of an operator reads it, and finds the scheduler's lot under `oidc:sched-batch`.
    const ops = await op.token('ops-console');
    const audit = await fetch(`${fx.gateway.baseUrl}/audit`, { headers: { Authorization: `Bearer ${ops}` } });
    expect(audit.status).toBe(200);
    const events = ((await audit.json()) as any).events;
    expect(events[0]).toMatchObject({ action: 'lot.csv-uploaded', clientId: 'oidc:sched-batch', via: 'oidc', roles: ['batch'] });
    const db = new Client({ connectionString: fx.databaseUrl });
    await db.connect();
    const lot = await db.query(`SELECT requested_by FROM cdri_lot ORDER BY created_at DESC LIMIT 1`);
    await db.end();
    expect(lot.rows[0].requested_by).toBe('oidc:sched-batch');
  });

  it('refuses an expired token', async () => {
    const token = await op.token('short-lived');
    const exp = (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { exp: number }).exp;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 1100));
    await refused(token, 'expired');
  });

  it('refuses a token for another audience', async () => {
    await refused(await op.token('sched-batch', { resource: 'urn:another-api' }), 'wrong audience');
  });

  it('refuses a token of another issuer, even signed with a key the gateway trusts', async () => {
    await refused(await op.token('sched-batch', { issuer: op.otherIssuer }), 'wrong issuer');
  });

  it('refuses a tampered token, a token signed by another key, and the none / HS256 algorithms', async () => {
    const token = await op.token('sched-batch');
    const [header, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, realm_access: { roles: ['admin'] } })).toString('base64url');
    await refused(`${header}.${forged}.${token.split('.')[2]}`, 'bad signature');

    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const signedBy = (h: object, key: Parameters<typeof sign>[2]) => {
      const input = `${Buffer.from(JSON.stringify(h)).toString('base64url')}.${payload}`;
      return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
    };
    await refused(signedBy({ alg: 'RS256', typ: 'at+jwt', kid: 'test-rsa-1' }, attacker), 'bad signature');
    await refused(signedBy({ alg: 'RS256', typ: 'at+jwt', kid: 'attacker-key' }, attacker), 'unknown signing key');

    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    await refused(none, 'signature algorithm not allowed');
    const jwks = (await (await fetch(`${op.issuer}/jwks`)).json()) as { keys: Array<{ kid: string }> };
    const hsInput = `${Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'test-rsa-1' })).toString('base64url')}.${payload}`;
    const hs = createHmac('sha256', JSON.stringify(jwks.keys[0])).update(hsInput).digest('base64url');
    await refused(`${hsInput}.${hs}`, 'signature algorithm not allowed');
  });
});
