import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * `npm run demo` end to end: the embedded mode a newcomer meets first (embedded PostgreSQL started by the
 * gateway, BullMQ on PostgreSQL, CDRi simulator, AMO simulator with its SIMULATION PKI), with real MLLP, HTTP and
 * SMTP traffic. The demo exits 0 only when its billing reached the three outcomes (paid, held, rejected).
 */
describe('npm run demo', () => {
  it('starts embedded, gets ACKs and rights, answers the kiosk, bills to paid, held and rejected, and exits 0', () => {
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
    // Billing (issue 9 §5): one invoice paid, one held by pre-flight with its reason, one rejected by the insurer.
    expect(run.stdout).toMatch(
      /open rights[^\n]*: paid\n\s+states: received → (awaiting-rights → )?ready → in-lot → sent → acknowledged → paid/,
    );
    expect(run.stdout).toMatch(/payment reference VIR\d+/);
    expect(run.stdout).toMatch(/rights closed \(CDRi\)[^\n]*: preflight-failed\n[^•]*reason PF-CDRI-RIGHTS-CLOSED/);
    expect(run.stdout).toMatch(/closed at the caisse[^\n]*: rejected\n[^•]*lot B2-\d{9}-01751-\d{6}[^•]*reason DF001/);
    expect(run.stdout).toContain('embedded-simulation');
    expect(run.stderr).toContain('EMBEDDED/SIMULATION MODE');
  });
});
