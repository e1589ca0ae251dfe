import pino, { type Logger } from 'pino';
import { describeDbError } from '../persistence/db-errors';
import { currentCorrelationId } from './correlation';
import { scrubText } from './log-scrubber';

/**
 * Structured JSON logs (pino). Keys that could carry patient data or secrets are redacted by name,
 * every line carries the current correlation id, and the final text is scrubbed of NIR shapes.
 */
const REDACTED_KEYS = [
  'nir',
  'assureNir',
  'birthDate',
  'name',
  'family',
  'given',
  'password',
  'passphrase',
  'key',
  'apiKey',
  'authorization',
  'cookie',
  'raw',
  'body',
  'payload',
  'privateKey',
];

export type AppLogger = Logger;

/**
 * Scrubs string values one level deep (and error messages), where free text from outside may land. A database error
 * is logged by its codes only: PostgreSQL quotes the statement's values (a birth date, a NIR) in its message and detail.
 */
function scrubObject(obj: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === 'string') obj[k] = scrubText(v);
    else if (v instanceof Error && describeDbError(v)) obj[k] = { type: 'DatabaseError', ...describeDbError(v) };
    else if (v instanceof Error) obj[k] = { type: v.name, message: scrubText(v.message) };
  }
  return obj;
}

export function createLogger(level: string, destination?: pino.DestinationStream): AppLogger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`]).concat(['req.headers.authorization', 'req.headers["x-api-key"]']);
  return pino(
    {
      level,
      base: { service: 'passerelle' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths, censor: '[redacted]' },
      mixin: () => {
        const correlationId = currentCorrelationId();
        return correlationId ? { correlationId } : {};
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubText(a) : a));
          return method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      formatters: { level: (label) => ({ level: label }), log: scrubObject },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
