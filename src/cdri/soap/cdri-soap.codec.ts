/**
 * CDRi wire contract — MODELLED, NOT CERTIFIED.
 *
 * The real CDRi WSDL/XSD is only in the editor kit. This codec is modelled on the public pattern of
 * its sibling INSi: SOAP 1.2 (application/soap+xml) over mutual TLS, a context header carrying the
 * software name, CNDA authorisation number, version and per-install UUID (INSi's "ContexteLM"
 * spirit), and one operation. Element names live only in this file, so a certified editor can swap
 * the contract without touching the adapter or the simulator — both use this ONE codec.
 *
 * Why SOAP 1.2: it is the current version, its Fault has a Code (Sender/Receiver) plus a Subcode,
 * which lets us tell "your request is wrong" (final) from "we failed" without guessing from text.
 * SOAP 1.2 also forbids DTDs, so we reject any DOCTYPE outright (no entity-expansion games).
 *
 * Questions carry our IdRequete (idempotency key); the building blocks (context header, question, answer) are exported
 * for the lot operations in cdri-lot.codec.ts, which wrap the same elements.
 */
import { type AmoRightsAnswer, AmoRightsError, type AmoRightsQuery, type RightsStatus } from '../amo-rights.port';
import {
  type CdriXmlNode,
  el,
  escapeXml,
  type Fail,
  list,
  node,
  opt,
  parseSoapEnvelope,
  readBool,
  readDate,
  readText,
  redact,
} from './cdri-soap.xml';

export { parseSoapEnvelope } from './cdri-soap.xml';

export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
export const CDRI_NS = 'urn:passerelle:modelled:cdri:droits:1';
export const CTX_NS = 'urn:passerelle:modelled:cdri:contexte:1';
export const SOAP_CONTENT_TYPE = `application/soap+xml; charset=utf-8; action="${CDRI_NS}#rechercherDroits"`;

export interface CdriContext {
  softwareName: string;
  /** CNDA authorisation number of the software. */
  authorisationNumber: string;
  softwareVersion: string;
  /** UUID of this installation (one per deployed instance). */
  installId: string;
}

/**
 * Fault catalogue [modelled]. Sender = the request is wrong (retrying cannot help → INVALID_QUERY);
 * Receiver = the insurer failed to process it (→ INSURER_FAULT).
 */
export const CDRI_FAULT_CODES = {
  REQUETE_MALFORMEE: 'Sender',
  REQUETE_INVALIDE: 'Sender',
  NIR_INVALIDE: 'Sender',
  CONTEXTE_INVALIDE: 'Sender',
  // An IdRequete already used for another question; the lot operations' own refusals.
  ID_REQUETE_REUTILISE: 'Sender',
  LOT_INCONNU: 'Sender',
  LOT_DEJA_DEPOSE: 'Sender',
  CURSEUR_INVALIDE: 'Sender',
  ERREUR_TECHNIQUE: 'Receiver',
  SERVICE_INDISPONIBLE: 'Receiver',
} as const;
export type CdriFaultCode = keyof typeof CDRI_FAULT_CODES;

/** True when the insurer says the request itself was invalid (maps to INVALID_QUERY). */
export function isInvalidRequestFault(code: string | undefined): boolean {
  return code === 'Sender' || (code !== undefined && (CDRI_FAULT_CODES as Record<string, string>)[code] === 'Sender');
}

/** SOAP 1.2 HTTP binding: Sender faults travel with 400, Receiver faults with 500. */
export function faultHttpStatus(code: string): number {
  return isInvalidRequestFault(code) ? 400 : 500;
}

const STATUS_TO_WIRE: Record<RightsStatus, string> = { OPEN: 'OUVERTS', CLOSED: 'FERMES', UNKNOWN_PATIENT: 'PATIENT_INCONNU' };
const WIRE_TO_STATUS = new Map(Object.entries(STATUS_TO_WIRE).map(([k, v]) => [v, k as RightsStatus]));

/**
 * IdRequete [modelled]: our stable id of a question (printable ASCII, no space, 1-64 chars — a UUID fits). The insurer
 * answers a repeated id with its stored answer instead of checking again.
 */
export const REQUEST_ID_PATTERN = /^[\x21-\x7e]{1,64}$/;

/** SOAP 1.2 envelope; `extraNs` declares more prefixes (the lot operations add theirs). */
export function soapEnvelope(header: string, body: string, extraNs = ''): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<env:Envelope xmlns:env="${SOAP12_NS}" xmlns:cdri="${CDRI_NS}" xmlns:ctx="${CTX_NS}"${extraNs}>` +
    (header ? `<env:Header>${header}</env:Header>` : '') +
    `<env:Body>${body}</env:Body></env:Envelope>`
  );
}

/**
 * The context header (INSi "ContexteLM" spirit). `emitter` (FINESS) is optional only for lot polling, where the
 * structure certificate already says who asks.
 */
export function buildContextHeader(identifier: string, emitter: string | undefined, context: CdriContext, now: Date): string {
  return (
    `<ctx:ContexteLM>` +
    el('ctx:Identifiant', identifier) +
    el('ctx:Temps', now.toISOString()) +
    opt('ctx:Emetteur', emitter) +
    `<ctx:LPS>` +
    el('ctx:Nom', context.softwareName) +
    el('ctx:IDAM', context.authorisationNumber) +
    el('ctx:Version', context.softwareVersion) +
    el('ctx:Instance', context.installId) +
    `</ctx:LPS></ctx:ContexteLM>`
  );
}

/** The question itself (IdRequete, beneficiary, assuré, date of care): shared by the unit request and lot items. */
export function questionElements(query: Omit<AmoRightsQuery, 'finess' | 'correlationId'>): string {
  return (
    opt('cdri:idRequete', query.requestId) +
    `<cdri:beneficiaire>` +
    el('cdri:nir', query.nir) +
    opt('cdri:dateNaissance', query.birthDate) +
    opt('cdri:rangNaissance', query.birthRank?.toString()) +
    `</cdri:beneficiaire>` +
    (query.assureNir ? `<cdri:assure>${el('cdri:nir', query.assureNir)}</cdri:assure>` : '') +
    el('cdri:dateSoins', query.dateOfCare)
  );
}

export function buildRightsRequest(query: AmoRightsQuery, context: CdriContext, now: Date = new Date()): string {
  const header = buildContextHeader(query.correlationId, query.finess, context, now);
  const body = `<cdri:rechercherDroits>${questionElements(query)}${el('cdri:finess', query.finess)}</cdri:rechercherDroits>`;
  return soapEnvelope(header, body);
}

/** The elements of an answer, without their wrapper: the unit response and each lot result carry the same ones. */
export function answerElements(answer: AmoRightsAnswer): string {
  const o = answer.organism;
  return (
    el('cdri:statut', STATUS_TO_WIRE[answer.status]) +
    (o
      ? `<cdri:organisme>${el('cdri:grandRegime', o.grandRegime)}${el('cdri:caisse', o.caisse)}` +
        `${el('cdri:centre', o.centre)}${el('cdri:codeGestion', o.codeGestion)}</cdri:organisme>`
      : '') +
    `<cdri:periodesDroits>` +
    answer.periods.map((p) => `<cdri:periode>${el('cdri:debut', p.start)}${opt('cdri:fin', p.end)}</cdri:periode>`).join('') +
    `</cdri:periodesDroits>` +
    opt('cdri:natureAssurance', answer.natureAssurance) +
    (answer.exoneration
      ? `<cdri:exoneration>${el('cdri:code', answer.exoneration.code)}${el('cdri:libelle', answer.exoneration.label)}` +
        `${opt('cdri:fin', answer.exoneration.end)}</cdri:exoneration>`
      : '') +
    el('cdri:c2s', String(answer.c2s)) +
    el('cdri:ame', String(answer.ame)) +
    el('cdri:maternite', String(answer.maternity)) +
    (answer.atmp ? `<cdri:atmp>${el('cdri:reference', answer.atmp.reference)}${el('cdri:date', answer.atmp.date)}</cdri:atmp>` : '') +
    (answer.beneficiaries
      ? `<cdri:beneficiaires>` +
        answer.beneficiaries
          .map(
            (b) =>
              `<cdri:beneficiaire>${el('cdri:rang', String(b.rank))}${el('cdri:dateNaissance', b.birthDate)}` +
              `${el('cdri:qualite', b.quality)}</cdri:beneficiaire>`,
          )
          .join('') +
        `</cdri:beneficiaires>`
      : '') +
    el('cdri:referenceAssureur', answer.insurerReference)
  );
}

export function buildRightsResponse(answer: AmoRightsAnswer): string {
  return soapEnvelope('', `<cdri:rechercherDroitsReponse>${answerElements(answer)}</cdri:rechercherDroitsReponse>`);
}

export function buildFault(code: string, text: string): string {
  const top = isInvalidRequestFault(code) ? 'env:Sender' : 'env:Receiver';
  const body =
    `<env:Fault><env:Code>${el('env:Value', top)}<env:Subcode>${el('env:Value', `cdri:${code}`)}</env:Subcode></env:Code>` +
    `<env:Reason><env:Text xml:lang="fr">${escapeXml(text)}</env:Text></env:Reason></env:Fault>`;
  return soapEnvelope('', body);
}

/** Reads the context header: the software context, the Identifiant and the Emetteur (FINESS) when present. */
export function parseContextHeader(header: CdriXmlNode, fail: Fail): { context: CdriContext; identifier: string; emitter?: string } {
  const ctx = node(header.ContexteLM);
  const lps = node(ctx.LPS);
  const context: CdriContext = {
    softwareName: readText(lps, 'Nom', fail),
    authorisationNumber: readText(lps, 'IDAM', fail),
    softwareVersion: readText(lps, 'Version', fail),
    installId: readText(lps, 'Instance', fail),
  };
  const emitter = readText(ctx, 'Emetteur', fail, false);
  return { context, identifier: readText(ctx, 'Identifiant', fail), ...(emitter !== undefined ? { emitter } : {}) };
}

/** Reads what questionElements wrote. */
export function readQuestion(req: CdriXmlNode, fail: Fail): Omit<AmoRightsQuery, 'finess' | 'correlationId'> {
  const benef = node(req.beneficiaire);
  const rank = readText(benef, 'rangNaissance', fail, false);
  if (rank !== undefined && !/^[1-9]$/.test(rank)) throw fail('rangNaissance must be 1-9');
  const requestId = readText(req, 'idRequete', fail, false);
  if (requestId !== undefined && !REQUEST_ID_PATTERN.test(requestId)) throw fail('idRequete must be 1-64 printable characters');
  const question: Omit<AmoRightsQuery, 'finess' | 'correlationId'> = {
    nir: readText(benef, 'nir', fail),
    dateOfCare: readDate(req, 'dateSoins', fail),
  };
  const birthDate = readDate(benef, 'dateNaissance', fail, false);
  if (birthDate !== undefined) question.birthDate = birthDate;
  if (rank !== undefined) question.birthRank = Number(rank);
  if (req.assure) question.assureNir = readText(node(req.assure), 'nir', fail);
  if (requestId !== undefined) question.requestId = requestId;
  return question;
}

const invalidRequest = (reason: string) => new AmoRightsError('INVALID_QUERY', `malformed CDRi request: ${reason}`, 'REQUETE_MALFORMEE');

/** Decodes a request (used by the simulator). Throws AmoRightsError('INVALID_QUERY') when malformed. */
export function parseRightsRequest(xml: string): { query: AmoRightsQuery; context: CdriContext } {
  const { header, body } = parseSoapEnvelope(xml, invalidRequest);
  if (!body.rechercherDroits) throw invalidRequest('missing rechercherDroits');
  const req = node(body.rechercherDroits);
  const { context, identifier } = parseContextHeader(header, invalidRequest);
  const question = readQuestion(req, invalidRequest);
  const query: AmoRightsQuery = { ...question, finess: readText(req, 'finess', invalidRequest), correlationId: identifier };
  return { query, context };
}

const badResponse = (reason: string) => new AmoRightsError('INSURER_FAULT', `malformed insurer response: ${reason}`, 'REPONSE_MALFORMEE');

/** Throws the SOAP 1.2 Fault of a body, if any, as AmoRightsError('INSURER_FAULT', …, subcode or Sender/Receiver). */
export function throwIfFault(body: CdriXmlNode): void {
  if (body.Fault === undefined) return;
  const fault = node(body.Fault);
  const code = node(fault.Code);
  const localName = (v: unknown) => (typeof v === 'string' ? v.replace(/^[^:]*:/, '') : undefined);
  const insurerCode = localName(node(code.Subcode).Value) ?? localName(code.Value) ?? 'INCONNU';
  const reasonText = node(fault.Reason).Text;
  let text = '';
  if (typeof reasonText === 'string') text = reasonText;
  else if (Array.isArray(reasonText)) text = String(reasonText[0]);
  // The insurer may echo identifiers in its text: redact before it can reach any log line.
  throw new AmoRightsError('INSURER_FAULT', `insurer SOAP fault ${insurerCode}: ${redact(text)}`, insurerCode);
}

/** Decodes a response; throws AmoRightsError('INSURER_FAULT', …, faultcode) on a SOAP Fault. */
export function parseRightsResponse(xml: string): AmoRightsAnswer {
  const { body } = parseSoapEnvelope(xml, badResponse);
  throwIfFault(body);
  if (!body.rechercherDroitsReponse) throw badResponse('missing rechercherDroitsReponse');
  return readAnswer(node(body.rechercherDroitsReponse), badResponse);
}

/** Reads what answerElements wrote. */
export function readAnswer(r: CdriXmlNode, fail: Fail): AmoRightsAnswer {
  const status = WIRE_TO_STATUS.get(readText(r, 'statut', fail));
  if (!status) throw fail('unknown statut');
  const answer: AmoRightsAnswer = {
    status,
    periods: list(node(r.periodesDroits).periode).map((p) => {
      const period: { start: string; end?: string } = { start: readDate(node(p), 'debut', fail) };
      const end = readDate(node(p), 'fin', fail, false);
      if (end !== undefined) period.end = end;
      return period;
    }),
    c2s: readBool(r, 'c2s', fail),
    ame: readBool(r, 'ame', fail),
    maternity: readBool(r, 'maternite', fail),
    insurerReference: readText(r, 'referenceAssureur', fail),
  };
  if (r.organisme) {
    const o = node(r.organisme);
    answer.organism = {
      grandRegime: readText(o, 'grandRegime', fail),
      caisse: readText(o, 'caisse', fail),
      centre: readText(o, 'centre', fail),
      codeGestion: readText(o, 'codeGestion', fail),
    };
  }
  const nature = readText(r, 'natureAssurance', fail, false);
  if (nature !== undefined) {
    if (nature !== 'MA' && nature !== 'MT' && nature !== 'AT') throw fail('unknown natureAssurance');
    answer.natureAssurance = nature;
  }
  if (r.exoneration) {
    const e = node(r.exoneration);
    answer.exoneration = { code: readText(e, 'code', fail), label: readText(e, 'libelle', fail) };
    const end = readDate(e, 'fin', fail, false);
    if (end !== undefined) answer.exoneration.end = end;
  }
  if (r.atmp) {
    const a = node(r.atmp);
    answer.atmp = { reference: readText(a, 'reference', fail), date: readDate(a, 'date', fail) };
  }
  if (r.beneficiaires !== undefined) {
    answer.beneficiaries = list(node(r.beneficiaires).beneficiaire).map((b) => {
      const rank = readText(node(b), 'rang', fail);
      if (!/^\d{1,2}$/.test(rank)) throw fail('rang must be numeric');
      return {
        rank: Number(rank),
        birthDate: readDate(node(b), 'dateNaissance', fail),
        quality: readText(node(b), 'qualite', fail),
      };
    });
  }
  return answer;
}
