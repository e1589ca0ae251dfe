import { parseLotRecipients } from './lot-recipients-directory';
import { lotNumberOf, LOT_REF, lotRefOf } from './lot-ref';

describe('lot recipients directory', () => {
  const directory = parseLotRecipients({
    default: 'cpam-default',
    entries: [
      { grandRegime: '01', managingFund: '751', recipientId: 'cpam-75' },
      { grandRegime: '02', managingFund: '751', recipientId: 'msa-75' },
    ],
  });

  it('maps a caisse to its recipient, else to the default', () => {
    expect(directory.recipientOf({ grandRegime: '01', managingFund: '751' })).toBe('cpam-75');
    expect(directory.recipientOf({ grandRegime: '02', managingFund: '751' })).toBe('msa-75');
    expect(directory.recipientOf({ grandRegime: '01', managingFund: '931' })).toBe('cpam-default');
    expect(directory.recipientIds).toEqual(['cpam-75', 'msa-75', 'cpam-default']);
  });

  it('routes nothing without a default for a caisse it does not name', () => {
    expect(parseLotRecipients({}).recipientOf({ grandRegime: '01', managingFund: '751' })).toBeUndefined();
  });

  it('refuses a malformed file, naming the entry', () => {
    expect(() => parseLotRecipients([])).toThrow('must be a JSON object');
    expect(() => parseLotRecipients({ entries: [{ grandRegime: '1', managingFund: '751', recipientId: 'x' }] })).toThrow(
      'entries[0].grandRegime must be 2 digits',
    );
    expect(() => parseLotRecipients({ entries: [{ grandRegime: '01', managingFund: '751', recipientId: 'a b' }] })).toThrow(
      'entries[0].recipientId is not a recipient id',
    );
    const twice = { grandRegime: '01', managingFund: '751', recipientId: 'cpam-75' };
    expect(() => parseLotRecipients({ entries: [twice, twice] })).toThrow('entries[1]: caisse 01/751 appears twice');
    expect(() => parseLotRecipients({ default: '../x' })).toThrow('default must be a recipient id');
  });
});

describe('lot reference and numbers', () => {
  it('names the lot B2-<emitter>-<régime><caisse>-<file number>, as the returns expect', () => {
    const ref = lotRefOf('750000001', { grandRegime: '01', managingFund: '751' }, 42);
    expect(ref).toBe('B2-750000001-01751-000042');
    expect(LOT_REF.test(ref)).toBe(true);
    expect(() => lotRefOf('750000001', { grandRegime: '01', managingFund: '751' }, 1_000_000)).toThrow('6 digits');
  });

  it('writes lot numbers 1…999, then 1 again (the sequence itself never repeats)', () => {
    expect([1, 2, 999, 1000, 1998, 1999].map(lotNumberOf)).toEqual([1, 2, 999, 1, 999, 1]);
  });
});
