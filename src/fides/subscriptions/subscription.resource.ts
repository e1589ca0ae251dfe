import { MASKED_HEADER_VALUE } from './subscription.parser';
import type { StoredSubscription } from './subscription.store';

/**
 * A stored subscription as a FHIR R4 Subscription. Header values are never given back (they are the GAP's
 * credentials): each reads `Name: ***`, and an update sending `***` keeps the stored value. `end` passed reads `off`.
 */
export function subscriptionResource(s: StoredSubscription, now = new Date()): Record<string, unknown> {
  const ended = s.end !== undefined && s.end.getTime() <= now.getTime();
  return {
    resourceType: 'Subscription',
    id: s.id,
    meta: { lastUpdated: s.updatedAt.toISOString() },
    status: ended ? 'off' : s.status,
    ...(s.end ? { end: s.end.toISOString() } : {}),
    reason: s.reason,
    criteria: s.criteria,
    ...(s.error ? { error: s.error } : {}),
    channel: {
      type: 'rest-hook',
      endpoint: s.endpoint,
      ...(s.payload ? { payload: s.payload } : {}),
      ...(s.headers.length ? { header: s.headers.map((h) => `${h.name}: ${MASKED_HEADER_VALUE}`) } : {}),
    },
  };
}
