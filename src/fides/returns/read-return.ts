/**
 * From the bytes the returns intake verified to a NOEMIE reading whose totals hold, or a ReturnRefused saying why
 * not. Pure: no database. The content identity of a return (kind, emitting caisse, returnFileId of the 000) is what
 * makes a re-dropped file a duplicate even when it arrives as a new inbound return (re-encrypted bytes).
 */
import { B2ParseError } from '../b2/b2-errors';
import { checkNoemieTotals, type NoemieReading, readNoemieFile } from '../b2/noemie-file';
import { ReturnRefused } from './return-refusal';

export interface ReturnIdentity {
  kind: 'ARL' | 'RSP';
  emitterRegime: string;
  emitterFund: string;
  returnFileId: string;
}

export type ReadReturn =
  { ok: true; reading: NoemieReading; identity: ReturnIdentity } | { ok: false; kind: string; refusal: ReturnRefused };

export function readReturn(fileName: string, content: Buffer | null): ReadReturn {
  const guessed = /^(ARL|RSP)/i.exec(fileName)?.[1]?.toUpperCase() ?? 'unknown';
  if (!content || content.length === 0)
    return { ok: false, kind: guessed, refusal: new ReturnRefused('RETURN-NO-CONTENT', 'no decrypted content') };
  let reading: NoemieReading;
  try {
    // NOEMIE is ASCII; latin1 maps every byte, so a stray byte is reported by the parser on its line.
    reading = readNoemieFile(content.toString('latin1'));
  } catch (err) {
    // B2ParseError messages name the line, record and field, never the value; anything else is not repeated.
    const detail = err instanceof B2ParseError ? err.message : 'unreadable return file';
    return { ok: false, kind: guessed, refusal: new ReturnRefused('RETURN-MALFORMED', detail) };
  }
  const violations = checkNoemieTotals(reading);
  if (violations.length)
    return {
      ok: false,
      kind: reading.kind,
      refusal: new ReturnRefused('RETURN-TOTALS', violations.map((v) => `${v.code}: ${v.message}`).join('; ')),
    };
  const h = reading.header.values;
  return {
    ok: true,
    reading,
    identity: {
      kind: reading.kind,
      emitterRegime: String(h.emitterRegime),
      emitterFund: String(h.emitterFund),
      returnFileId: String(h.returnFileId),
    },
  };
}

/** AAMMJJ of a return → ISO date. Returns are about this century's payments: 20AA. */
export function returnDate(aammjj: unknown): string | null {
  if (typeof aammjj !== 'string' || !/^\d{6}$/.test(aammjj)) return null;
  return `20${aammjj.slice(0, 2)}-${aammjj.slice(2, 4)}-${aammjj.slice(4, 6)}`;
}
