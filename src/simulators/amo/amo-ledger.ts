/**
 * What the simulated AMO did, for tests and demos: counters, and per lot its outcome — ARL status and reason, and per
 * invoice number the RSP outcome (P paid, S paid with a warning, R rejected), motive code and paid amount. Keyed by lot
 * reference and invoice number only: no NIR, name or birth date is kept.
 */

export interface AmoCounters {
  /** Lot files received (SMTP messages with a lot, drop-folder files), repeats included. */
  filesReceived: number;
  /** Received again under a lot reference already processed: dropped, not answered twice. */
  duplicatesReceived: number;
  /** Messages without a lot attachment, or a name that is no lot reference and a file that could not be read. */
  unidentified: number;
  arlWritten: number;
  rspWritten: number;
  /** ARLs decided but not written (fault loseArl). */
  arlLost: number;
  /** Return files written a second time (fault duplicateReturn). */
  duplicatesWritten: number;
  /** Lots that could not be answered, returns that could not be sealed, encrypted or written (see lastError). */
  returnErrors: number;
}

export interface AmoInvoiceOutcome {
  readonly invoiceNumber: string;
  readonly outcome: 'P' | 'S' | 'R';
  readonly motiveCode?: string;
  readonly billedAmount: number;
  readonly paidAmount?: number;
}

export interface AmoLotOutcome {
  readonly lotRef: string;
  readonly receivedAt: Date;
  /** P positive, N negative. */
  arl?: 'P' | 'N';
  arlReason?: string;
  /** Anomalies (110) of a negative ARL: record type and field only. */
  anomalies?: readonly { readonly line: number; readonly recordType: string; readonly fieldName?: string }[];
  arlWritten: boolean;
  rspWritten: boolean;
  invoices?: readonly AmoInvoiceOutcome[];
}

export const zeroAmoCounters = (): AmoCounters => ({
  filesReceived: 0,
  duplicatesReceived: 0,
  unidentified: 0,
  arlWritten: 0,
  rspWritten: 0,
  arlLost: 0,
  duplicatesWritten: 0,
  returnErrors: 0,
});

export class AmoLedger {
  counters: AmoCounters = zeroAmoCounters();
  private readonly lots = new Map<string, AmoLotOutcome>();
  /** Last failure to write a return (message only: it names files and certificates, never content). */
  lastError?: string;

  has(lotRef: string): boolean {
    return this.lots.has(lotRef);
  }

  open(lotRef: string, receivedAt: Date): AmoLotOutcome {
    const lot: AmoLotOutcome = { lotRef, receivedAt, arlWritten: false, rspWritten: false };
    this.lots.set(lotRef, lot);
    return lot;
  }

  lot(lotRef: string): AmoLotOutcome | undefined {
    return this.lots.get(lotRef);
  }

  all(): AmoLotOutcome[] {
    return [...this.lots.values()];
  }

  reset(): void {
    this.counters = zeroAmoCounters();
    this.lots.clear();
    this.lastError = undefined;
  }
}
