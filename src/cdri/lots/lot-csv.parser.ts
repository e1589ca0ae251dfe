import { GatewayError } from '../../common/gateway-error';
import { readCalendarDate } from '../../identifiers';
import { type SubmittedLotItem } from './lot.store';

const COLUMNS = ['nir', 'date_of_care', 'birth_date', 'ipp', 'visit_number', 'family_name', 'given_name'] as const;

/**
 * The patient list a GAP exports: a header line naming the columns (nir and date_of_care required; birth_date,
 * ipp, visit_number, family_name, given_name optional — the name lets the rights-change A08 carry PID-5), separated
 * by ';' or ','. Errors name the line and column, never the value.
 */
export function parseLotCsv(text: string): SubmittedLotItem[] {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new GatewayError('INVALID_INPUT', 'CSV needs a header line and at least one patient', 'line 1');
  const sep = lines[0].includes(';') ? ';' : ',';
  const header = lines[0].split(sep).map((h) => h.trim().toLowerCase());
  for (const required of ['nir', 'date_of_care']) {
    if (!header.includes(required)) throw new GatewayError('INVALID_INPUT', `CSV header must name the column ${required}`, 'line 1');
  }
  const unknown = header.filter((h) => !(COLUMNS as readonly string[]).includes(h));
  if (unknown.length)
    throw new GatewayError('INVALID_INPUT', `Unknown CSV columns: ${unknown.join(', ')} (expected ${COLUMNS.join(', ')})`, 'line 1');
  return lines.slice(1).map((line, i) => {
    const cells = line.split(sep).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    const get = (name: string) => cells[header.indexOf(name)] || undefined;
    const at = `line ${i + 2}`;
    const dateOfCare = readCalendarDate(get('date_of_care') ?? '');
    if (!dateOfCare)
      throw new GatewayError('INVALID_INPUT', `${at}: date_of_care must be a real day, YYYY-MM-DD or DD/MM/YYYY`, `${at}, date_of_care`);
    const birth = get('birth_date');
    const birthDate = birth ? readCalendarDate(birth) : undefined;
    if (birth && !birthDate)
      throw new GatewayError('INVALID_INPUT', `${at}: birth_date must be a real day, YYYY-MM-DD or DD/MM/YYYY`, `${at}, birth_date`);
    return {
      nir: get('nir') ?? '',
      dateOfCare,
      birthDate,
      ipp: get('ipp'),
      visitNumber: get('visit_number'),
      familyName: get('family_name'),
      givenName: get('given_name'),
      source: 'csv',
      fields: { nir: `${at}, nir`, dateOfCare: `${at}, date_of_care`, birthDate: `${at}, birth_date` },
    };
  });
}
