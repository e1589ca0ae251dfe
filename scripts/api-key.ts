import { createHash, randomBytes } from 'node:crypto';
import { isRole } from '../src/access/roles';

/**
 * Makes a client's API key and its API_CLIENTS entry: `npm run api-key -- <id> <role[+role]> [finess[+finess]]`.
 * The key (43 random base64url characters) goes to the client and nowhere else; the gateway's configuration holds
 * only its SHA-256.
 */
function main(): void {
  const [id, roles, finess = ''] = process.argv.slice(2);
  if (!id || !roles || !/^[A-Za-z0-9._-]{1,64}$/.test(id) || !roles.split('+').every(isRole)) {
    process.stderr.write(
      'usage: npm run api-key -- <id> <role[+role]> [finess[+finess]]\n  roles: kiosk gap batch billing operator admin metrics\n',
    );
    process.exit(2);
  }
  const key = randomBytes(32).toString('base64url');
  const digest = createHash('sha256').update(key).digest('hex');
  process.stdout.write(`key for ${id} (give it to the client only): ${key}\n`);
  process.stdout.write(`API_CLIENTS entry: ${[id, digest, roles, finess].filter((part, i) => i < 3 || part).join(':')}\n`);
}

main();
