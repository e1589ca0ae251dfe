/**
 * CDRi lot exchange — MODELLED, NOT CERTIFIED (see cdri-soap.codec.ts for the unit contract it extends).
 *
 * Two operations on one lot endpoint, SOAP 1.2 with the same context header, over the same mutual TLS:
 * - deposerLot: referenceLot (our idempotency key: the same reference gives the same ticket back), the FINESS, and N
 *   questions — each the unit question's elements (idRequete required) plus a FINESS only when it differs from the
 *   lot's. Answer: a ticket.
 * - consulterLot: ticket + curseur (+ nombreMax). Answer: etat, total, traites, the results after the cursor (whatever
 *   is ready: partial answers) and curseurSuivant. Passing a cursor acknowledges the results before it: the insurer
 *   may forget them. etat is TERMINE only once every result has been handed out (this page included), so a client
 *   polls until TERMINE.
 * A result is the unit answer's elements, or an item error with an insurer code: the unit fault codes, plus
 * SERVICE_INDISPONIBLE, DELAI_DEPASSE and LIMITE_DEBIT for what the unit exchange says with HTTP 5xx/504/429.
 */
import {
  type AmoRightsAnswer,
  AmoRightsError,
  type AmoRightsErrorCode,
  type LotItemResult,
  type LotQuery,
  type LotStatus,
} from '../amo-rights.port';
import {
  answerElements,
  buildContextHeader,
  type CdriContext,
  CDRI_NS,
  isInvalidRequestFault,
  parseContextHeader,
  parseSoapEnvelope,
  questionElements,
  readAnswer,
  readQuestion,
  soapEnvelope,
  throwIfFault,
} from './cdri-soap.codec';
import { type CdriXmlNode, el, type Fail, list, node, opt, readText, redact } from './cdri-soap.xml';

export const LOT_NS = 'urn:passerelle:modelled:cdri:lot:1';
const LOT_XMLNS = ` xmlns:lot="${LOT_NS}"`;

/** Content type of a lot operation (SOAP 1.2 carries the action as a media type parameter). */
export function lotContentType(operation: 'deposerLot' | 'consulterLot'): string {
  return `application/soap+xml; charset=utf-8; action="${CDRI_NS}#${operation}"`;
}

/** Most questions in one lot [modelled]; a larger batch is split by the caller. */
export const MAX_LOT_ITEMS = 10_000;
/** Most results one poll may ask for. */
export const MAX_POLL_RESULTS = 5_000;

/** A result as the wire carries it: the answer, or the insurer's item error code and text. */
export type LotWireResult = { requestId: string; answer: AmoRightsAnswer } | { requestId: string; error: { code: string; text: string } };

/** What the insurer says about a lot on one poll (simulator side). */
export interface LotWireStatus {
  ticket: string;
  done: boolean;
  total: number;
  processed: number;
  nextCursor: number;
  results: LotWireResult[];
}

/** Item error codes that say more than "fault" [modelled]; the rest follow the fault catalogue. */
const ITEM_ERROR_CODES: Readonly<Record<string, AmoRightsErrorCode>> = {
  SERVICE_INDISPONIBLE: 'INSURER_UNAVAILABLE',
  DELAI_DEPASSE: 'INSURER_TIMEOUT',
  LIMITE_DEBIT: 'INSURER_RATE_LIMITED',
};

/** Our error code for an item error code of the insurer. */
export function itemErrorCode(code: string): AmoRightsErrorCode {
  return ITEM_ERROR_CODES[code] ?? (isInvalidRequestFault(code) ? 'INVALID_QUERY' : 'INSURER_FAULT');
}

const invalidRequest: Fail = (reason) => new AmoRightsError('INVALID_QUERY', `malformed CDRi lot request: ${reason}`, 'REQUETE_MALFORMEE');
const badResponse: Fail = (reason) => new AmoRightsError('INSURER_FAULT', `malformed insurer lot response: ${reason}`, 'REPONSE_MALFORMEE');

function readCount(n: CdriXmlNode, name: string, fail: Fail, required = true): number | undefined {
  const v = readText(n, name, fail, required);
  if (v === undefined) return undefined;
  if (!/^\d{1,9}$/.test(v)) throw fail(`${name} must be a non-negative integer`);
  return Number(v);
}

export function buildDeposerLotRequest(
  lotRef: string,
  finess: string,
  queries: readonly LotQuery[],
  context: CdriContext,
  now: Date = new Date(),
): string {
  const items = queries
    .map((q) => `<lot:requete>${questionElements(q)}${q.finess === finess ? '' : el('cdri:finess', q.finess)}</lot:requete>`)
    .join('');
  const body =
    `<lot:deposerLot>${el('lot:referenceLot', lotRef)}${el('lot:finess', finess)}` +
    `<lot:requetes>${items}</lot:requetes></lot:deposerLot>`;
  return soapEnvelope(buildContextHeader(lotRef, finess, context, now), body, LOT_XMLNS);
}

export function buildConsulterLotRequest(
  ticket: string,
  cursor: number,
  max: number | undefined,
  context: CdriContext,
  now: Date = new Date(),
): string {
  const body = `<lot:consulterLot>${el('lot:ticket', ticket)}${el('lot:curseur', String(cursor))}${opt('lot:nombreMax', max?.toString())}</lot:consulterLot>`;
  return soapEnvelope(buildContextHeader(ticket, undefined, context, now), body, LOT_XMLNS);
}

export type LotRequest =
  | { operation: 'deposerLot'; lotRef: string; finess: string; queries: LotQuery[]; context: CdriContext }
  | { operation: 'consulterLot'; ticket: string; cursor: number; max?: number; context: CdriContext };

/** Decodes either lot operation (simulator side). Throws AmoRightsError('INVALID_QUERY', …, 'REQUETE_MALFORMEE'). */
export function parseLotRequest(xml: string): LotRequest {
  const { header, body } = parseSoapEnvelope(xml, invalidRequest);
  const { context, identifier } = parseContextHeader(header, invalidRequest);
  if (body.consulterLot) {
    const c = node(body.consulterLot);
    const max = readCount(c, 'nombreMax', invalidRequest, false);
    const cursor = readCount(c, 'curseur', invalidRequest) as number;
    return {
      operation: 'consulterLot',
      ticket: readText(c, 'ticket', invalidRequest),
      cursor,
      ...(max !== undefined ? { max } : {}),
      context,
    };
  }
  if (!body.deposerLot) throw invalidRequest('missing deposerLot or consulterLot');
  const d = node(body.deposerLot);
  const finess = readText(d, 'finess', invalidRequest);
  const items = list(node(d.requetes).requete);
  if (items.length === 0) throw invalidRequest('a lot needs at least one requete');
  if (items.length > MAX_LOT_ITEMS) throw invalidRequest(`a lot holds at most ${MAX_LOT_ITEMS} requetes`);
  const seen = new Set<string>();
  const queries = items.map((item, i): LotQuery => {
    const fail: Fail = (reason) => invalidRequest(`requete #${i + 1}: ${reason}`);
    const question = readQuestion(node(item), fail);
    const requestId = question.requestId;
    if (requestId === undefined) throw fail('missing idRequete');
    if (seen.has(requestId)) throw fail('idRequete repeated within the lot');
    seen.add(requestId);
    const itemFiness = readText(node(item), 'finess', fail, false) ?? finess;
    return { ...question, requestId, finess: itemFiness, correlationId: identifier };
  });
  return { operation: 'deposerLot', lotRef: readText(d, 'referenceLot', invalidRequest), finess, queries, context };
}

export function buildDeposerLotResponse(ticket: string, count: number): string {
  return soapEnvelope(
    '',
    `<lot:deposerLotReponse>${el('lot:ticket', ticket)}${el('lot:nombreRequetes', String(count))}</lot:deposerLotReponse>`,
    LOT_XMLNS,
  );
}

/** Decodes a deposit answer; a SOAP fault becomes AmoRightsError('INSURER_FAULT', …, code). */
export function parseDeposerLotResponse(xml: string): { ticket: string } {
  const { body } = parseSoapEnvelope(xml, badResponse);
  throwIfFault(body);
  if (!body.deposerLotReponse) throw badResponse('missing deposerLotReponse');
  return { ticket: readText(node(body.deposerLotReponse), 'ticket', badResponse) };
}

function resultElement(r: LotWireResult): string {
  const inner =
    'answer' in r
      ? `<lot:reponse>${answerElements(r.answer)}</lot:reponse>`
      : `<lot:erreur>${el('lot:code', r.error.code)}${el('lot:libelle', r.error.text)}</lot:erreur>`;
  return `<lot:resultat>${el('cdri:idRequete', r.requestId)}${inner}</lot:resultat>`;
}

export function buildConsulterLotResponse(s: LotWireStatus): string {
  const body =
    `<lot:consulterLotReponse>${el('lot:ticket', s.ticket)}${el('lot:etat', s.done ? 'TERMINE' : 'EN_COURS')}` +
    `${el('lot:total', String(s.total))}${el('lot:traites', String(s.processed))}` +
    `${el('lot:curseurSuivant', String(s.nextCursor))}` +
    `<lot:resultats>${s.results.map(resultElement).join('')}</lot:resultats></lot:consulterLotReponse>`;
  return soapEnvelope('', body, LOT_XMLNS);
}

function readResult(item: unknown, i: number): LotItemResult {
  const fail: Fail = (reason) => badResponse(`resultat #${i + 1}: ${reason}`);
  const r = node(item);
  const requestId = readText(r, 'idRequete', fail);
  if (r.reponse) return { requestId, ok: true, answer: readAnswer(node(r.reponse), fail) };
  if (!r.erreur) throw fail('neither reponse nor erreur');
  const e = node(r.erreur);
  const insurerCode = readText(e, 'code', fail);
  // Insurer free text may echo what we sent: redacted like fault texts.
  const message = `insurer item error ${insurerCode}: ${redact(readText(e, 'libelle', fail, false) ?? '')}`;
  return { requestId, ok: false, code: itemErrorCode(insurerCode), insurerCode, message };
}

/** Decodes a poll answer into the port's LotStatus (`cursor` = the next cursor to pass). */
export function parseConsulterLotResponse(xml: string): LotStatus {
  const { body } = parseSoapEnvelope(xml, badResponse);
  throwIfFault(body);
  if (!body.consulterLotReponse) throw badResponse('missing consulterLotReponse');
  const c = node(body.consulterLotReponse);
  const etat = readText(c, 'etat', badResponse);
  if (etat !== 'TERMINE' && etat !== 'EN_COURS') throw badResponse('unknown etat');
  return {
    ticket: readText(c, 'ticket', badResponse),
    state: etat === 'TERMINE' ? 'done' : 'processing',
    total: readCount(c, 'total', badResponse) as number,
    processed: readCount(c, 'traites', badResponse) as number,
    results: list(node(c.resultats).resultat).map(readResult),
    cursor: readCount(c, 'curseurSuivant', badResponse) as number,
  };
}
