import { type GatewayFixture, type GatewayProcess, startGatewayFixture } from '../support/gateway-process';
import { prepareFhirSchema } from '../support/fhir-schema';
import { csvOf, getFhir, nirs, output, postCsv, tomorrow, waitForTask } from '../support/lot-helpers';
import { waitFor } from '../support/wait-for';
import { restartRedis } from '../support/redis-restart';

const LOT_ENV = {
  CDRI_LOT_CRON: '',
  CDRI_LOT_CONCURRENCY: '20',
  CDRI_LOT_RATE_PER_SECOND: '5000',
  CDRI_LOT_BACKOFF_MS: '50',
  LOG_LEVEL: 'info',
};

// Every Task read is checked against the FHIR R4 schema; compiled before any lot runs.
beforeAll(() => prepareFhirSchema());

/** Runs until the lot has made some progress, returns its done count. */
async function progressed(baseUrl: string, id: string, atLeast: number): Promise<number> {
  return waitFor(
    'lot progress',
    async () => {
      const t = await getFhir(baseUrl, `/fhir/Task/${id}`);
      const done = output(t, 'done').valueInteger as number;
      return done >= atLeast ? done : undefined;
    },
    60000,
    50,
  );
}

describe('a night lot survives the death of its worker process (API and worker in separate processes)', () => {
  let fx: GatewayFixture;
  let worker: GatewayProcess;

  beforeAll(async () => {
    fx = await startGatewayFixture({
      queue: 'redis',
      simulatorLatencyMs: 40,
      env: { ...LOT_ENV, PROCESS_ROLE: 'api', CDRI_TIMEOUT_MS: '10000' },
    });
    worker = await fx.restart({ PROCESS_ROLE: 'worker' });
  });

  afterAll(async () => {
    await fx?.close();
  });

  it('kill -9 of the worker mid-lot: a new worker completes it, every patient checked exactly once', async () => {
    const list = nirs(2000, 300);
    const { task } = await postCsv(fx.gateway.baseUrl, csvOf(list, tomorrow()));
    const before = await progressed(fx.gateway.baseUrl, task.id, 400);
    await worker.kill9();
    expect(before).toBeLessThan(2000);
    worker = await fx.restart({ PROCESS_ROLE: 'worker' });
    const done = await waitForTask(fx.gateway.baseUrl, task.id, 'completed', 180000);
    expect(output(done, 'done').valueInteger).toBe(2000);
    expect(output(done, 'failed').valueInteger).toBe(0);
    for (const nir of list) expect(fx.simulator.checksFor(nir)).toBe(1);
    // Repeats are only the calls in flight at the kill (at most 20, the insurer slots) and, on a loaded machine,
    // a call slower than the timeout retried under the same request id; re-asking answered patients would add
    // hundreds.
    const calls = list.reduce((sum, nir) => sum + fx.simulator.callsFor(nir), 0);
    expect(calls).toBeLessThanOrEqual(2000 + 2 * 20);
  }, 240000);

  it('a Redis restart (jobs lost, Redis keeps nothing on disk here) mid-lot: the lot is queued again from the database', async () => {
    const list = nirs(1500, 310);
    const { task } = await postCsv(fx.gateway.baseUrl, csvOf(list, tomorrow()));
    await progressed(fx.gateway.baseUrl, task.id, 200);
    await restartRedis();
    const done = await waitForTask(fx.gateway.baseUrl, task.id, 'completed', 180000);
    expect(output(done, 'done').valueInteger).toBe(1500);
    for (const nir of list) expect(fx.simulator.checksFor(nir)).toBe(1);
  }, 240000);
});

describe('a night lot through the lot exchange (batch submission + polling)', () => {
  let fx: GatewayFixture;

  beforeAll(async () => {
    fx = await startGatewayFixture({
      queue: 'postgres',
      env: { ...LOT_ENV, CDRI_LOT_MODE: 'lot-exchange', CDRI_LOT_CHUNK_SIZE: '700', CDRI_LOT_POLL_INTERVAL_MS: '100' },
    });
  });

  afterAll(async () => {
    await fx?.close();
  });

  it('completes a lot in sub-lots, resumes after kill -9 with the same tickets, each patient checked once', async () => {
    fx.simulator.configure({ lotThroughputPerSecond: 1000 });
    const list = [...nirs(1900, 320), ...nirs(100, 910)]; // 100 unknown patients among them
    const { task } = await postCsv(fx.gateway.baseUrl, csvOf(list, tomorrow()));
    await progressed(fx.gateway.baseUrl, task.id, 300);
    await fx.gateway.kill9();
    const restarted = await fx.restart();
    const done = await waitForTask(restarted.baseUrl, task.id, 'completed', 180000);
    expect(output(done, 'done').valueInteger).toBe(2000);
    expect(output(done, 'changed').valueInteger).toBe(100);
    for (const nir of list) expect(fx.simulator.checksFor(nir)).toBe(1);
  }, 240000);
});
