/**
 * Crash child of the FIDES lots test: `node dist/tests/support/fides-lots-child.js '<json>'` closes the ready invoices
 * of one FINESS and SIGKILLs itself at `killAt`:
 * - `before-commit`: inside the lot's transaction, after the numbers were taken and the lot written, before COMMIT;
 * - `after-commit`: right after COMMIT, before the lot is handed over to the outbox.
 * No shutdown hook runs, exactly like a power cut. Configuration comes as a JSON argument (no environment reads).
 */
import { openTestLots, type TestLotsConfig } from './fides-lots';

async function main(): Promise<void> {
  const { killAt, finess, ...cfg } = JSON.parse(process.argv[2] ?? '{}') as TestLotsConfig & {
    killAt: 'before-commit' | 'after-commit';
    finess: string;
  };
  const die = (): Promise<void> => {
    process.stdout.write(`${killAt}\n`);
    process.kill(process.pid, 'SIGKILL');
    return new Promise<void>(() => undefined);
  };
  const lots = await openTestLots(cfg, {
    hooks: killAt === 'before-commit' ? { beforeCommit: die } : { afterCommit: die },
  });
  await lots.closer.close({ cause: 'manual', actor: 'crash-child', finess: [finess] });
  process.stdout.write('not-killed\n');
  process.exit(3);
}

main().catch((err: unknown) => {
  process.stderr.write(`fides-lots-child failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(4);
});
