/**
 * Test-only: FIDES lots as the lot step leaves them (rows written with SQL against the lots table contract, their
 * invoices `sent`), and the ARL / RSP files an AMO answers with, rendered with the NOEMIE renderer.
 */
import { createHash, randomUUID } from 'node:crypto';
import { type B2Record } from '../../src/fides/b2/b2-values';
import { renderNoemieFile } from '../../src/fides/b2/noemie-file';
import { parseClaim } from '../../src/fides/fhir/claim.parser';
import { invoiceContentHash } from '../../src/fides/invoice-content-hash';
import { InvoiceStore } from '../../src/fides/invoice.store';
import type { Sql } from '../../src/persistence/sql';
import type { ReturnedFile } from '../../src/platform/return-file';
import { aceClaim, FIDES_TEST_FINESS } from './fides-claims';

/** The FINESS juridique emitting our B2 files (the 000 recipientId of the returns). */
export const TEST_EMITTER = '990000010';
export const TEST_REGIME = '01';
export const TEST_FUND = '751';
/** A NIR-shaped marker: what the RSP carries for the insured; no error, log or view may repeat it. */
export const RSP_NIR = '1840775123456';

export interface SeededLot {
  id: string;
  lotRef: string;
  fileNumber: string;
  lotNumber: string;
  invoices: { id: string; number: string; amoCents: number }[];
}

let fileCounter = 0;

/** A lot of `amounts.length` invoices (AMO part in cents), in `state`, its invoices `sent` (or `invoiceState`). */
export async function seedLot(
  sql: Sql,
  amounts: readonly number[],
  o: { state?: string; invoiceState?: string; finess?: string; firstNumber?: number; lotNumber?: number } = {},
): Promise<SeededLot> {
  const store = new InvoiceStore(sql);
  const finess = o.finess ?? FIDES_TEST_FINESS;
  const seq = ++fileCounter + Math.floor(Math.random() * 100000) * 10;
  const fileNumber = String(seq).padStart(6, '0');
  const lotNumber = o.lotNumber ?? (seq % 999) + 1;
  const lotRef = `B2-${TEST_EMITTER}-${TEST_REGIME}${TEST_FUND}-${fileNumber}`;
  const id = randomUUID();
  const content = Buffer.from(`lot ${lotRef}`);
  await sql.exec(
    `INSERT INTO fides_lot (id, lot_ref, emitter_id, grand_regime, managing_fund, finess, file_number, lot_sequence, lot_number, kind,
       recipient_id, state, invoice_count, total_billed_cents, total_amo_cents, content, content_sha256, close_cause, closed_by,
       handed_over_at, sent_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, 'ace', 'cpam-75', $9, $10, $11, $11, $12, $13, 'manual', 'test', now(), now())`,
    [
      id,
      lotRef,
      TEST_EMITTER,
      TEST_REGIME,
      TEST_FUND,
      finess,
      seq,
      lotNumber,
      o.state ?? 'sent',
      amounts.length,
      amounts.reduce((a, b) => a + b, 0),
      content,
      createHash('sha256').update(content).digest('hex'),
    ],
  );
  const invoices: SeededLot['invoices'] = [];
  for (let i = 0; i < amounts.length; i++) {
    const number = String((o.firstNumber ?? seq * 100) + i + 1);
    const draft = parseClaim(aceClaim({ invoiceNumber: number, finess }));
    const { invoice } = await store.receive({
      finess,
      invoiceNumber: draft.invoiceNumber,
      draft,
      contentHash: invoiceContentHash(draft),
      submittedBy: 'test',
      cause: 'test',
    });
    await sql.exec(`UPDATE invoice SET state = $2, lot_id = $3 WHERE id = $1`, [invoice.id, o.invoiceState ?? 'sent', id]);
    await sql.exec(`INSERT INTO fides_lot_invoice (lot_id, invoice_id, position, billed_cents, amo_cents) VALUES ($1, $2, $3, $4, $5)`, [
      id,
      invoice.id,
      i + 1,
      Math.round(amounts[i] / 0.7),
      amounts[i],
    ]);
    invoices.push({ id: invoice.id, number: draft.invoiceNumber, amoCents: amounts[i] });
  }
  return { id, lotRef, fileNumber, lotNumber: String(lotNumber).padStart(3, '0'), invoices };
}

function header(kind: 'ARL' | 'RSP', returnFileId: string): Record<string, string> {
  return {
    fileKind: kind,
    emitterRegime: TEST_REGIME,
    emitterFund: TEST_FUND,
    recipientId: TEST_EMITTER,
    returnFileId,
    creationDate: '2026-12-02',
    creationTime: '0915',
    normVersion: 'NOEMIE1',
    testIndicator: 'T',
  };
}

export function arlFor(
  lot: SeededLot,
  status: 'P' | 'N',
  o: { returnFileId?: string; fileNumber?: string; reasonCode?: string } = {},
): string {
  const body: B2Record[] = [
    {
      code: '100',
      values: {
        fileNumber: o.fileNumber ?? lot.fileNumber,
        fileEmitterId: TEST_EMITTER,
        fileDate: '2026-12-01',
        status,
        reasonCode: status === 'N' ? (o.reasonCode ?? 'SIGN') : undefined,
        lotCount: 1,
        invoiceCount: lot.invoices.length,
        receivedDate: '2026-12-01',
      },
    },
  ];
  if (status === 'N')
    body.push({
      code: '110',
      values: { line: 3, lotNumber: lot.lotNumber, recordType: '2', fieldName: 'nir', reasonCode: 'NIRK', comment: `cle ${RSP_NIR}` },
    });
  return renderNoemieFile(header('ARL', o.returnFileId ?? fileId('A')), body);
}

export type RspLine =
  | { invoice: string; outcome: 'P' | 'S'; paid: number; billed?: number; motive?: [string, string]; reference?: string }
  | { invoice: string; outcome: 'R'; billed: number; motive: [string, string] }
  | { invoice: string; outcome: string; billed: number };

/** An RSP for one lot: its lines, and one transfer per reference (amount = what its lines pay) unless `payments` says. */
export function rspFor(
  lot: SeededLot,
  lines: readonly RspLine[],
  o: { returnFileId?: string; finess?: string; lotNumber?: string; payments?: { reference: string; amount: number; count: number }[] } = {},
): string {
  const body: B2Record[] = [{ code: '040', values: { partnerNumber: o.finess ?? FIDES_TEST_FINESS } }];
  const transfers = new Map<string, { amount: number; count: number }>();
  for (const l of lines) {
    const paid = 'paid' in l ? l.paid : undefined;
    const own = 'reference' in l ? l.reference : undefined;
    const reference = paid === undefined ? undefined : (own ?? 'VIR20261210A');
    body.push({
      code: '200',
      values: {
        lotNumber: o.lotNumber ?? lot.lotNumber,
        invoiceNumber: l.invoice.padStart(9, '0'),
        insuredNir: RSP_NIR,
        insuredNirKey: '42',
        outcome: l.outcome,
        billedAmount: 'billed' in l && l.billed !== undefined ? l.billed : (paid ?? 0),
        paidAmount: paid,
        paymentDate: paid !== undefined ? '2026-12-10' : undefined,
        paymentReference: reference,
        careDate: '2026-11-20',
      },
    });
    if ('motive' in l && l.motive)
      body.push({ code: '210', values: { anomalyCode: l.motive[0], dataConcerned: 'NIR', originalValue: RSP_NIR, comment: l.motive[1] } });
    if (reference && paid !== undefined) {
      const t = transfers.get(reference) ?? { amount: 0, count: 0 };
      transfers.set(reference, { amount: t.amount + paid, count: t.count + 1 });
    }
  }
  const payments = o.payments ?? [...transfers].map(([reference, t]) => ({ reference, ...t }));
  for (const p of payments)
    body.push({
      code: '220',
      values: { paymentReference: p.reference, paymentDate: '2026-12-10', amount: p.amount, invoiceCount: p.count },
    });
  return renderNoemieFile(header('RSP', o.returnFileId ?? fileId('R')), body);
}

/** What the returns intake hands the flow once it has decrypted and verified a file. */
export function returnedFile(kind: 'ARL' | 'RSP', lot: SeededLot, text: string | Buffer, o: { lotRef?: string | null } = {}): ReturnedFile {
  const lotRef = o.lotRef === undefined ? lot.lotRef : o.lotRef;
  return {
    id: randomUUID(),
    source: 'drop:test',
    fileName: `${kind}_${lotRef ?? 'unknown'}.p7m`,
    lotRef,
    transmissionId: null,
    flow: 'fides',
    content: Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'),
    signature: 'valid',
    signer: 'CN=AMO TEST',
  };
}

/** A return file id the 000 accepts (upper-case letters and digits), unique per call. */
function fileId(prefix: string): string {
  return prefix + randomUUID().replace(/-/g, '').slice(0, 13).toUpperCase();
}
