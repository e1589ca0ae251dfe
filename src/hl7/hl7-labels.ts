import { SUPPORTED_EVENTS } from './pam-fr-validation';

/**
 * The `event` of a metric label or a log line, from known values only: a supported trigger event, `unknown` when
 * there is none, else `other`. MSH-9.2 is sender text — a 2,000-character event name or a NIR glued to letters
 * reached /metrics and the log as sent — so it never goes there as is.
 */
export function hl7EventLabel(event: string): string {
  if (event === '') return 'unknown';
  return SUPPORTED_EVENTS.has(event) ? event : 'other';
}
