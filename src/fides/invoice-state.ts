/**
 * An invoice's life, as data: each state and the states it may go to next. Intake writes `received`; pre-flight,
 * lots, ARL and NOEMIE returns (issue 9 §2–4) move it on. A transition not in this table is a bug, never data: it
 * throws.
 */
export const INVOICE_TRANSITIONS = {
  received: ['awaiting-rights', 'preflight-failed', 'ready'],
  // Pre-flight found no CDRi answer young enough: a check is queued and the invoice waits for it (never leaves unchecked).
  'awaiting-rights': ['ready', 'preflight-failed'],
  // Held by pre-flight until a person corrects it: the correction comes back as a new version and runs pre-flight again.
  'preflight-failed': ['received'],
  ready: ['in-lot'],
  'in-lot': ['sent'],
  sent: ['acknowledged', 'file-refused'],
  // A negative ARL: the file's invoices go back to be sent again in a new lot.
  'file-refused': ['ready'],
  acknowledged: ['paid', 'partly-paid', 'rejected', 'warned'],
  paid: [],
  'partly-paid': [],
  rejected: [],
  // A warning (signalement) is paid: kept apart so the billing office sees it.
  warned: [],
} as const satisfies Record<string, readonly string[]>;

export type InvoiceState = keyof typeof INVOICE_TRANSITIONS;

export const INVOICE_STATES = Object.keys(INVOICE_TRANSITIONS) as InvoiceState[];

/** States after which nothing more happens to the invoice (retention counts from them). */
export const FINAL_INVOICE_STATES: readonly InvoiceState[] = INVOICE_STATES.filter((s) => INVOICE_TRANSITIONS[s].length === 0);

export function isInvoiceState(value: string): value is InvoiceState {
  return Object.hasOwn(INVOICE_TRANSITIONS, value);
}

export function canTransition(from: InvoiceState, to: InvoiceState): boolean {
  return (INVOICE_TRANSITIONS[from] as readonly string[]).includes(to);
}

export class IllegalInvoiceTransition extends Error {
  constructor(
    readonly from: InvoiceState,
    readonly to: InvoiceState,
  ) {
    super(`Invoice cannot go from ${from} to ${to}`);
    this.name = 'IllegalInvoiceTransition';
  }
}

/** Throws unless the table allows it. */
export function assertTransition(from: InvoiceState, to: InvoiceState): void {
  if (!canTransition(from, to)) throw new IllegalInvoiceTransition(from, to);
}
