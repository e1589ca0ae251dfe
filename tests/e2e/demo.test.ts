import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * `npm run demo` end to end: the embedded mode a newcomer meets first (embedded PostgreSQL started by the
 * gateway, BullMQ on PostgreSQL, CDRi simulator), with real MLLP and HTTP traffic.
 */
describe('npm run demo', () => {
  it('starts embedded, gets ACKs and rights, answers the kiosk, and exits 0', () => {
    const run = spawnSync(process.execPath, [join(__dirname, '..', '..', 'dist', 'scripts', 'demo.js')], {
      cwd: join(__dirname, '..', '..'),
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
      timeout: 120000,
    });
    if (run.status !== 0) throw new Error(`demo exited ${run.status}\n${run.stdout}\n${run.stderr}`);
    expect(run.stdout).toMatch(/A01 admission, ALD exoneration\s+→ AA/);
    expect(run.stdout).toMatch(/A01 with a wrong NIR key\s+→ AE/);
    expect(run.stdout).toMatch(/rights closed\s+→ answered: CLOSED/);
    expect(run.stdout).toMatch(/external visit, C2S\s+→ answered: OPEN.*C2S/);
    expect(run.stdout).toContain('HTTP 200 CoverageEligibilityResponse');
    expect(run.stdout).toContain('embedded-simulation');
    expect(run.stderr).toContain('EMBEDDED/SIMULATION MODE');
  });
});
