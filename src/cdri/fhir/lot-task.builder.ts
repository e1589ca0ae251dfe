import { type LotProgress } from '../lots/lot-progress';
import { type Lot } from '../lots/lot.store';

const STATUS: Record<Lot['state'], string> = {
  queued: 'requested',
  running: 'in-progress',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

const out = (name: string, value: Record<string, unknown>) => ({ type: { text: name }, ...value });

/** A night lot as a FHIR Task: status, counts, percentage and ETA, and where its worklist is. */
export function buildLotTask(lot: Lot, p: LotProgress): Record<string, unknown> {
  const eta = p.etaSeconds !== undefined && lot.state === 'running' ? `, about ${p.etaSeconds} s left` : '';
  return {
    resourceType: 'Task',
    id: lot.id,
    meta: { lastUpdated: new Date().toISOString() },
    identifier: [{ system: 'urn:ietf:rfc:3986', value: `urn:uuid:${lot.id}` }],
    status: STATUS[lot.state],
    intent: 'order',
    code: { text: 'CDRi rights re-check lot' },
    businessStatus: { text: `${p.done + p.failed}/${p.total} checked (${p.percent} %), ${p.failed} failed, ${p.changed} changed${eta}` },
    authoredOn: new Date(lot.createdAt).toISOString(),
    ...(lot.startedAt
      ? {
          executionPeriod: {
            start: new Date(lot.startedAt).toISOString(),
            ...(lot.finishedAt ? { end: new Date(lot.finishedAt).toISOString() } : {}),
          },
        }
      : {}),
    requester: { display: lot.requestedBy },
    owner: { identifier: { system: 'https://finess.esante.gouv.fr', value: lot.finess } },
    input: [
      { type: { text: 'trigger' }, valueCode: lot.trigger },
      { type: { text: 'mode' }, valueCode: lot.mode },
      { type: { text: 'horizon-days' }, valueInteger: lot.horizonDays },
    ],
    output: [
      out('total', { valueInteger: p.total }),
      out('done', { valueInteger: p.done }),
      out('failed', { valueInteger: p.failed }),
      out('changed', { valueInteger: p.changed }),
      out('percent', { valueDecimal: p.percent }),
      out('rate-per-second', { valueDecimal: p.ratePerSecond }),
      ...(p.etaSeconds !== undefined && lot.state === 'running' ? [out('eta-seconds', { valueInteger: p.etaSeconds })] : []),
      out('worklist', { valueReference: { reference: `List/${lot.id}` } }),
    ],
  };
}
