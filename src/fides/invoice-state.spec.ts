import {
  assertTransition,
  canTransition,
  FINAL_INVOICE_STATES,
  IllegalInvoiceTransition,
  INVOICE_STATES,
  INVOICE_TRANSITIONS,
} from './invoice-state';

describe('invoice state machine', () => {
  it('follows received → ready → in-lot → sent → acknowledged → paid, a held invoice comes back as a new version', () => {
    const path = ['received', 'ready', 'in-lot', 'sent', 'acknowledged', 'paid'] as const;
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1], path[i])).toBe(true);
    expect(canTransition('received', 'preflight-failed')).toBe(true);
    expect(canTransition('received', 'awaiting-rights')).toBe(true);
    expect(canTransition('awaiting-rights', 'ready')).toBe(true);
    expect(canTransition('awaiting-rights', 'preflight-failed')).toBe(true);
    // A held invoice leaves only as a new version, which runs pre-flight again.
    expect(canTransition('preflight-failed', 'received')).toBe(true);
    expect(canTransition('preflight-failed', 'ready')).toBe(false);
    expect(canTransition('file-refused', 'ready')).toBe(true);
  });

  it('throws on an illegal transition', () => {
    expect(() => assertTransition('received', 'paid')).toThrow(IllegalInvoiceTransition);
    expect(() => assertTransition('paid', 'received')).toThrow('Invoice cannot go from paid to received');
  });

  it('names only declared states as targets; final states lead nowhere', () => {
    for (const targets of Object.values(INVOICE_TRANSITIONS)) for (const t of targets) expect(INVOICE_STATES).toContain(t);
    expect([...FINAL_INVOICE_STATES].sort()).toEqual(['paid', 'partly-paid', 'rejected', 'warned']);
  });
});
