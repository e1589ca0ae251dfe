/**
 * Test-only: seeded random InvoiceDrafts that a B2 invoice can carry whole — the identities come from the B2
 * generator (NIRs with valid keys from src/identifiers, FINESS with a valid check digit or a Corsican one), lines
 * follow what draft-to-b2.ts can attach (UCD/LPP after a hospital service of the same date, biology or one CCAM act
 * after a fee of the same date), amounts keep the patient share non-negative, optional codes are never zero (B2
 * cannot tell zero from absent), birth dates are under 100 years before the stay (B2 dates have no century).
 */
import { B2Generator, seededRandom } from '../b2/b2-invoice-generator.test-support';
import { b2Layouts } from '../b2';
import type { InvoiceDraft, InvoiceDraftLine } from '../invoice-draft';

export class DraftGenerator {
  private readonly g: B2Generator;
  private serial = 0;

  constructor(seed: number) {
    this.g = new B2Generator(b2Layouts(), seededRandom(seed));
  }

  private maybe<T>(p: number, f: () => T): T | undefined {
    return this.g.rand() < p ? f() : undefined;
  }

  private day(d: number): string {
    return `2026-03-${String(d).padStart(2, '0')}`;
  }

  private amounts(): { unitPrice: number; reimbursementBase: number; rate: number; amoAmount: number; totalBilled: number } {
    const g = this.g;
    const totalBilled = 100 + g.int(900000);
    const rate = g.pick([0, 70, 80, 100]);
    return {
      unitPrice: 1 + g.int(999999),
      reimbursementBase: g.int(999999),
      rate,
      amoAmount: Math.floor((totalBilled * rate) / 100),
      totalBilled,
    };
  }

  private hospitalGroup(date: string, ref: () => string): InvoiceDraftLine[] {
    const g = this.g;
    const out: InvoiceDraftLine[] = [
      {
        kind: 'hospital-service',
        sourceRef: ref(),
        code: g.pick(['GHS', 'FJ', 'ATU', 'SE1', 'FFM']),
        careDate: date,
        quantity: 1 + g.int(9),
        coefficient: this.maybe(0.5, () => 50 + g.int(950)),
        exemptionJustification: this.maybe(0.5, () => g.pick(['0', '4', 'C'])),
        treatmentMode: this.maybe(0.5, () => g.pick(['03', '07'])),
        serviceDiscipline: this.maybe(0.5, () => g.pick(['100', '300'])),
        ...this.amounts(),
      },
    ];
    for (let i = g.int(4); i > 0; i--) {
      const quantity = 1 + g.int(9);
      const unitPrice = 1 + g.int(99999);
      if (g.rand() < 0.5)
        out.push({
          kind: 'lpp',
          sourceRef: ref(),
          code: String(1000000 + g.int(8999999)),
          careDate: date,
          quantity,
          unitPrice,
          totalBilled: quantity * unitPrice,
        });
      else
        out.push({
          kind: 'ucd',
          sourceRef: ref(),
          code: String(1 + g.int(9999999)),
          careDate: date,
          quantity,
          unitPrice,
          totalBilled: quantity * unitPrice,
          splitCoefficient: String(1 + g.int(99999)).padStart(5, '0'),
        });
    }
    return out;
  }

  private feeGroup(date: string, ref: () => string): InvoiceDraftLine[] {
    const g = this.g;
    const line = (kind: InvoiceDraftLine['kind']): { kind: InvoiceDraftLine['kind']; sourceRef: string; careDate: string } => ({
      kind,
      sourceRef: ref(),
      careDate: date,
    });
    const out: InvoiceDraftLine[] = [
      {
        ...line('fee'),
        code: g.pick(['CS', 'G', 'ADE', 'ATM', 'B', 'C']),
        quantity: 1 + g.int(9),
        coefficient: this.maybe(0.5, () => 50 + g.int(9950)),
        count: g.int(4),
        exemptionJustification: this.maybe(0.5, () => g.pick(['0', '4'])),
        treatmentMode: this.maybe(0.5, () => g.pick(['03', '07'])),
        serviceDiscipline: this.maybe(0.5, () => g.pick(['100', '300'])),
        executantSpecialty: this.maybe(0.5, () => g.pick(['01', '02', '42'])),
        ...this.amounts(),
      },
    ];
    if (g.rand() < 0.4)
      for (let i = 1 + g.int(7); i > 0; i--) out.push({ ...line('biology'), code: String(1 + g.int(9999)), quantity: 1 + g.int(9) });
    else if (g.rand() < 0.6)
      out.push({
        ...line('ccam'),
        code: g.pick(['DEQP003', 'DZQM006', 'YYYY001', 'QZFA031']),
        ccam: {
          activity: g.pick(['1', '2', '4']),
          phase: this.maybe(0.5, () => g.pick(['1', '2'])),
          modifiers: ['F', 'U', 'P', 'S'].slice(0, g.int(5)),
          association: this.maybe(0.3, () => g.pick(['1', '2', '4'])),
          documentaryExtension: this.maybe(0.3, () => g.pick(['A', 'B'])),
        },
      });
    return out;
  }

  draft(): InvoiceDraft {
    const g = this.g;
    this.serial++;
    const invoiceNumber = String(100000000 + this.serial);
    const insured = g.nir();
    const own = this.maybe(0.4, () => g.nir());
    const start = 1 + g.int(20);
    const end = start + g.int(8);
    let n = 0;
    const ref = (): string => `gen:${invoiceNumber}:${++n}`;
    const lines: InvoiceDraftLine[] = [];
    for (let i = 1 + g.int(4); i > 0; i--) {
      const date = this.day(start + g.int(end - start + 1));
      lines.push(...(g.rand() < 0.5 ? this.hospitalGroup(date, ref) : this.feeGroup(date, ref)));
    }
    const sum = (kind: string, f: (l: InvoiceDraftLine) => number | undefined): number =>
      lines.filter((l) => l.kind === kind).reduce((t, l) => t + (f(l) ?? 0), 0);
    const birthYear = 1927 + g.int(99);
    return {
      source: 'fhir-claim',
      invoiceNumber,
      entryNumber: `${1 + g.int(9)}${g.digits(8)}`,
      geographicFiness: g.finess(),
      patient: {
        insuredNir: insured.body,
        insuredNirKey: insured.key,
        beneficiaryNir: own?.body,
        beneficiaryNirKey: own?.key,
        beneficiaryRank: g.pick(['000', '001', '002']),
        birthDate: `${birthYear}-${String(1 + g.int(12)).padStart(2, '0')}-${String(1 + g.int(28)).padStart(2, '0')}`,
        birthRank: this.maybe(0.5, () => String(1 + g.int(9))),
        ipp: `IPP${this.serial}`,
      },
      coverage: {
        grandRegime: g.pick(['01', '02', '03']),
        managingFund: g.pick(['751', '931', '691']),
        managingCentre: g.pick(['0001', '0420']),
        managementCode: this.maybe(0.7, () => g.pick(['10', '01', '90'])),
        insuranceNature: g.pick(['10', '13', '30', '41']),
        exemptionJustification: g.pick(['0', '3', '4', 'C']),
        carePathwayIndicator: this.maybe(0.5, () => g.pick(['T', 'U'])),
        accidentReference: this.maybe(0.2, () => `${1 + g.int(9)}${g.digits(8)}`),
        contractType: this.maybe(0.3, () => g.pick(['89', '01'])),
        complementaryOrganism: this.maybe(0.2, () => `${1 + g.int(9)}${g.digits(9)}`),
      },
      stay: { start: this.day(start), end: this.day(end) },
      lines,
      statedTotals: {
        hospitalBilled: sum('hospital-service', (l) => l.totalBilled),
        feesBilled: sum('fee', (l) => l.totalBilled),
        feesAmo: sum('fee', (l) => l.amoAmount),
      },
    };
  }
}
