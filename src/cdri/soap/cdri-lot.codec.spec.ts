import { type AmoRightsAnswer, AmoRightsError, type LotQuery } from '../amo-rights.port';
import { computeNirKey } from '../../identifiers';
import {
  buildConsulterLotRequest,
  buildConsulterLotResponse,
  buildDeposerLotRequest,
  buildDeposerLotResponse,
  itemErrorCode,
  lotContentType,
  parseConsulterLotResponse,
  parseDeposerLotResponse,
  parseLotRequest,
} from './cdri-lot.codec';
import { buildFault, type CdriContext } from './cdri-soap.codec';

const nirOf = (body: string) => body + computeNirKey(body);
const context: CdriContext = {
  softwareName: 'Passerelle',
  authorisationNumber: 'CNDA-0042',
  softwareVersion: '0.1.0',
  installId: '7f1c7b8e-2f3a-4c55-9d1e-0a1b2c3d4e5f',
};
const answer: AmoRightsAnswer = {
  status: 'OPEN',
  organism: { grandRegime: '01', caisse: '751', centre: '0056', codeGestion: '10' },
  periods: [{ start: '2024-01-01' }],
  natureAssurance: 'MA',
  exoneration: { code: '4', label: 'ALD', end: '2026-12-31' },
  c2s: false,
  ame: false,
  maternity: false,
  beneficiaries: [{ rank: 1, birthDate: '2016-06-15', quality: '06' }],
  insurerReference: 'REF-1',
};
const queries: LotQuery[] = [
  { requestId: 'r-1', nir: nirOf('1800175056123'), dateOfCare: '2025-03-14', finess: '750000010', correlationId: 'LOT-REF-1' },
  {
    requestId: 'r-2',
    nir: nirOf('2820169123045'),
    assureNir: nirOf('1800175056123'),
    birthDate: '2016-06-15',
    birthRank: 2,
    dateOfCare: '2025-03-15',
    finess: '750000028',
    correlationId: 'LOT-REF-1',
  },
];

function thrown(fn: () => unknown): AmoRightsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AmoRightsError);
    return err as AmoRightsError;
  }
  throw new Error('expected an AmoRightsError');
}

describe('CDRi lot codec — deposerLot', () => {
  it('round-trips a lot; a FINESS is written per question only when it differs from the lot one', () => {
    const xml = buildDeposerLotRequest('LOT-REF-1', '750000010', queries, context);
    expect(xml.match(/<cdri:finess>/g)).toHaveLength(1);
    expect(parseLotRequest(xml)).toEqual({ operation: 'deposerLot', lotRef: 'LOT-REF-1', finess: '750000010', queries, context });
    expect(lotContentType('deposerLot')).toContain('#deposerLot"');
  });

  it.each([
    ['no question', (x: string) => x.replace(/<lot:requetes>.*<\/lot:requetes>/, '<lot:requetes></lot:requetes>')],
    ['a question without idRequete', (x: string) => x.replace('<cdri:idRequete>r-2</cdri:idRequete>', '')],
    ['a repeated idRequete', (x: string) => x.replace('<cdri:idRequete>r-2<', '<cdri:idRequete>r-1<')],
    ['no referenceLot', (x: string) => x.replace(/<lot:referenceLot>[^<]*<\/lot:referenceLot>/, '')],
    ['no operation', (x: string) => x.replace(/<lot:deposerLot>.*<\/lot:deposerLot>/, '<lot:autre/>')],
  ])('refuses %s as REQUETE_MALFORMEE, without echoing values', (_label, mutate) => {
    const err = thrown(() => parseLotRequest(mutate(buildDeposerLotRequest('LOT-REF-1', '750000010', queries, context))));
    expect(err.code).toBe('INVALID_QUERY');
    expect(err.insurerCode).toBe('REQUETE_MALFORMEE');
    expect(err.message).not.toContain(queries[0].nir.slice(0, 13));
  });

  it('round-trips the ticket, and turns a fault into an AmoRightsError', () => {
    expect(parseDeposerLotResponse(buildDeposerLotResponse('LOT-T1', 2))).toEqual({ ticket: 'LOT-T1' });
    expect(thrown(() => parseDeposerLotResponse(buildFault('LOT_DEJA_DEPOSE', 'déjà')))).toMatchObject({
      code: 'INSURER_FAULT',
      insurerCode: 'LOT_DEJA_DEPOSE',
    });
    expect(thrown(() => parseDeposerLotResponse('<oops'))).toMatchObject({ insurerCode: 'REPONSE_MALFORMEE' });
  });
});

describe('CDRi lot codec — consulterLot', () => {
  it('round-trips a poll request, with and without nombreMax', () => {
    expect(parseLotRequest(buildConsulterLotRequest('LOT-T1', 40, 500, context))).toEqual({
      operation: 'consulterLot',
      ticket: 'LOT-T1',
      cursor: 40,
      max: 500,
      context,
    });
    expect(parseLotRequest(buildConsulterLotRequest('LOT-T1', 0, undefined, context))).toEqual({
      operation: 'consulterLot',
      ticket: 'LOT-T1',
      cursor: 0,
      context,
    });
    const bad = buildConsulterLotRequest('LOT-T1', 0, undefined, context).replace('<lot:curseur>0<', '<lot:curseur>-1<');
    expect(thrown(() => parseLotRequest(bad)).code).toBe('INVALID_QUERY');
  });

  it('round-trips partial results: answers and item errors mapped to our codes', () => {
    const xml = buildConsulterLotResponse({
      ticket: 'LOT-T1',
      done: false,
      total: 7,
      processed: 5,
      nextCursor: 5,
      results: [
        { requestId: 'r-1', answer },
        { requestId: 'r-2', error: { code: 'SERVICE_INDISPONIBLE', text: 'indisponible' } },
        { requestId: 'r-3', error: { code: 'LIMITE_DEBIT', text: 'trop vite' } },
        { requestId: 'r-4', error: { code: 'REQUETE_INVALIDE', text: 'NIR 180017505612345 inconnu' } },
        { requestId: 'r-5', error: { code: 'DELAI_DEPASSE', text: '' } },
      ],
    });
    const status = parseConsulterLotResponse(xml);
    expect(status).toMatchObject({ ticket: 'LOT-T1', state: 'processing', total: 7, processed: 5, cursor: 5 });
    expect(status.results[0]).toEqual({ requestId: 'r-1', ok: true, answer });
    expect(status.results.slice(1).map((r) => (r.ok ? 'ok' : `${r.code}/${r.insurerCode}`))).toEqual([
      'INSURER_UNAVAILABLE/SERVICE_INDISPONIBLE',
      'INSURER_RATE_LIMITED/LIMITE_DEBIT',
      'INVALID_QUERY/REQUETE_INVALIDE',
      'INSURER_TIMEOUT/DELAI_DEPASSE',
    ]);
    // Insurer free text is redacted like fault texts.
    expect(status.results[3].ok ? '' : status.results[3].message).not.toContain('180017505612345');
  });

  it('reads TERMINE as done and refuses an unknown state or a result without content', () => {
    const done = buildConsulterLotResponse({ ticket: 'T', done: true, total: 1, processed: 1, nextCursor: 1, results: [] });
    expect(parseConsulterLotResponse(done)).toMatchObject({ state: 'done', results: [] });
    expect(thrown(() => parseConsulterLotResponse(done.replace('TERMINE', 'PEUT-ETRE'))).insurerCode).toBe('REPONSE_MALFORMEE');
    const empty = buildConsulterLotResponse({
      ticket: 'T',
      done: false,
      total: 1,
      processed: 1,
      nextCursor: 1,
      results: [{ requestId: 'r', answer }],
    }).replace(/<lot:reponse>.*<\/lot:reponse>/, '');
    expect(thrown(() => parseConsulterLotResponse(empty)).insurerCode).toBe('REPONSE_MALFORMEE');
  });

  it('maps item error codes: specific ones, then the fault catalogue', () => {
    expect(itemErrorCode('NIR_INVALIDE')).toBe('INVALID_QUERY');
    expect(itemErrorCode('ERREUR_TECHNIQUE')).toBe('INSURER_FAULT');
    expect(itemErrorCode('CODE_INCONNU')).toBe('INSURER_FAULT');
  });
});
