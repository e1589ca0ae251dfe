/**
 * UUIDs in their canonical text form (8-4-4-4-12 hex digits). Our row ids (gen_random_uuid, randomUUID) are UUIDs, and
 * an id from a URL is checked before it reaches SQL: PostgreSQL's uuid cast throws on anything else, which would turn a
 * typo into a 500 instead of a 404. (The former `[0-9a-f-]{36}` check let 36 dashes through to that cast.)
 */
const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** RFC 9562: version 1-8 in the 13th digit, variant 10xx in the 17th. */
const VERSIONED = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** Any UUID PostgreSQL would accept in canonical form (lookups by id). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && CANONICAL.test(value);
}

/** A UUID generated per RFC 9562 (ids we are given to send on, e.g. the per-install id of the insurer context). */
export function isVersionedUuid(value: unknown): value is string {
  return typeof value === 'string' && VERSIONED.test(value);
}
