/**
 * Turns ATIH's published RSF formats into src/fides/rsf/layouts/rsf-layouts.generated.json (the RSF layout as data).
 *
 * Source [public, ATIH]: the RSF formats ("formats des fichiers RSF", one per PMSI year), in the machine-readable copy
 * kept by the pmeasyr project: github.com/GuillaumePressiat/formats_pmeasyr, file formats/json/pmeasyr_formats.csv
 * (columns libelle, longueur, position, fin, type, nom, champ, table, an, Typer, cla…; rows with champ = rsf and
 * table = rsf; Typer is the record type, cla pmeasyr's reading class c/trim/i/n/dmy). Read at commit
 * c0970082997882cf89b6af439a1dd5fe6966683b (2026-02-25, the last commit touching that file; repository HEAD
 * a03e212c1bb7b8dbca784d44f59405d8d8c4d7a5).
 * Licence note: the repository states no licence; what we take from it are facts of ATIH's public format (position,
 * length, variable name, wording of the variable), not its code. Our names, kinds and presences are ours (below).
 *
 * Adding a year: download that CSV at the commit you read, then
 *   npm run build:dev && node dist/scripts/rsf-layouts-from-pmeasyr.js pmeasyr_formats.csv 2022-2027 <commit> \
 *     > src/fides/rsf/layouts/rsf-layouts.generated.json && npx prettier --write src/fides/rsf/layouts
 * Consecutive years whose layouts are identical become one declaration listing its years (2022-2026 are identical:
 * 2022 added INS, ART51 and the invoice number NUMFACT at the end of every record). Years before 2022 lack NUMFACT,
 * which an invoice needs: they are not generated.
 * A variable this script has no name for stops it: give it a name in NAMES (and a kind in KIND_BY_NAME if pmeasyr's
 * class is not the right one), so that a new field is a decision, never a silent guess.
 */
import { readFileSync } from 'node:fs';

/** ATIH variable → our camelCase name; `TYPE.VAR` entries win over `VAR` where one variable means two things. */
const NAMES: Record<string, string> = {
  TYENR: 'recordType',
  NOFINESS: 'epmsiFiness',
  NOFINESSGEO: 'geographicFiness',
  SEXE: 'sex',
  CIVIL: 'civility',
  NOSS: 'insuredNir',
  NOSSCLE: 'insuredNirKey',
  RGBEN: 'beneficiaryRank',
  NUMENT: 'entryNumber',
  NOIMM: 'beneficiaryNir',
  NOIMMCLE: 'beneficiaryNirKey',
  INDPS: 'carePathwayIndicator',
  NATOP: 'operationNature',
  NATASS: 'insuranceNature',
  TYPECONT: 'contractType',
  EXOTM: 'exemptionJustification',
  SFACAM: 'billableToAmo',
  Filler: 'filler',
  Filler2: 'filler2',
  Filler3: 'filler3',
  MONFAC: 'nonBillingReason',
  CDGR: 'grandRegime',
  DATNAIS: 'birthDate',
  RGNAIS: 'birthRank',
  'A.DTENT': 'entryDate',
  DTENT: 'stayStartDate',
  DTSOR: 'exitDate',
  CDPOST: 'postalCode',
  TTBAPH: 'totalHospitalBase',
  TTAMOPH: 'totalHospitalAmo',
  TTHONOR: 'totalFeesBilled',
  TTREMAM: 'totalFeesAmo',
  TTPAOC: 'totalPatientShareBeforeAmc',
  TTOCPH: 'totalHospitalAmc',
  TTOCHN: 'totalFeesAmc',
  TTFACPH: 'totalHospitalBilled',
  PABENCMU: 'cmuBeneficiary',
  VALFIDES: 'valuedByFides',
  CDGEST: 'managementCode',
  CDCOMP: 'complementaryOrganism',
  NUMACC: 'accidentReference',
  MONTANT: 'patientBilledTotal',
  REJETAMO: 'amoRejected',
  FACTAMO: 'amoBilledOn',
  FACTAMC: 'amcBilledOn',
  FACTPAT: 'patientBilledOn',
  PAIEAMO: 'amoPaidOn',
  PAIEAMC: 'amcPaidOn',
  PAIEPAT: 'patientPaidOn',
  STATAMO: 'amoStatus',
  STATAMC: 'amcStatus',
  STATPAT: 'patientStatus',
  PAYS: 'insuranceCountry',
  IPP: 'ipp',
  INS: 'ins',
  ART51: 'article51',
  NUMFACT: 'invoiceNumber',
  MDTRT: 'treatmentMode',
  DISPRES: 'serviceDiscipline',
  SPECEX: 'executantSpecialty',
  DATSOINS: 'careDate',
  DTACTE: 'careDate',
  CODACT: 'actCode',
  QUANT: 'quantity',
  COEFF: 'coefficient',
  TYPEPRESTINT: 'intermediateServiceType',
  COEFFMCO: 'mcoCoefficient',
  DENOMB: 'count',
  PU: 'unitPrice',
  'H.PU': 'unitPurchasePrice',
  'P.PU': 'unitPurchasePrice',
  MTBREM: 'reimbursementBase',
  TAUX: 'rate',
  MTREMAMO: 'amoAmount',
  MTHONOR: 'feesAmount',
  MTREMAMC: 'amcAmount',
  TYUFC: 'consultationUnitType',
  CDUCD: 'ucdCode',
  COEFFRAC: 'splitCoefficient',
  MTUECART: 'unitIndemnifiableGap',
  MTTECART: 'totalIndemnifiableGap',
  MTTFAC: 'totalBilled',
  INDICATION: 'indication',
  CDCCAM: 'ccamCode',
  EXTDOC: 'documentaryExtension',
  ACTIV: 'activityCode',
  PHASE: 'phaseCode',
  ASSNP: 'associationCode',
  REMEX: 'conditionalReimbursement',
  REFLPP: 'lppCode',
  TARIF: 'lppTariff',
};
/** Numbered variables (MODIF1, DENT12, DTACTE3…) → name + number. */
const NUMBERED: Record<string, string> = { MODIF: 'modifier', DENT: 'tooth', DTACTE: 'actDate', QTEACT: 'quantity', CODACT: 'nabmCode' };

/**
 * Kinds. pmeasyr's classes say how it reads a column (dmy date, i integer, n number, c/trim text) but are not
 * consistent across record types (MTHONOR is n in C and c in B): amounts are recognised by name. [modelled, ours]
 * pmeasyr itself reads class n as the number divided by 100 and dmy as day-month-year (R/rsf_before_utf.R in
 * GuillaumePressiat/pmeasyr), which is what the kinds below say:
 * - amounts (TT…, MT…, PU, TARIF, MONTANT): M, cents — the format writes them without a decimal point;
 * - COEFF: I with 2 implied decimals (class n; the B2 coefficient is 3+2 as well);
 * - TAUX: I, a whole percent (class i in C; class n in B would make 080 read 0.80, not a rate);
 * - COEFFMCO, COEFFRAC: N digits — the source gives no scale, so the digits are kept as written;
 * - keys, ranks, FINESS, régime, gestion, nature d'assurance: N digits.
 */
const KIND_BY_NAME: Record<string, 'A' | 'N' | 'I' | 'M' | 'D'> = {
  NOFINESS: 'N',
  NOFINESSGEO: 'N',
  NOSSCLE: 'N',
  NOIMMCLE: 'N',
  RGBEN: 'N',
  NATASS: 'N',
  CDGR: 'N',
  CDGEST: 'N',
  COEFFMCO: 'N',
  COEFFRAC: 'N',
  QUANT: 'I',
  DENOMB: 'I',
  TAUX: 'I',
  COEFF: 'I',
  PU: 'M',
  TARIF: 'M',
  MONTANT: 'M',
};
/** Mandatory fields [modelled]: what a reader needs to link lines to their invoice, and what a line is about. */
const MANDATORY = new Set([
  '*.TYENR',
  '*.NOFINESS',
  '*.NOFINESSGEO',
  '*.NOSS',
  '*.NOSSCLE',
  '*.NUMENT',
  '*.NUMFACT',
  'A.RGBEN',
  'A.DTENT',
  'B.DATSOINS',
  'B.CODACT',
  'B.QUANT',
  'C.DATSOINS',
  'C.CODACT',
  'C.QUANT',
  'H.CDUCD',
  'H.QUANT',
  'M.DTACTE',
  'M.CDCCAM',
  'M.ACTIV',
  'L.DTACTE1',
  'L.QTEACT1',
  'L.CODACT1',
  'P.REFLPP',
  'P.QUANT',
]);
const RECORD_NAMES: Record<string, string> = {
  A: 'invoice header',
  B: 'hospital services',
  C: 'fees',
  H: 'UCD drugs',
  L: 'NABM biology',
  M: 'CCAM acts',
  P: 'LPP devices',
};

/** RFC 4180 rows (quoted fields may hold commas, doubled quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = (): void => {
    row.push(cell);
    cell = '';
  };
  const endRow = (): void => {
    endCell();
    rows.push(row);
    row = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endCell();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) endRow();
  return rows;
}

function nameOf(type: string, nom: string): string {
  const direct = NAMES[`${type}.${nom}`] ?? (type === 'L' ? undefined : NAMES[nom]);
  if (direct !== undefined) return direct;
  const m = /^([A-Z]+?)(\d+)$/.exec(nom);
  if (m && NUMBERED[m[1]] !== undefined) return `${NUMBERED[m[1]]}${m[2]}`;
  if (NAMES[nom] !== undefined) return NAMES[nom];
  throw new Error(`record ${type}: no name for ATIH variable ${nom} — add it to NAMES in this script`);
}

function kindOf(nom: string, cla: string): 'A' | 'N' | 'I' | 'M' | 'D' {
  const base = nom.replace(/\d+$/, '');
  const byName = KIND_BY_NAME[nom] ?? KIND_BY_NAME[base];
  if (byName !== undefined) return byName;
  if (cla === 'dmy') return 'D';
  if (/^(MT|TT)/.test(nom)) return 'M';
  if (cla === 'i') return 'I';
  if (cla === 'n') return 'M';
  return 'A';
}

function main(): void {
  const [csvPath, yearRange, commit] = process.argv.slice(2);
  const range = /^(\d{4})-(\d{4})$/.exec(yearRange ?? '');
  if (csvPath === undefined || range === null || commit === undefined || !/^[0-9a-f]{40}$/.test(commit)) {
    throw new Error('usage: rsf-layouts-from-pmeasyr <pmeasyr_formats.csv> <yyyy-yyyy> <commit read>');
  }
  const years: number[] = [];
  for (let y = Number(range[1]); y <= Number(range[2]); y++) years.push(y);
  const [header, ...rows] = parseCsv(readFileSync(csvPath, 'utf8').replace(/^\uFEFF/, ''));
  const col = (n: string): number => {
    const i = header.indexOf(n);
    if (i < 0) throw new Error(`column ${n} missing from the CSV`);
    return i;
  };
  const columns = ['libelle', 'longueur', 'position', 'nom', 'champ', 'table', 'an', 'Typer', 'cla'];
  const [cLib, cLen, cPos, cNom, cChamp, cTable, cAn, cType, cCla] = columns.map(col);
  const perYear = years.map((y) => {
    const yy = String(y % 100).padStart(2, '0');
    const mine = rows.filter((r) => r[cChamp] === 'rsf' && r[cTable] === 'rsf' && r[cAn] === yy);
    if (mine.length === 0) throw new Error(`no rsf layout for year ${y} in the CSV`);
    const records = Object.keys(RECORD_NAMES).map((type) => {
      const fs = mine.filter((r) => r[cType] === type).sort((a, b) => Number(a[cPos]) - Number(b[cPos]));
      if (fs.length === 0) throw new Error(`year ${y}: no record ${type}`);
      const fields = fs.map((r) => {
        const nom = r[cNom];
        const kind = kindOf(nom, r[cCla]);
        const presence = MANDATORY.has(`${type}.${nom}`) || MANDATORY.has(`*.${nom}`) ? 'O' : 'F';
        return {
          name: nameOf(type, nom),
          atih: nom,
          position: Number(r[cPos]),
          length: Number(r[cLen]),
          kind,
          presence,
          ...(nom === 'COEFF' ? { scale: 2 } : {}),
          meaning: r[cLib].replace(/’/g, "'"),
        };
      });
      const last = fields[fields.length - 1];
      return { type, name: RECORD_NAMES[type], length: last.position + last.length - 1, fields };
    });
    return { year: y, records };
  });
  const layouts: { years: number[]; status: 'public'; source: string; records: unknown }[] = [];
  for (const { year, records } of perYear) {
    const last = layouts[layouts.length - 1];
    if (last !== undefined && JSON.stringify(last.records) === JSON.stringify(records)) last.years.push(year);
    else layouts.push({ years: [year], status: 'public', source: '', records });
  }
  for (const l of layouts) {
    const span = l.years.length > 1 ? `${l.years[0]}-${l.years[l.years.length - 1]}` : String(l.years[0]);
    l.source = `ATIH RSF formats ${span}, via GuillaumePressiat/formats_pmeasyr@${commit.slice(0, 12)}`;
  }
  const out = {
    generatedBy: 'scripts/rsf-layouts-from-pmeasyr.ts — do not edit by hand: change the script and run it again',
    source: 'ATIH RSF formats, machine-readable copy GuillaumePressiat/formats_pmeasyr, formats/json/pmeasyr_formats.csv',
    commit,
    note: 'Positions, lengths, ATIH names and wordings are ATIH facts [public]; names, kinds and presences are ours [modelled].',
    licenceNote: 'The copy states no licence: only facts of the public ATIH format are taken, no code.',
    layouts,
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main();
