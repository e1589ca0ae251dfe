import { expectValidFhir } from '../../../tests/support/fhir-schema';
import { buildTransmissionTask } from './transmission-task.builder';
import { type Transmission } from './transmission.store';

const base: Transmission = {
  id: '6f1c2d9e-0000-4000-8000-000000000001',
  flow: 'b2',
  lotRef: 'LOT-1',
  recipientId: 'cpam-75',
  channel: 'smtp',
  recipient: 'b2@cpam-75.test',
  fileName: 'B2_LOT-1.p7m',
  requestedBy: 'billing-1',
  idempotencyKey: 'b2-LOT-1-cpam-75',
  spoolPath: '/spool/x.p7m',
  sha256: 'ab'.repeat(32),
  bytes: 1234,
  state: 'queued',
  attempts: 0,
  possibleDuplicate: false,
  alreadyDelivered: false,
  remoteId: null,
  lastError: null,
  createdAt: new Date('2025-06-01T10:00:00Z'),
  sentAt: null,
  acknowledgedAt: null,
  returnReceivedAt: null,
};

const output = (task: Record<string, unknown>, name: string) =>
  (task.output as Array<{ type: { text: string } } & Record<string, unknown>>).find((o) => o.type.text === name);

describe('buildTransmissionTask', () => {
  it.each([
    ['queued', 0, 'requested', 'queued for sending'],
    ['queued', 2, 'in-progress', 'waiting for retry after 2 attempt(s)'],
    ['sending', 1, 'in-progress', 'sending'],
    ['sent', 1, 'in-progress', 'sent, awaiting acknowledgement'],
    ['acknowledged', 1, 'completed', 'acknowledged by the insurer'],
    ['failed', 1, 'failed', 'failed, needs attention'],
  ] as const)('%s after %i attempt(s) → %s', (state, attempts, status, business) => {
    const task = buildTransmissionTask({ ...base, state, attempts });
    expect(task).toMatchObject({ status, businessStatus: { text: business } });
    expectValidFhir(task);
  });

  it('reports attempts, duplicates, remote id and digest; the last event is lastUpdated', () => {
    const sentAt = new Date('2025-06-01T10:05:00Z');
    const task = buildTransmissionTask({
      ...base,
      state: 'sent',
      attempts: 2,
      possibleDuplicate: true,
      remoteId: '<a@passerelle>',
      sentAt,
    });
    expect(output(task, 'attempts')).toMatchObject({ valueInteger: 2 });
    expect(output(task, 'possibleDuplicate')).toMatchObject({ valueBoolean: true });
    expect(output(task, 'remoteId')).toMatchObject({ valueString: '<a@passerelle>' });
    expect(output(task, 'bytes')).toMatchObject({ valueInteger: 1234 });
    expect(task.meta).toEqual({ lastUpdated: sentAt.toISOString() });
    expect((task.businessStatus as { text: string }).text).toContain('possible duplicate');
    expectValidFhir(task);
  });

  it('is valid FHIR R4 at every step of a lot that failed once, was retried, sent and acknowledged, then returned', () => {
    const t0 = base.createdAt.getTime();
    const at = (minutes: number) => new Date(t0 + minutes * 60000);
    const steps: Partial<Transmission>[] = [
      { state: 'queued', attempts: 1, lastError: 'SMTP 451 try again later' },
      { state: 'sending', attempts: 2, lastError: 'SMTP 451 try again later' },
      { state: 'sent', attempts: 2, remoteId: '<a@passerelle>', sentAt: at(5) },
      { state: 'acknowledged', attempts: 2, remoteId: '<a@passerelle>', sentAt: at(5), acknowledgedAt: at(20) },
      { state: 'acknowledged', attempts: 2, remoteId: '<a@passerelle>', sentAt: at(5), acknowledgedAt: at(20), returnReceivedAt: at(60) },
      { state: 'failed', attempts: 3, lastError: 'SMTP 554 rejected' },
      { state: 'sent', attempts: 1, possibleDuplicate: true, alreadyDelivered: true, sentAt: at(5) },
    ];
    for (const step of steps) expectValidFhir(buildTransmissionTask({ ...base, ...step }));
  });

  it('leaves out the recipient address of a file channel instead of sending an empty string', () => {
    const task = buildTransmissionTask({ ...base, channel: 'file-drop', recipient: '' });
    expect(JSON.stringify(task)).not.toContain('""');
    expect((task.input as Array<{ type: { text: string } }>).map((i) => i.type.text)).toEqual([
      'flow',
      'lotRef',
      'recipientId',
      'channel',
      'fileName',
    ]);
    expectValidFhir(task);
  });
});
