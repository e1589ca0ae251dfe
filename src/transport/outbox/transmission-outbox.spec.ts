import { writeFile } from 'node:fs/promises';
import { UnrecoverableError } from 'bullmq';
import { ChannelError } from '../channels/transmission-channel';
import { OutboxError } from './outbox-error';
import { type OutboxEvent, TransmissionOutbox } from './transmission-outbox';
import { idempotencyKeyOf } from './transmission-naming';
import { InMemoryTransmissionStore, ScriptedChannel, recordingQueue, spoolFixture } from './transmission-outbox.test-support';

type Script = ConstructorParameters<typeof ScriptedChannel>[2];

let spool: Awaited<ReturnType<typeof spoolFixture>>;
beforeEach(async () => (spool = await spoolFixture()));
afterEach(async () => spool.cleanup());

/** An outbox on an in-memory store with one recorded transmission (its spool file is real, on local disk). */
async function setup(script: Script, opts: { channel?: boolean } = {}) {
  const store = new InMemoryTransmissionStore();
  const channel = new ScriptedChannel('sftp', store, script);
  const queue = recordingQueue();
  const events: OutboxEvent[] = [];
  const outbox = new TransmissionOutbox({
    store,
    queue: queue.backend,
    channels: opts.channel === false ? {} : { sftp: channel },
    spoolDir: spool.dir,
    // Sealing is not exercised here (prepare() of a new lot is covered by tests/integration with real certificates).
    seal: {} as never,
    checker: {} as never,
    recipientCertificates: {},
    onEvent: (e) => events.push(e),
  });
  const t = (await store.insert({
    id: '00000000-0000-4000-8000-000000000001',
    flow: 'b2',
    lotRef: 'LOT-1',
    recipientId: 'cpam',
    channel: 'sftp',
    recipient: 'in',
    fileName: 'lot.b2',
    idempotencyKey: idempotencyKeyOf('b2', 'LOT-1', 'cpam'),
    spoolPath: spool.path,
    ...spool.digest,
  }))!;
  return { store, channel, queue, events, outbox, t };
}

describe('TransmissionOutbox.sendJob', () => {
  it('commits an attempt before calling the channel, then records the send', async () => {
    const { store, channel, outbox, t } = await setup(['ok']);
    const result = await outbox.sendJob(t.id);

    expect(result.outcome).toBe('sent');
    expect(channel.sent).toHaveLength(1); // the channel checked that its attempt was committed first
    expect(channel.sent[0]).toMatchObject({ idempotencyKey: t.idempotencyKey, fileName: 'lot.b2', content: { path: spool.path } });
    expect(store.attempts).toEqual([expect.objectContaining({ id: channel.sent[0].attemptId, finished: true, outcome: 'sent' })]);
    expect(await store.get(t.id)).toMatchObject({
      state: 'sent',
      attempts: 1,
      possibleDuplicate: false,
      remoteId: `remote-${channel.sent[0].attemptId}`,
    });
  });

  it('after a crash mid-send, flags the transmission possible_duplicate and sends again under the same idempotency key', async () => {
    const { store, channel, events, outbox, t } = await setup(['already-delivered']);
    await store.beginAttempt(t.id, 'attempt-of-the-dead-process'); // committed, then the process died: no outcome

    const result = await outbox.sendJob(t.id);

    expect(result.outcome).toBe('already-delivered');
    expect(store.attempts.find((a) => a.id === 'attempt-of-the-dead-process')).toMatchObject({ finished: true, outcome: null });
    expect(channel.sent[0].idempotencyKey).toBe(t.idempotencyKey);
    expect(await store.get(t.id)).toMatchObject({ state: 'sent', attempts: 2, possibleDuplicate: true, alreadyDelivered: true });
    expect(events.map((e) => e.type)).toEqual(['possible-duplicate', 'already-delivered']);
  });

  it('puts a transient channel failure back to queued and rethrows it for a retry with backoff', async () => {
    const err = new ChannelError('UNREACHABLE', 'connect ECONNREFUSED', true);
    const { store, outbox, t } = await setup([err]);

    await expect(outbox.sendJob(t.id)).rejects.toBe(err);
    expect(await store.get(t.id)).toMatchObject({
      state: 'queued',
      lastError: 'UNREACHABLE: connect ECONNREFUSED',
      possibleDuplicate: false,
    });
    expect(store.attempts[0]).toMatchObject({ finished: true, outcome: 'failed' });
  });

  it('fails the transmission on the final attempt of a transient failure (UnrecoverableError stops BullMQ)', async () => {
    const { store, outbox, t } = await setup([new ChannelError('TIMEOUT', 'no answer', true)]);
    await expect(outbox.sendJob(t.id, { finalAttempt: true })).rejects.toBeInstanceOf(UnrecoverableError);
    expect(await store.get(t.id)).toMatchObject({ state: 'failed' });
  });

  it('fails at once on a permanent channel error', async () => {
    const { store, outbox, t } = await setup([new ChannelError('CONFLICT', 'another file holds the key', false)]);
    await expect(outbox.sendJob(t.id)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(await store.get(t.id)).toMatchObject({ state: 'failed', lastError: 'CONFLICT: another file holds the key' });
  });

  it('marks a possible duplicate when the channel says delivery is uncertain, and retries', async () => {
    const { store, outbox, t } = await setup([new ChannelError('UNREACHABLE', 'reset after DATA', true, { deliveryUncertain: true })]);
    await expect(outbox.sendJob(t.id)).rejects.toBeInstanceOf(ChannelError);
    expect(await store.get(t.id)).toMatchObject({ state: 'queued', possibleDuplicate: true });
  });

  it('never sends a spool file that differs from the recorded digest', async () => {
    const { store, channel, outbox, t } = await setup(['ok']);
    await writeFile(spool.path, Buffer.from('sealed lot bytez'));

    const err = await outbox.sendJob(t.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect(channel.sent).toHaveLength(0);
    expect(await store.get(t.id)).toMatchObject({ state: 'failed', lastError: expect.stringContaining('SPOOL_CORRUPT') });
  });

  it('skips a transmission that is already sent, without an attempt', async () => {
    const { store, channel, outbox, t } = await setup(['ok']);
    await outbox.sendJob(t.id);
    expect((await outbox.sendJob(t.id)).outcome).toBe('skipped');
    expect(channel.sent).toHaveLength(1);
    expect(store.attempts).toHaveLength(1);
  });

  it('parks a transmission whose channel is not configured here', async () => {
    const { store, outbox, t } = await setup([], { channel: false });
    await expect(outbox.sendJob(t.id)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(await store.get(t.id)).toMatchObject({ state: 'failed', lastError: 'channel sftp is not configured' });
    expect(store.attempts).toHaveLength(0);
  });

  it('refuses an unknown transmission id', async () => {
    const { outbox } = await setup([]);
    await expect(outbox.sendJob('00000000-0000-4000-8000-00000000dead')).rejects.toBeInstanceOf(UnrecoverableError);
  });
});

describe('TransmissionOutbox around the send', () => {
  it('prepare() of a lot already recorded returns it without sealing again and re-enqueues it while queued', async () => {
    const { queue, outbox, t } = await setup([]);
    const again = await outbox.prepare({
      flow: 'b2',
      lotRef: 'LOT-1',
      recipientId: 'cpam',
      channel: 'sftp',
      recipient: 'in',
      fileName: 'lot.b2',
      content: Buffer.from('x'),
    });

    expect(again).toMatchObject({ created: false, transmission: { id: t.id } });
    expect(queue.jobs).toEqual([{ jobId: t.id, transmissionId: t.id }]);
  });

  it('prepare() refuses input naming no lot, an unsafe file name or an unconfigured channel, before anything else', async () => {
    const { outbox } = await setup([]);
    const input = {
      flow: 'b2',
      lotRef: 'LOT-2',
      recipientId: 'cpam',
      channel: 'sftp' as const,
      recipient: 'in',
      fileName: 'lot.b2',
      content: Buffer.from('x'),
    };
    await expect(outbox.prepare({ ...input, lotRef: ' ' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(outbox.prepare({ ...input, fileName: '../etc/passwd' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(outbox.prepare({ ...input, channel: 'smtp' })).rejects.toBeInstanceOf(OutboxError);
    await expect(outbox.prepare({ ...input, lotPath: '/tmp/x' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('requeuePending() enqueues every queued or sending transmission under its own id', async () => {
    const { store, queue, outbox, t } = await setup([]);
    await store.beginAttempt(t.id, 'a1');
    expect(await outbox.requeuePending()).toBe(1);
    expect(queue.jobs).toEqual([{ jobId: t.id, transmissionId: t.id }]);
  });

  it('retry() moves a failed transmission back to queued and enqueues it; anything else is refused', async () => {
    const { store, queue, outbox, t } = await setup(['ok']);
    expect(await outbox.retry(t.id)).toBe(false);
    await store.fail(t.id, 'channel down');

    expect(await outbox.retry(t.id)).toBe(true);
    expect(await store.get(t.id)).toMatchObject({ state: 'queued' });
    expect(queue.jobs.map((j) => j.jobId)).toEqual([t.id]);
    expect((await outbox.sendJob(t.id)).outcome).toBe('sent');
  });

  it('an acknowledged transmission stays acknowledged', async () => {
    const { outbox, t } = await setup(['ok']);
    expect(await outbox.acknowledge(t.id)).toBeUndefined(); // queued: nothing was sent yet
    await outbox.sendJob(t.id);
    expect(await outbox.acknowledge(t.id)).toMatchObject({ state: 'acknowledged' });
    expect((await outbox.sendJob(t.id)).outcome).toBe('skipped');
    expect((await outbox.counts()).acknowledged).toBe(1);
  });
});
