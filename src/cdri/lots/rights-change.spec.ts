import { type AmoRightsAnswer } from '../amo-rights.port';
import { classifyChange } from './rights-change';

const open: AmoRightsAnswer = {
  status: 'OPEN',
  organism: { grandRegime: '01', caisse: '751', centre: '0001', codeGestion: '10' },
  periods: [{ start: '2025-01-01' }],
  c2s: false,
  ame: false,
  maternity: false,
  insurerReference: 'x',
};

describe('classifyChange', () => {
  it('reports nothing when the rights stay the same', () => {
    expect(classifyChange(open, { ...open })).toBe('NONE');
    expect(classifyChange(undefined, open)).toBe('NONE');
  });
  it('reports closed rights, first seen or newly closed, but not again', () => {
    const closed = { ...open, status: 'CLOSED' as const };
    expect(classifyChange(open, closed)).toBe('RIGHTS_CLOSED');
    expect(classifyChange(undefined, closed)).toBe('RIGHTS_CLOSED');
    expect(classifyChange(closed, closed)).toBe('NONE');
  });
  it('reports an unknown patient once', () => {
    const unknown = { ...open, status: 'UNKNOWN_PATIENT' as const, organism: undefined };
    expect(classifyChange(open, unknown)).toBe('UNKNOWN_PATIENT');
    expect(classifyChange(unknown, unknown)).toBe('NONE');
  });
  it('reports a change of organism, including the code gestion', () => {
    expect(classifyChange(open, { ...open, organism: { ...open.organism!, caisse: '921' } })).toBe('ORGANISM_CHANGED');
    expect(classifyChange(open, { ...open, organism: { ...open.organism!, codeGestion: '20' } })).toBe('ORGANISM_CHANGED');
  });
  it('reports a lost exoneration, not a gained one', () => {
    const ald = { ...open, exoneration: { code: '4', label: 'ALD' } };
    expect(classifyChange(ald, open)).toBe('EXONERATION_LOST');
    expect(classifyChange(open, ald)).toBe('NONE');
  });
});
