import { expectValidFhir } from '../../../tests/support/fhir-schema';
import { makeTestNir } from '../../simulators/cdri/simulated-patients';
import { lotProgress } from '../lots/lot-progress';
import { type Lot, type LotItem, type LotState } from '../lots/lot.store';
import { buildLotTask } from './lot-task.builder';
import { buildWorklist } from './worklist.builder';

const lot: Lot = {
  id: '0b8f7c3e-0000-4000-8000-000000000001',
  finess: '750000001',
  lotDate: '2026-11-24',
  horizonDays: 3,
  mode: 'unit-fanout',
  trigger: 'schedule',
  requestedBy: 'scheduler',
  state: 'queued',
  total: 3,
  correlationId: 'corr-1',
  createdAt: new Date('2026-11-23T22:00:00Z'),
  startedAt: null,
  finishedAt: null,
};
const started = { startedAt: new Date('2026-11-23T22:00:05Z') };
const finished = { ...started, finishedAt: new Date('2026-11-23T22:10:00Z') };
const item = (change: LotItem['change'], over: Partial<LotItem> = {}): LotItem => ({
  id: '1',
  lotId: lot.id,
  nir: makeTestNir({ order: 900 }),
  birthDate: null,
  ipp: null,
  visitNumber: null,
  familyName: null,
  givenName: null,
  dateOfCare: '2026-11-25',
  state: 'done',
  change,
  answer: null,
  chunkNo: null,
  rightsCheckId: null,
  ...over,
});

describe('lot Task and worklist', () => {
  it.each<[LotState, Partial<Lot>, { pending: number; done: number; failed: number; changed: number }]>([
    ['queued', {}, { pending: 3, done: 0, failed: 0, changed: 0 }],
    ['running', started, { pending: 2, done: 1, failed: 0, changed: 0 }],
    ['running', started, { pending: 3, done: 0, failed: 0, changed: 0 }],
    ['completed', finished, { pending: 0, done: 2, failed: 1, changed: 1 }],
    ['failed', finished, { pending: 1, done: 1, failed: 1, changed: 0 }],
    ['cancelled', started, { pending: 3, done: 0, failed: 0, changed: 0 }],
  ])('the Task of a %s lot is valid FHIR R4', (state, times, counts) => {
    const l = { ...lot, state, ...times };
    const task = buildLotTask(l, lotProgress(l, { total: 3, ...counts }, new Date('2026-11-23T22:01:00Z')));
    expectValidFhir(task);
  });

  it('the worklist is valid FHIR R4 with every kind of change, visit number and answer link', () => {
    const items = [
      item('RIGHTS_CLOSED', { rightsCheckId: '5d0c6a51-0000-4000-8000-000000000009', visitNumber: 'V123' }),
      item('ORGANISM_CHANGED'),
      item('EXONERATION_LOST'),
      item('UNKNOWN_PATIENT'),
    ];
    expectValidFhir(buildWorklist({ ...lot, state: 'completed', ...finished }, items));
    expectValidFhir(buildWorklist({ ...lot, state: 'running', ...started }, items.slice(0, 1)));
  });

  it('an empty worklist has no empty entry array: a finished lot says nothing changed, a running one is partial', () => {
    const done = buildWorklist({ ...lot, state: 'completed', ...finished }, []);
    expect(done.entry).toBeUndefined();
    expect(done.emptyReason).toMatchObject({ coding: [{ code: 'nilknown' }] });
    expectValidFhir(done);
    const running = buildWorklist({ ...lot, state: 'running', ...started }, []);
    expect(running.entry).toBeUndefined();
    expect(running.emptyReason).toBeUndefined();
    expectValidFhir(running);
  });
});
