import { type AmoRightsAnswer, AmoRightsError, type AmoRightsQuery } from '../amo-rights.port';
import { computeNirKey } from '../../identifiers';
import {
  buildFault,
  buildRightsRequest,
  buildRightsResponse,
  type CdriContext,
  faultHttpStatus,
  isInvalidRequestFault,
  parseRightsRequest,
  parseRightsResponse,
} from './cdri-soap.codec';
import { redact } from './cdri-soap.xml';

const nirOf = (body: string) => body + computeNirKey(body);
const NIR = nirOf('1800175056123');
const ASSURE_NIR = nirOf('2820169123045');

const context: CdriContext = {
  softwareName: 'Passerelle <test> & "co"',
  authorisationNumber: 'CNDA-0042',
  softwareVersion: '0.1.0',
  installId: '7f1c7b8e-2f3a-4c55-9d1e-0a1b2c3d4e5f',
};

const fullQuery: AmoRightsQuery = {
  nir: NIR,
  assureNir: ASSURE_NIR,
  birthDate: '2016-06-15',
  birthRank: 2,
  dateOfCare: '2025-03-14',
  finess: '750000010',
  correlationId: "corr-<1>&'2'",
  requestId: 'chk-4f1c<&>"2"',
};

const fullAnswer: AmoRightsAnswer = {
  status: 'OPEN',
  organism: { grandRegime: '01', caisse: '751', centre: '0056', codeGestion: '10' },
  periods: [{ start: '2024-01-01', end: '2024-12-31' }, { start: '2025-01-01' }],
  natureAssurance: 'AT',
  exoneration: { code: '4', label: 'ALD <30> & "exo"', end: '2026-12-31' },
  c2s: true,
  ame: false,
  maternity: true,
  atmp: { reference: 'AT-2025-0001', date: '2025-03-04' },
  beneficiaries: [
    { rank: 1, birthDate: '1980-01-15', quality: '00' },
    { rank: 2, birthDate: '2016-06-15', quality: '06' },
  ],
  insurerReference: 'REF-123',
};

describe('CDRi codec — requests', () => {
  it('round-trips a full request and its context header', () => {
    const xml = buildRightsRequest(fullQuery, context, new Date('2025-03-14T08:00:00Z'));
    expect(xml).toContain('http://www.w3.org/2003/05/soap-envelope');
    expect(xml).toContain('<cdri:rechercherDroits>');
    expect(xml).toContain('<ctx:Temps>2025-03-14T08:00:00.000Z</ctx:Temps>');
    expect(xml).toContain('<cdri:idRequete>chk-4f1c&lt;&amp;&gt;&quot;2&quot;</cdri:idRequete>');
    expect(parseRightsRequest(xml)).toEqual({ query: fullQuery, context });
  });

  it('round-trips a minimal request (optional fields omitted, not emptied)', () => {
    const query: AmoRightsQuery = { nir: NIR, dateOfCare: '2025-03-14', finess: '750000010', correlationId: 'c1' };
    const xml = buildRightsRequest(query, context);
    expect(xml).not.toContain('assure>');
    expect(xml).not.toContain('dateNaissance');
    expect(xml).not.toContain('idRequete');
    expect(parseRightsRequest(xml).query).toEqual(query);
  });

  it('does not depend on the namespace prefixes chosen by the sender', () => {
    const xml = buildRightsRequest(fullQuery, context)
      .replace(/env:/g, 'soap12:')
      .replace(/xmlns:env=/, 'xmlns:soap12=')
      .replace(/cdri:/g, 'd:')
      .replace(/xmlns:cdri=/, 'xmlns:d=');
    expect(parseRightsRequest(xml).query).toEqual(fullQuery);
  });

  it.each([
    ['not XML', 'hello'],
    ['broken XML', '<env:Envelope><env:Body></env:Envelope>'],
    ['a DTD', '<!DOCTYPE x [<!ENTITY a "b">]><Envelope><Body/></Envelope>'],
    ['no body', '<Envelope></Envelope>'],
    ['no operation', '<Envelope><Body><autre/></Body></Envelope>'],
    ['an empty string', ''],
  ])('rejects %s with INVALID_QUERY', (_label, xml) => {
    expect(() => parseRightsRequest(xml)).toThrow(AmoRightsError);
    try {
      parseRightsRequest(xml);
    } catch (err) {
      expect((err as AmoRightsError).code).toBe('INVALID_QUERY');
      expect((err as AmoRightsError).insurerCode).toBe('REQUETE_MALFORMEE');
    }
  });

  it('rejects missing or malformed fields without echoing values', () => {
    const good = buildRightsRequest(fullQuery, context);
    const cases = [
      good.replace(/<cdri:dateSoins>[^<]*<\/cdri:dateSoins>/, ''),
      good.replace('2025-03-14</cdri:dateSoins>', '2025-02-30</cdri:dateSoins>'),
      good.replace('<cdri:rangNaissance>2<', '<cdri:rangNaissance>12<'),
      good.replace(/<ctx:IDAM>[^<]*<\/ctx:IDAM>/, ''),
      good.replace(`<cdri:nir>${NIR}</cdri:nir>`, `<cdri:nir>${NIR}</cdri:nir><cdri:nir>${NIR}</cdri:nir>`),
      good.replace(/<cdri:idRequete>[^<]*<\/cdri:idRequete>/, '<cdri:idRequete>with space</cdri:idRequete>'),
      good.replace(/<cdri:idRequete>[^<]*<\/cdri:idRequete>/, `<cdri:idRequete>${'x'.repeat(65)}</cdri:idRequete>`),
    ];
    for (const xml of cases) {
      let caught: unknown;
      try {
        parseRightsRequest(xml);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(AmoRightsError);
      expect((caught as Error).message).not.toContain(NIR);
      expect((caught as Error).message).not.toContain('2016-06-15');
    }
  });
});

describe('CDRi codec — responses', () => {
  it('round-trips every field of AmoRightsAnswer', () => {
    expect(parseRightsResponse(buildRightsResponse(fullAnswer))).toEqual(fullAnswer);
  });

  it.each<AmoRightsAnswer>([
    { status: 'UNKNOWN_PATIENT', periods: [], c2s: false, ame: false, maternity: false, insurerReference: 'R1' },
    {
      status: 'CLOSED',
      organism: { grandRegime: '02', caisse: '201', centre: '0004', codeGestion: '10' },
      periods: [{ start: '2024-01-01', end: '2025-02-28' }],
      natureAssurance: 'MA',
      c2s: false,
      ame: true,
      maternity: false,
      beneficiaries: [],
      insurerReference: 'R2',
    },
    {
      status: 'OPEN',
      periods: [{ start: '2024-01-01' }],
      natureAssurance: 'MT',
      exoneration: { code: '3', label: 'Maternité' },
      c2s: false,
      ame: false,
      maternity: true,
      insurerReference: 'R3',
    },
  ])('round-trips variant %#', (answer) => {
    expect(parseRightsResponse(buildRightsResponse(answer))).toEqual(answer);
  });

  it.each([
    ['unknown statut', (x: string) => x.replace('OUVERTS', 'PEUT-ETRE')],
    ['bad boolean', (x: string) => x.replace('<cdri:c2s>true', '<cdri:c2s>oui')],
    ['missing reference', (x: string) => x.replace(/<cdri:referenceAssureur>[^<]*<\/cdri:referenceAssureur>/, '')],
    ['bad date', (x: string) => x.replace('2024-01-01', '01/01/2024')],
    ['unknown nature', (x: string) => x.replace('<cdri:natureAssurance>AT', '<cdri:natureAssurance>ZZ')],
    ['HTML instead of SOAP', () => '<html><body>Bad gateway</body></html>'],
  ])('treats a response with %s as INSURER_FAULT REPONSE_MALFORMEE', (_label, mutate) => {
    const xml = mutate(buildRightsResponse(fullAnswer));
    try {
      parseRightsResponse(xml);
      throw new Error('should have thrown');
    } catch (err) {
      expect(err).toBeInstanceOf(AmoRightsError);
      expect((err as AmoRightsError).code).toBe('INSURER_FAULT');
      expect((err as AmoRightsError).insurerCode).toBe('REPONSE_MALFORMEE');
    }
  });
});

describe('CDRi codec — faults', () => {
  function parseFault(xml: string): AmoRightsError {
    try {
      parseRightsResponse(xml);
    } catch (err) {
      return err as AmoRightsError;
    }
    throw new Error('no fault raised');
  }

  it('round-trips a Sender fault: code, text, HTTP 400, invalid-request class', () => {
    const xml = buildFault('REQUETE_INVALIDE', 'champ <x> & "y" absent');
    expect(xml).toContain('<env:Value>env:Sender</env:Value>');
    const err = parseFault(xml);
    expect(err.code).toBe('INSURER_FAULT');
    expect(err.insurerCode).toBe('REQUETE_INVALIDE');
    expect(err.message).toContain('champ <x> & "y" absent');
    expect(faultHttpStatus('REQUETE_INVALIDE')).toBe(400);
    expect(isInvalidRequestFault(err.insurerCode)).toBe(true);
  });

  it('round-trips a Receiver fault as a non-invalid-request fault (HTTP 500)', () => {
    const err = parseFault(buildFault('ERREUR_TECHNIQUE', 'panne'));
    expect(err.insurerCode).toBe('ERREUR_TECHNIQUE');
    expect(isInvalidRequestFault(err.insurerCode)).toBe(false);
    expect(faultHttpStatus('ERREUR_TECHNIQUE')).toBe(500);
    expect(faultHttpStatus('CODE_INCONNU')).toBe(500);
  });

  it('falls back to the top-level code when there is no Subcode', () => {
    const xml = buildFault('REQUETE_INVALIDE', 'x').replace(/<env:Subcode>.*<\/env:Subcode>/, '');
    expect(parseFault(xml).insurerCode).toBe('Sender');
    expect(isInvalidRequestFault('Sender')).toBe(true);
  });

  it('redacts identifiers the insurer may echo in its fault text', () => {
    const corsican = nirOf('180032A004123');
    const err = parseFault(buildFault('NIR_INVALIDE', `NIR ${NIR} / ${corsican} né le 1980-01-15 ou 15/01/1980`));
    expect(err.message).not.toContain(NIR);
    expect(err.message).not.toContain(NIR.slice(0, 13));
    expect(err.message).not.toContain(corsican.slice(0, 13));
    expect(err.message).not.toContain('1980-01-15');
    expect(err.message).not.toContain('15/01/1980');
    expect(redact('x'.repeat(500))).toHaveLength(200);
  });
});
