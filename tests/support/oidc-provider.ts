import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const OIDC_TEST_SECRET = 'test-client-secret-0123456789abcdef';

export interface TestOpenIdProvider {
  issuer: string;
  /** A second issuer with the same signing keys. */
  otherIssuer: string;
  /** An access token (JWT) by the client_credentials grant, for `resource` (its audience). */
  token(clientId: string, opts?: { issuer?: string; resource?: string }): Promise<string>;
  stop(): Promise<void>;
}

/** Starts tests/support/oidc-provider.mjs (oidc-provider is ESM-only: plain Node runs it, not jest). */
export async function startOpenIdProvider(): Promise<TestOpenIdProvider> {
  const child: ChildProcess = spawn(process.execPath, [join(__dirname, 'oidc-provider.mjs')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const ready = await new Promise<{ issuer: string; otherIssuer: string }>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      output.push(d.toString());
      const line = /^OIDC-READY (.+)$/m.exec(output.join(''));
      if (line) resolve(JSON.parse(line[1]) as { issuer: string; otherIssuer: string });
    });
    child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    child.once('exit', (code) => reject(new Error(`OpenID Provider exited with ${code}: ${output.join('')}`)));
  });
  return {
    ...ready,
    async token(clientId, opts = {}) {
      const res = await fetch(`${opts.issuer ?? ready.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: OIDC_TEST_SECRET,
          scope: 'api',
          resource: opts.resource ?? 'urn:passerelle',
        }),
      });
      const body = (await res.json()) as { access_token?: string };
      if (!res.ok || !body.access_token) throw new Error(`token request failed: ${res.status} ${JSON.stringify(body)}`);
      return body.access_token;
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
