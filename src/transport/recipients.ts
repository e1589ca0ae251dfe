import { GatewayError } from '../common/gateway-error';
import type { RecipientRoute } from '../config/transport-config';

/** Injection token of the recipients directory (TRANSMISSION_RECIPIENTS): recipient id → channel and address. */
export const TRANSMISSION_ROUTES = Symbol('TRANSMISSION_ROUTES');

export type RecipientsDirectory = ReadonlyMap<string, RecipientRoute>;

/**
 * Where a lot for this recipient goes, from configuration only: the caller names the insurer, never a mailbox or a
 * folder. Unknown ids are refused (422) with the id named, so that a typo does not look like a server fault.
 */
export function routeOf(directory: RecipientsDirectory, recipientId: string): RecipientRoute {
  const route = directory.get(recipientId);
  if (!route)
    throw new GatewayError(
      'BUSINESS_RULE',
      `Unknown recipient ${JSON.stringify(recipientId.slice(0, 64))}: recipients are configured (TRANSMISSION_RECIPIENTS), not given per request`,
      'recipient',
    );
  return route;
}
