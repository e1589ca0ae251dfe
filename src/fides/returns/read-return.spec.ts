import { renderNoemieFile } from '../b2/noemie-file';
import { readReturn, returnDate } from './read-return';

const header = {
  fileKind: 'ARL',
  emitterRegime: '01',
  emitterFund: '751',
  recipientId: '990000010',
  returnFileId: 'A2612020001',
  creationDate: '2026-12-02',
  creationTime: '0915',
  normVersion: 'NOEMIE1',
  testIndicator: 'T',
};
const ack = {
  code: '100',
  values: {
    fileNumber: '000042',
    fileEmitterId: '990000010',
    fileDate: '2026-12-01',
    status: 'P',
    lotCount: 1,
    invoiceCount: 2,
    receivedDate: '2026-12-01',
  },
};

describe('readReturn', () => {
  it('reads an ARL and gives its content identity (kind, caisse, returnFileId)', () => {
    const r = readReturn('ARL_B2-990000010-01751-000042.p7m', Buffer.from(renderNoemieFile(header, [ack])));
    expect(r.ok && r.identity).toEqual({ kind: 'ARL', emitterRegime: '01', emitterFund: '751', returnFileId: 'A2612020001' });
  });

  it('refuses a malformed file with the parser’s line, never a value; the kind from the file name', () => {
    const text = renderNoemieFile(header, [ack]).split('\r\n');
    text[1] = text[1].slice(0, 60);
    const r = readReturn('RSP_X.p7m', Buffer.from(text.join('\r\n')));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.kind).toBe('RSP');
    expect(r.refusal.code).toBe('RETURN-MALFORMED');
    expect(r.refusal.detail).toBe('B2 line 2: has 60 characters, a record has 128');
  });

  it('refuses totals that do not match, naming the violations', () => {
    const text = renderNoemieFile(header, [ack]).split('\r\n');
    text.splice(1, 0, text[1]); // a second 100: the 990 and 999 now undercount
    const r = readReturn('ARL_X', Buffer.from(text.join('\r\n')));
    expect(!r.ok && r.refusal.code).toBe('RETURN-TOTALS');
    expect(!r.ok && r.refusal.detail).toContain('NOEMIE-TOTALS-entityCount');
  });

  it('refuses an empty return', () => {
    const r = readReturn('ARL_X', null);
    expect(!r.ok && [r.kind, r.refusal.code]).toEqual(['ARL', 'RETURN-NO-CONTENT']);
  });

  it('dates a return in this century', () => {
    expect(returnDate('261210')).toBe('2026-12-10');
    expect(returnDate(undefined)).toBeNull();
  });
});
