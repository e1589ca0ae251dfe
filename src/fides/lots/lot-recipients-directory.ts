/**
 * Which transport recipient gets the lots of a caisse (FIDES_RECIPIENTS_FILE). The file maps (grand régime, caisse
 * gestionnaire) to a recipient id; where that recipient is (channel, address) and its encryption certificate are
 * transport configuration (TRANSMISSION_RECIPIENTS, TRANSMISSION_RECIPIENT_CERTS), never a request's choice.
 *
 *   { "default": "cpam-default",
 *     "entries": [ { "grandRegime": "01", "managingFund": "751", "recipientId": "cpam-75" } ] }
 *
 * `default` (optional) takes every caisse the entries do not name. A caisse with no recipient is not lotted: its
 * invoices stay `ready`, are counted (passerelle_fides_invoices_unrouted) and make /health degraded.
 */
import { readFileSync } from 'node:fs';
import { type LotRecipient, recipientKey } from './lot-recipient';

export interface LotRecipientsDirectory {
  recipientOf(r: LotRecipient): string | undefined;
  /** Every recipient id named (to check them against the transport configuration at boot). */
  readonly recipientIds: readonly string[];
}

const ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Parses the directory; throws naming the entry at fault (boot stops: lots to an unknown insurer are worse). */
export function parseLotRecipients(json: unknown, source = 'FIDES_RECIPIENTS_FILE'): LotRecipientsDirectory {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${source}: must be a JSON object`);
  const { default: fallback, entries = [] } = json as { default?: unknown; entries?: unknown };
  if (fallback !== undefined && (typeof fallback !== 'string' || !ID.test(fallback)))
    throw new Error(`${source}: default must be a recipient id (letters, digits, . _ -)`);
  if (!Array.isArray(entries)) throw new Error(`${source}: entries must be an array`);
  const map = new Map<string, string>();
  entries.forEach((e: unknown, i) => {
    const { grandRegime, managingFund, recipientId } = (e ?? {}) as Record<string, unknown>;
    if (typeof grandRegime !== 'string' || !/^\d{2}$/.test(grandRegime))
      throw new Error(`${source}: entries[${i}].grandRegime must be 2 digits`);
    if (typeof managingFund !== 'string' || !/^\d{3}$/.test(managingFund))
      throw new Error(`${source}: entries[${i}].managingFund must be 3 digits`);
    if (typeof recipientId !== 'string' || !ID.test(recipientId))
      throw new Error(`${source}: entries[${i}].recipientId is not a recipient id`);
    const key = recipientKey({ grandRegime, managingFund });
    if (map.has(key)) throw new Error(`${source}: entries[${i}]: caisse ${key} appears twice`);
    map.set(key, recipientId);
  });
  return {
    recipientOf: (r) => map.get(recipientKey(r)) ?? fallback,
    recipientIds: [...new Set([...map.values(), ...(fallback ? [fallback] : [])])],
  };
}

export function loadLotRecipients(file: string | undefined): LotRecipientsDirectory {
  if (!file) return parseLotRecipients({});
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new Error('FIDES_RECIPIENTS_FILE: not readable as JSON');
  }
  return parseLotRecipients(json);
}
