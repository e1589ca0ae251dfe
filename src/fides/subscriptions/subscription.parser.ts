import { GatewayError } from '../../common/gateway-error';
import { isLoopbackUrl } from '../../config/load-config';
import { isUuid } from '../../identifiers';

/** ClaimResponse outcomes a criteria may select (`ClaimResponse?outcome=`), as claim-response.builder.ts writes them. */
export const CLAIM_RESPONSE_OUTCOMES = ['queued', 'complete', 'error'] as const;
export type ClaimResponseOutcome = (typeof CLAIM_RESPONSE_OUTCOMES)[number];

/** The only payload we send: the full ClaimResponse. Absent = an empty notification (the GAP reads it back). */
export const FHIR_JSON = 'application/fhir+json';

/** A header value given back as this on reads; sent again in an update it keeps the stored value. */
export const MASKED_HEADER_VALUE = '***';

const MAX_HEADERS = 10;
const MAX_HEADER_CHARS = 4096;
const MAX_ENDPOINT_CHARS = 2048;
const MAX_REASON_CHARS = 1024;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
/** Headers the delivery itself sets: a subscription cannot change how its own request is framed. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'te', 'upgrade', 'expect']);

export interface ChannelHeader {
  name: string;
  value: string;
}

/** A Subscription as the gateway understood it (create and update). */
export interface SubscriptionRequest {
  /** `requested` and `active` both mean "deliver" (activated at once: there is no handshake); `off` pauses. */
  status: 'active' | 'off';
  reason: string;
  /** The criteria as given (normalised: parameters in a fixed order). */
  criteria: string;
  requestInvoiceId?: string;
  outcome?: ClaimResponseOutcome;
  end?: Date;
  endpoint: string;
  payload?: typeof FHIR_JSON;
  headers: ChannelHeader[];
}

const invalid = (message: string, field: string) => new GatewayError('INVALID_INPUT', message, field);
const unsupported = (message: string, field: string) => new GatewayError('BUSINESS_RULE', message, field);

/**
 * Reads a FHIR R4 Subscription (rest-hook on ClaimResponse). Shape errors (missing or mistyped elements) are 400,
 * well-formed values we do not serve (another resource, another channel, plain http off the loopback) 422; both name
 * the FHIRPath and never echo a value.
 */
export function parseSubscription(body: unknown, idInPath?: string): SubscriptionRequest {
  if (!isObject(body) || body.resourceType !== 'Subscription') throw invalid('The body must be a FHIR Subscription', 'Subscription');
  if (idInPath !== undefined && body.id !== undefined && body.id !== idInPath)
    throw invalid('Subscription.id must be the id in the URL', 'Subscription.id');
  const status = body.status ?? 'requested';
  if (typeof status !== 'string') throw invalid('Subscription.status must be a code', 'Subscription.status');
  if (!['requested', 'active', 'off', 'error'].includes(status))
    throw invalid('Subscription.status must be requested, active, error or off', 'Subscription.status');
  if (status === 'error')
    throw unsupported('Subscription.status error is set by the server only; send requested to re-activate', 'Subscription.status');
  if (typeof body.reason !== 'string' || body.reason.trim() === '' || body.reason.length > MAX_REASON_CHARS)
    throw invalid(`Subscription.reason is required (at most ${MAX_REASON_CHARS} characters)`, 'Subscription.reason');
  const criteria = parseCriteria(body.criteria);
  const end = parseEnd(body.end);
  if (!isObject(body.channel)) throw invalid('Subscription.channel is required', 'Subscription.channel');
  const channel = body.channel;
  if (typeof channel.type !== 'string') throw invalid('Subscription.channel.type is required', 'Subscription.channel.type');
  if (channel.type !== 'rest-hook') throw unsupported('Only rest-hook channels are supported', 'Subscription.channel.type');
  return {
    status: status === 'off' ? 'off' : 'active',
    reason: body.reason.trim(),
    ...criteria,
    ...(end ? { end } : {}),
    endpoint: parseEndpoint(channel.endpoint),
    ...(parsePayload(channel.payload) ? { payload: FHIR_JSON } : {}),
    headers: parseHeaders(channel.header),
  };
}

/**
 * `ClaimResponse`, optionally with `request=Claim/{id}` (one invoice) and/or `outcome=queued|complete|error`: the
 * search parameters of ClaimResponse we serve. Anything else is refused rather than silently widened.
 */
export function parseCriteria(value: unknown): Pick<SubscriptionRequest, 'criteria' | 'requestInvoiceId' | 'outcome'> {
  const field = 'Subscription.criteria';
  if (typeof value !== 'string' || value.trim() === '' || value.length > 512) throw invalid('Subscription.criteria is required', field);
  const [type, query, ...rest] = value.trim().split('?');
  if (rest.length > 0) throw invalid('Subscription.criteria must be Type[?param=value&…]', field);
  if (type !== 'ClaimResponse') throw unsupported('Subscriptions are served on ClaimResponse only', field);
  let requestInvoiceId: string | undefined;
  let outcome: ClaimResponseOutcome | undefined;
  const seen = new Set<string>();
  for (const [name, raw] of new URLSearchParams(query ?? '')) {
    if (seen.has(name)) throw invalid(`Subscription.criteria repeats the parameter ${safeName(name)}`, field);
    seen.add(name);
    if (name === 'request') {
      const id = /^Claim\/([0-9a-fA-F-]{36})$/.exec(raw)?.[1];
      if (!id || !isUuid(id)) throw invalid('Subscription.criteria: request must be Claim/{id}', field);
      requestInvoiceId = id.toLowerCase();
    } else if (name === 'outcome') {
      if (!(CLAIM_RESPONSE_OUTCOMES as readonly string[]).includes(raw))
        throw invalid(`Subscription.criteria: outcome must be one of ${CLAIM_RESPONSE_OUTCOMES.join(', ')}`, field);
      outcome = raw as ClaimResponseOutcome;
    } else {
      throw unsupported(`Subscription.criteria: parameter ${safeName(name)} is not supported (request, outcome)`, field);
    }
  }
  const params = [...(requestInvoiceId ? [`request=Claim/${requestInvoiceId}`] : []), ...(outcome ? [`outcome=${outcome}`] : [])];
  return { criteria: params.length ? `ClaimResponse?${params.join('&')}` : 'ClaimResponse', requestInvoiceId, outcome };
}

/** https, or plain http to this machine only (the rule of the insurer endpoints: load-config.ts isLoopbackUrl). */
export function parseEndpoint(value: unknown): string {
  const field = 'Subscription.channel.endpoint';
  if (typeof value !== 'string' || value === '' || value.length > MAX_ENDPOINT_CHARS)
    throw invalid('Subscription.channel.endpoint is required for a rest-hook', field);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('Subscription.channel.endpoint must be an absolute URL', field);
  }
  // Secrets belong in channel.header (stored encrypted, never shown), not in a URL that is returned on reads.
  if (url.username || url.password) throw invalid('Subscription.channel.endpoint must not carry credentials; use channel.header', field);
  if (url.hash) throw invalid('Subscription.channel.endpoint must not have a fragment', field);
  if (url.protocol === 'https:') return url.href;
  if (url.protocol === 'http:') {
    if (!isLoopbackUrl(value)) throw unsupported('Subscription.channel.endpoint must be https (plain http only on the loopback)', field);
    return url.href;
  }
  throw unsupported('Subscription.channel.endpoint must be an https URL', field);
}

function parsePayload(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (value !== FHIR_JSON) throw unsupported(`Subscription.channel.payload must be ${FHIR_JSON} or absent`, 'Subscription.channel.payload');
  return true;
}

/** `Name: value` strings (R4 channel.header); sent with every notification. */
function parseHeaders(value: unknown): ChannelHeader[] {
  const field = 'Subscription.channel.header';
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_HEADERS)
    throw invalid(`${field} must be a list of at most ${MAX_HEADERS} headers`, field);
  const names = new Set<string>();
  return value.map((h, i) => {
    const at = `${field}[${i}]`;
    if (typeof h !== 'string' || h.length > MAX_HEADER_CHARS) throw invalid(`${at} must be a "Name: value" string`, at);
    const colon = h.indexOf(':');
    const name = colon > 0 ? h.slice(0, colon).trim() : '';
    const headerValue = colon > 0 ? h.slice(colon + 1).trim() : '';
    if (!HEADER_NAME.test(name) || headerValue === '' || /[\r\n\0]/.test(headerValue))
      throw invalid(`${at} must be a "Name: value" string`, at);
    if (RESERVED_HEADERS.has(name.toLowerCase())) throw unsupported(`${at}: this header is set by the delivery itself`, at);
    if (names.has(name.toLowerCase())) throw invalid(`${at} repeats a header name`, at);
    names.add(name.toLowerCase());
    return { name, value: headerValue };
  });
}

function parseEnd(value: unknown): Date | undefined {
  if (value === undefined) return undefined;
  const ok = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value);
  const date = ok ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw invalid('Subscription.end must be an instant', 'Subscription.end');
  return date;
}

/** A parameter name is shown only when it looks like one (never free text that could be patient data). */
function safeName(name: string): string {
  return /^[A-Za-z0-9_:.-]{1,40}$/.test(name) ? name : '(unreadable)';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
