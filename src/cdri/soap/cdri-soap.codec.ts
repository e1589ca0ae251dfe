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
 */
import { XMLParser } from 'fast-xml-parser';
import { AmoRightsAnswer, AmoRightsError, AmoRightsQuery, RightsStatus } from '../amo-rights.port';
import { CdriXmlNode, el, escapeXml, list, node, opt, readBool, readDate, readText, redact } from './cdri-soap.xml';

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

const STATUS_TO_WIRE: Record<RightsStatus, string> = {
  OPEN: 'OUVERTS',
  CLOSED: 'FERMES',
  UNKNOWN_PATIENT: 'PATIENT_INCONNU',
};
const WIRE_TO_STATUS = new Map(Object.entries(STATUS_TO_WIRE).map(([k, v]) => [v, k as RightsStatus]));

function envelope(header: string, body: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<env:Envelope xmlns:env="${SOAP12_NS}" xmlns:cdri="${CDRI_NS}" xmlns:ctx="${CTX_NS}">` +
    (header ? `<env:Header>${header}</env:Header>` : '') +
    `<env:Body>${body}</env:Body></env:Envelope>`
  );
}

export function buildRightsRequest(query: AmoRightsQuery, context: CdriContext, now: Date = new Date()): string {
  const header =
    `<ctx:ContexteLM>` +
    el('ctx:Identifiant', query.correlationId) +
    el('ctx:Temps', now.toISOString()) +
    el('ctx:Emetteur', query.finess) +
    `<ctx:LPS>` +
    el('ctx:Nom', context.softwareName) +
    el('ctx:IDAM', context.authorisationNumber) +
    el('ctx:Version', context.softwareVersion) +
    el('ctx:Instance', context.installId) +
    `</ctx:LPS></ctx:ContexteLM>`;
  const body =
    `<cdri:rechercherDroits>` +
    `<cdri:beneficiaire>` +
    el('cdri:nir', query.nir) +
    opt('cdri:dateNaissance', query.birthDate) +
    opt('cdri:rangNaissance', query.birthRank?.toString()) +
    `</cdri:beneficiaire>` +
    (query.assureNir ? `<cdri:assure>${el('cdri:nir', query.assureNir)}</cdri:assure>` : '') +
    el('cdri:dateSoins', query.dateOfCare) +
    el('cdri:finess', query.finess) +
    `</cdri:rechercherDroits>`;
  return envelope(header, body);
}

export function buildRightsResponse(answer: AmoRightsAnswer): string {
  const o = answer.organism;
  const body =
    `<cdri:rechercherDroitsReponse>` +
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
    (answer.atmp
      ? `<cdri:atmp>${el('cdri:reference', answer.atmp.reference)}${el('cdri:date', answer.atmp.date)}</cdri:atmp>`
      : '') +
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
    el('cdri:referenceAssureur', answer.insurerReference) +
    `</cdri:rechercherDroitsReponse>`;
  return envelope('', body);
}

export function buildFault(code: string, text: string): string {
  const top = isInvalidRequestFault(code) ? 'env:Sender' : 'env:Receiver';
  const body =
    `<env:Fault><env:Code>${el('env:Value', top)}<env:Subcode>${el('env:Value', `cdri:${code}`)}</env:Subcode></env:Code>` +
    `<env:Reason><env:Text xml:lang="fr">${escapeXml(text)}</env:Text></env:Reason></env:Fault>`;
  return envelope('', body);
}

// Namespace prefixes are dropped: the element names are ours and unambiguous, and it spares us from
// depending on the prefixes a given insurer stack chooses. Values stay strings ("01" must not become 1).
const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** Parses a SOAP envelope, or throws `onError(reason)`; never echoes the payload. */
function parseEnvelope(xml: string, onError: (reason: string) => Error): { header: CdriXmlNode; body: CdriXmlNode } {
  if (typeof xml !== 'string' || xml.length === 0) throw onError('empty message');
  if (/<!DOCTYPE/i.test(xml)) throw onError('DTD not allowed in SOAP 1.2');
  let doc: unknown;
  try {
    doc = parser.parse(xml, true);
  } catch {
    throw onError('not well-formed XML');
  }
  const env = node(node(doc).Envelope);
  const body = node(env.Body);
  if (!env.Body || typeof env.Body !== 'object') throw onError('not a SOAP envelope');
  return { header: node(env.Header), body };
}

const invalidRequest = (reason: string) => new AmoRightsError('INVALID_QUERY', `malformed CDRi request: ${reason}`, 'REQUETE_MALFORMEE');

/** Decodes a request (used by the simulator). Throws AmoRightsError('INVALID_QUERY') when malformed. */
export function parseRightsRequest(xml: string): { query: AmoRightsQuery; context: CdriContext } {
  const { header, body } = parseEnvelope(xml, invalidRequest);
  const req = node(body.rechercherDroits);
  if (!body.rechercherDroits) throw invalidRequest('missing rechercherDroits');
  const ctx = node(header.ContexteLM);
  const lps = node(ctx.LPS);
  const benef = node(req.beneficiaire);
  const fail = invalidRequest;
  const rank = readText(benef, 'rangNaissance', fail, false);
  if (rank !== undefined && !/^[1-9]$/.test(rank)) throw fail('rangNaissance must be 1-9');
  const assureNir = req.assure ? readText(node(req.assure), 'nir', fail) : undefined;
  const query: AmoRightsQuery = {
    nir: readText(benef, 'nir', fail),
    dateOfCare: readDate(req, 'dateSoins', fail),
    finess: readText(req, 'finess', fail),
    correlationId: readText(ctx, 'Identifiant', fail),
  };
  const birthDate = readDate(benef, 'dateNaissance', fail, false);
  if (birthDate !== undefined) query.birthDate = birthDate;
  if (rank !== undefined) query.birthRank = Number(rank);
  if (assureNir !== undefined) query.assureNir = assureNir;
  const context: CdriContext = {
    softwareName: readText(lps, 'Nom', fail),
    authorisationNumber: readText(lps, 'IDAM', fail),
    softwareVersion: readText(lps, 'Version', fail),
    installId: readText(lps, 'Instance', fail),
  };
  return { query, context };
}

const badResponse = (reason: string) =>
  new AmoRightsError('INSURER_FAULT', `malformed insurer response: ${reason}`, 'REPONSE_MALFORMEE');

/** Turns a SOAP 1.2 Fault into AmoRightsError('INSURER_FAULT', …, subcode or Sender/Receiver). */
function faultError(fault: CdriXmlNode): AmoRightsError {
  const code = node(fault.Code);
  const localName = (v: unknown) => (typeof v === 'string' ? v.replace(/^[^:]*:/, '') : undefined);
  const insurerCode = localName(node(code.Subcode).Value) ?? localName(code.Value) ?? 'INCONNU';
  const reasonText = node(fault.Reason).Text;
  const text = typeof reasonText === 'string' ? reasonText : Array.isArray(reasonText) ? String(reasonText[0]) : '';
  // The insurer may echo identifiers in its text: redact before it can reach any log line.
  return new AmoRightsError('INSURER_FAULT', `insurer SOAP fault ${insurerCode}: ${redact(text)}`, insurerCode);
}

/** Decodes a response; throws AmoRightsError('INSURER_FAULT', …, faultcode) on a SOAP Fault. */
export function parseRightsResponse(xml: string): AmoRightsAnswer {
  const { body } = parseEnvelope(xml, badResponse);
  if (body.Fault !== undefined) throw faultError(node(body.Fault));
  if (!body.rechercherDroitsReponse) throw badResponse('missing rechercherDroitsReponse');
  const r = node(body.rechercherDroitsReponse);
  const fail = badResponse;
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
