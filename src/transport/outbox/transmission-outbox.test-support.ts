/**
 * Test support for the unit tier (not built into dist/): an in-memory TransmissionStorePort with the SQL's state
 * rules, a scripted channel that checks an attempt is committed before it is called, and a queue that records jobs.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type QueueBackend } from '../../queue/queue-backend';
import {
  ChannelError,
  type ChannelName,
  type OutgoingLot,
  type SendReceipt,
  type TransmissionChannel,
} from '../channels/transmission-channel';
import { digestFile } from './spool-file';
import {
  type AttemptStart,
  type NewTransmission,
  type Transmission,
  TRANSMISSION_STATES,
  type TransmissionState,
  type TransmissionStorePort,
} from './transmission.store';

export interface AttemptRow {
  id: string;
  transmissionId: string;
  finished: boolean;
  outcome: 'sent' | 'already-delivered' | 'failed' | null;
  error: string | null;
}

const SENDABLE: TransmissionState[] = ['queued', 'sending'];

export class InMemoryTransmissionStore implements TransmissionStorePort {
  readonly rows = new Map<string, Transmission>();
  readonly attempts: AttemptRow[] = [];

  async insert(t: NewTransmission): Promise<Transmission | undefined> {
    if ([...this.rows.values()].some((r) => r.idempotencyKey === t.idempotencyKey)) return undefined;
    const row: Transmission = {
      ...t,
      state: 'queued',
      attempts: 0,
      possibleDuplicate: false,
      alreadyDelivered: false,
      remoteId: null,
      lastError: null,
      createdAt: new Date(),
      sentAt: null,
      acknowledgedAt: null,
      returnReceivedAt: null,
      requestedBy: t.requestedBy ?? null,
    };
    this.rows.set(t.id, row);
    return { ...row };
  }

  async get(id: string): Promise<Transmission | undefined> {
    const row = this.rows.get(id);
    return row && { ...row };
  }

  async byKey(key: string): Promise<Transmission | undefined> {
    const row = [...this.rows.values()].find((r) => r.idempotencyKey === key);
    return row && { ...row };
  }

  async beginAttempt(id: string, attemptId: string): Promise<AttemptStart | undefined> {
    const row = this.rows.get(id);
    if (!row || !SENDABLE.includes(row.state)) return undefined;
    const open = this.attempts.filter((a) => a.transmissionId === id && !a.finished);
    for (const a of open) Object.assign(a, { finished: true, error: 'interrupted' });
    this.attempts.push({ id: attemptId, transmissionId: id, finished: false, outcome: null, error: null });
    Object.assign(row, { state: 'sending', attempts: row.attempts + 1, possibleDuplicate: row.possibleDuplicate || open.length > 0 });
    return { possibleDuplicate: row.possibleDuplicate, interrupted: open.length };
  }

  async attemptSucceeded(id: string, attemptId: string, alreadyDelivered: boolean, remoteId: string): Promise<Transmission | undefined> {
    this.finishAttempt(id, attemptId, alreadyDelivered ? 'already-delivered' : 'sent', null);
    const row = this.rows.get(id);
    if (!row) return undefined;
    Object.assign(row, {
      state: row.state === 'acknowledged' ? 'acknowledged' : 'sent',
      sentAt: row.sentAt ?? new Date(),
      remoteId,
      alreadyDelivered: row.alreadyDelivered || alreadyDelivered,
      lastError: null,
    });
    return { ...row };
  }

  async attemptFailed(id: string, attemptId: string, error: string, next: 'queued' | 'failed', uncertain: boolean): Promise<void> {
    this.finishAttempt(id, attemptId, 'failed', error);
    const row = this.rows.get(id);
    if (!row) return;
    Object.assign(row, {
      state: SENDABLE.includes(row.state) ? next : row.state,
      lastError: error,
      possibleDuplicate: row.possibleDuplicate || uncertain,
    });
  }

  async fail(id: string, error: string): Promise<void> {
    const row = this.rows.get(id);
    if (row && SENDABLE.includes(row.state)) Object.assign(row, { state: 'failed', lastError: error });
  }

  async requeueFailed(id: string): Promise<boolean> {
    const row = this.rows.get(id);
    if (row?.state !== 'failed') return false;
    row.state = 'queued';
    return true;
  }

  async acknowledge(id: string): Promise<Transmission | undefined> {
    const row = this.rows.get(id);
    if (!row || !['sending', 'sent', 'acknowledged'].includes(row.state)) return undefined;
    Object.assign(row, { state: 'acknowledged', acknowledgedAt: row.acknowledgedAt ?? new Date() });
    return { ...row };
  }

  async pendingIds(limit: number): Promise<string[]> {
    return [...this.rows.values()]
      .filter((r) => SENDABLE.includes(r.state))
      .slice(0, limit)
      .map((r) => r.id);
  }

  async counts(): Promise<Record<TransmissionState, number>> {
    const counts = Object.fromEntries(TRANSMISSION_STATES.map((s) => [s, 0])) as Record<TransmissionState, number>;
    for (const r of this.rows.values()) counts[r.state]++;
    return counts;
  }

  private finishAttempt(id: string, attemptId: string, outcome: AttemptRow['outcome'], error: string | null): void {
    const a = this.attempts.find((x) => x.id === attemptId && x.transmissionId === id);
    if (a) Object.assign(a, { finished: true, outcome, error });
  }
}

/**
 * A channel answering from a script (one entry per send). It refuses to "send" unless the store holds an open
 * attempt under the lot's attemptId: the outbox must commit the attempt before calling the channel.
 */
export class ScriptedChannel implements TransmissionChannel {
  readonly sent: OutgoingLot[] = [];

  constructor(
    readonly name: ChannelName,
    private readonly store: InMemoryTransmissionStore,
    private readonly script: Array<'ok' | 'already-delivered' | ChannelError>,
  ) {}

  async send(lot: OutgoingLot): Promise<SendReceipt> {
    const attempt = this.store.attempts.find((a) => a.id === lot.attemptId);
    if (!attempt || attempt.finished) throw new Error('ScriptedChannel: called without an open attempt committed first');
    this.sent.push(lot);
    const next = this.script.shift();
    if (next === undefined) throw new Error('ScriptedChannel: unexpected send');
    if (next instanceof ChannelError) throw next;
    return {
      channel: this.name,
      remoteId: `remote-${lot.attemptId}`,
      acceptedAt: new Date(),
      alreadyDelivered: next === 'already-delivered',
      size: 16,
    };
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}
}

/** Records the jobs the outbox adds. Only what the outbox calls is implemented. */
export function recordingQueue(): { backend: QueueBackend; jobs: Array<{ jobId: string; transmissionId: string }> } {
  const jobs: Array<{ jobId: string; transmissionId: string }> = [];
  const queue = {
    add: async (_name: string, data: { transmissionId: string }, opts: { jobId: string }) =>
      void jobs.push({ jobId: opts.jobId, transmissionId: data.transmissionId }),
    addBulk: async (list: Array<{ data: { transmissionId: string }; opts: { jobId: string } }>) =>
      void jobs.push(...list.map((j) => ({ jobId: j.opts.jobId, transmissionId: j.data.transmissionId }))),
  };
  return { backend: { queue: () => queue } as unknown as QueueBackend, jobs };
}

/** A spool file with some bytes, and the digest a transmission row records for it. */
export async function spoolFixture(): Promise<{
  dir: string;
  path: string;
  digest: { bytes: number; sha256: string };
  cleanup: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'outbox-spec-'));
  const path = join(dir, 'lot.p7m');
  await writeFile(path, Buffer.from('sealed lot bytes'));
  return { dir, path, digest: await digestFile(path), cleanup: () => rm(dir, { recursive: true, force: true }) };
}
