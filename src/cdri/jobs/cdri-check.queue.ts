/** The queue of AMO rights checks asked by HL7 admissions (and, later, the night lot). */
export const CDRI_CHECK_QUEUE = 'cdri-check';

export interface CdriCheckJob {
  checkId: string;
  correlationId: string;
  /** Milliseconds since epoch when queued, to measure queue wait. */
  queuedAt: number;
}
