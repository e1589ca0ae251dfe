// A real OpenID Provider (the OpenID-certified `oidc-provider` package, ESM-only, hence this plain Node script run
// as a child process by tests/support/oidc-provider.ts). Two issuers sharing one set of signing keys, so that a
// token of the wrong issuer carries a valid signature and only the `iss` check can refuse it. Clients get access
// tokens by the client_credentials grant; resource indicators make them JWTs (RFC 9068) with the resource as `aud`.
// Prints `OIDC-READY {"issuer": "...", "otherIssuer": "..."}` when listening (the package writes warnings too).
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
const jwks = {
  keys: [
    { ...rsa, kid: 'test-rsa-1', use: 'sig', alg: 'RS256' },
    { ...ec, kid: 'test-ec-1', use: 'sig', alg: 'ES256' },
  ],
};

// client id → [roles (Keycloak-style realm_access.roles), FINESS, signing alg, token lifetime in seconds]
const CLIENTS = {
  'sched-batch': [['batch'], ['010000024'], 'RS256', 300],
  'ops-console': [['operator'], [], 'ES256', 300],
  'short-lived': [['batch'], ['010000024'], 'RS256', 1],
};
const SECRET = 'test-client-secret-0123456789abcdef';

async function start() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    jwks,
    clients: Object.keys(CLIENTS).map((client_id) => ({
      client_id,
      client_secret: SECRET,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_post',
    })),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => 'urn:passerelle',
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource, client) => ({
          scope: 'api',
          audience: resource,
          accessTokenTTL: CLIENTS[client.clientId][3],
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: CLIENTS[client.clientId][2] } },
        }),
      },
    },
    extraTokenClaims: (_ctx, token) => {
      const [roles, finess] = CLIENTS[token.clientId];
      return { realm_access: { roles }, finess };
    },
  });
  server.on('request', provider.callback());
  return issuer;
}

const [issuer, otherIssuer] = [await start(), await start()];
process.stdout.write(`OIDC-READY ${JSON.stringify({ issuer, otherIssuer })}\n`);
