/**
 * Seeded random B2 values and invoices for the property tests and the bench: values are generated from the
 * declarations themselves (every field of every record type, optional ones sometimes absent), invoices follow the
 * ordering rules with a computed type 5. Identities are fictitious: NIRs with valid keys, FINESS with a Luhn digit.
 */
import { computeNirKey } from '../../identifiers';
import { toB2Text } from './b2-text';
import { type B2Invoice, type B2Record, type B2Value } from './b2-values';
import { invoiceTrailer } from './invoice-totals';
import { type CompiledField, type CompiledRecord, type LayoutSet } from './layout-loader';
import { seededRandom } from '../../common/seeded-random';
import { isValidFiness } from '../../identifiers';

export { seededRandom };

export class B2Generator {
  constructor(
    private readonly set: LayoutSet,
    readonly rand: () => number,
  ) {}

  int(max: number): number {
    return Math.floor(this.rand() * max);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(10));
    return s;
  }

  /** A fictitious NIR body (13) and its key. */
  nir(): { body: string; key: string } {
    const dept = this.pick(['75', '33', '69', '2A', '2B', '13']);
    const body = `${this.pick(['1', '2'])}${this.digits(2)}${String(1 + this.int(12)).padStart(2, '0')}${dept}${this.digits(3)}${String(1 + this.int(998)).padStart(3, '0')}`;
    return { body, key: computeNirKey(body) };
  }

  /** A FINESS with a valid Luhn digit, or a Corsican one (written 2001/2002… in B2). */
  finess(): string {
    if (this.rand() < 0.15) return `2${this.pick(['A', 'B'])}00${this.digits(5)}`;
    const body = this.digits(8);
    for (let d = 0; d < 10; d++) if (isValidFiness(body + d)) return body + d;
    throw new Error('unreachable');
  }

  date(): string {
    const y = 1930 + this.int(100);
    const m = 1 + this.int(12);
    const d = 1 + this.int(28);
    const iso = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    return this.rand() < 0.5 ? iso : iso.slice(2).replace(/-/g, '');
  }

  private text(max: number): string {
    const words = [
      'Hélène',
      "D'Aubigné",
      'Œuvre',
      'Müller-Lüdenscheidt',
      'Zoë',
      'Ærø',
      'José',
      'Saint-Éloi',
      'MARTIN',
      'le  Gall',
      'Straße',
    ];
    let s = this.pick(words);
    while (this.rand() < 0.4) {
      const next = `${s} ${this.pick(words)}`;
      if (next.length > max) break;
      s = next;
    }
    // Transliteration can lengthen (Œ → OE, ß → SS): keep what fits once written.
    while ((toB2Text(s) ?? '').length > max || (toB2Text(s) ?? '') === '') s = s.length > 1 ? s.slice(0, -1) : 'X';
    return s;
  }

  /** A random value that the field can hold (the writer may still transform it: Corsica, text, dates). */
  value(f: CompiledField): B2Value | undefined {
    if (f.constant !== undefined) return this.rand() < 0.5 ? undefined : f.constant;
    if (!f.mandatory && this.rand() < 0.3) return undefined;
    switch (f.kind) {
      case 'A': {
        if (f.finess && f.length >= 9 && this.rand() < 0.5) return this.finess();
        if (f.text) return this.text(f.length);
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ';
        const n = 1 + this.int(f.length);
        let s = '';
        for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
        return f.mandatory && s.trim() === '' ? 'X' : s;
      }
      case 'N':
      case 'M': {
        if (f.code) {
          if (f.finess && f.length >= 9 && this.rand() < 0.5) return this.finess();
          const s = this.digits(1 + this.int(f.length));
          return this.rand() < 0.2 && s.length < 15 ? Number(s) : s;
        }
        return this.int(10 ** Math.min(f.length, 9));
      }
      case 'D':
        return this.date();
    }
  }

  record(rec: CompiledRecord, fixed: Record<string, B2Value | undefined> = {}): B2Record {
    const values: Record<string, B2Value | undefined> = {};
    for (const f of rec.fields) {
      const v = f.name in fixed ? fixed[f.name] : this.value(f);
      if (v !== undefined) values[f.name] = v;
    }
    return { code: rec.code, values };
  }

  /** An invoice that follows the ordering rules, with a type 5 computed from its lines. */
  invoice(maxGroups = 4): B2Invoice {
    const rec = (code: string): CompiledRecord => {
      const r = this.set.records.get(code);
      if (r === undefined) throw new Error(`no record ${code}`);
      return r;
    };
    const nir = this.nir();
    const identity = {
      partnerNumber: this.finess(),
      insuredNir: nir.body,
      insuredNirKey: nir.key,
      invoiceNumber: `${1 + this.int(9)}${this.digits(8)}`,
      beneficiaryRank: '000',
    };
    const noRank = { ...identity, beneficiaryRank: undefined };
    const withRank = (r: CompiledRecord): Record<string, B2Value | undefined> => (r.byName.has('beneficiaryRank') ? identity : noRank);
    const records: B2Record[] = [this.record(rec('2'), { ...identity, exitHour: String(this.int(24)).padStart(2, '0') })];
    if (this.rand() < 0.7) records.push(this.record(rec('2S'), { ...identity, sequence: '01' }));
    const groups = 1 + this.int(maxGroups);
    for (let g = 0; g < groups; g++) {
      const amo = this.int(100000);
      if (this.rand() < 0.5) {
        records.push(
          this.record(rec('3'), {
            ...identity,
            amoAmount: amo,
            totalExpense: amo + this.int(100000),
            reimbursementBase: this.int(1000000),
          }),
        );
        const s = this.rand() < 0.8;
        if (s) records.push(this.record(rec('3S'), { ...identity, sequence: '01' }));
        const e = this.rand() < 0.4;
        if (e) records.push(this.record(rec('3E'), { ...identity, sequence: '01' }));
        if (s || e) {
          const kind = this.pick(['3F', '3H']);
          const n = this.int(4);
          for (let i = 1; i <= n; i++)
            records.push(this.record(rec(kind), { ...withRank(rec(kind)), sequence: String(i).padStart(2, '0') }));
        }
      } else {
        records.push(this.record(rec('4'), { ...identity, amoAmount: amo, feesAmount: amo + this.int(100000) }));
        records.push(this.record(rec('4S'), { ...noRank, sequence: '01' }));
        if (this.rand() < 0.4) records.push(this.record(rec('4E'), { ...noRank, sequence: '01' }));
        const kind = this.pick(['4B', '4H', '4M']);
        const n = this.int(4);
        let first: B2Record | undefined;
        for (let i = 1; i <= n; i++) {
          const sequence = String(i).padStart(2, '0');
          if (kind !== '4M') {
            records.push(this.record(rec(kind), { ...noRank, sequence }));
            continue;
          }
          // 4M: the sessions of one act, identical but for sequence and (increasing) session date; modifiers from
          // the first zone without a gap.
          const sessionDate = `2501${sequence}`;
          first ??= this.record(rec(kind), {
            ...noRank,
            sequence,
            sessionDate,
            modifier1: 'F',
            modifier2: undefined,
            modifier3: undefined,
            modifier4: undefined,
          });
          records.push({ code: '4M', values: { ...first.values, sequence, sessionDate } });
        }
      }
    }
    records.push(invoiceTrailer(records[0].values, records, { beneficiaryRank: identity.beneficiaryRank }));
    return { records };
  }
}
