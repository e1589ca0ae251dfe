import { describeDbError, isTransientDbError } from './db-errors';

/** A pg DatabaseError as the driver builds it (message and detail quote the statement's values). */
function pgError(code: string, extra: Record<string, string> = {}): Error {
  return Object.assign(new Error('date/time field value out of range: "31/02/1990"'), {
    code,
    severity: 'ERROR',
    detail: 'Key (nir)=(180017505612375) already exists.',
    ...extra,
  });
}

describe('describeDbError', () => {
  it('describes a PostgreSQL error by its SQLSTATE and schema names only, never its message or detail', () => {
    const d = describeDbError(pgError('23505', { constraint: 'cdri_lot_item_pkey', table: 'cdri_lot_item' }));
    expect(d).toEqual({ kind: 'constraint', code: '23505', constraint: 'cdri_lot_item_pkey', table: 'cdri_lot_item', column: undefined });
    expect(JSON.stringify(d)).not.toMatch(/1990|180017505612375/);
  });

  it.each([
    ['22008', 'invalid-data'],
    ['57014', 'timeout'],
    ['55P03', 'timeout'],
    ['25P03', 'timeout'],
    ['57P01', 'unavailable'],
    ['08006', 'unavailable'],
    ['42P01', 'other'],
  ])('SQLSTATE %s is %s', (code, kind) => {
    expect(describeDbError(pgError(code))?.kind).toBe(kind);
  });

  it('unwraps TypeORM QueryFailedError (driverError)', () => {
    const wrapped = Object.assign(new Error('wrapped'), { driverError: pgError('57P01') });
    expect(describeDbError(wrapped)).toMatchObject({ kind: 'unavailable', code: '57P01' });
  });

  it('recognises the pg client and socket failures of a database that is down or silent', () => {
    expect(describeDbError(new Error('Query read timeout'))).toEqual({ kind: 'timeout', code: 'query-timeout' });
    expect(describeDbError(new Error('timeout exceeded when trying to connect'))).toEqual({ kind: 'timeout', code: 'connect-timeout' });
    expect(describeDbError(new Error('Connection terminated unexpectedly'))).toEqual({ kind: 'unavailable', code: 'connection-lost' });
    expect(describeDbError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))?.kind).toBe(
      'unavailable',
    );
    expect(isTransientDbError(new Error('Query read timeout'))).toBe(true);
  });

  it('leaves other errors alone', () => {
    expect(describeDbError(new Error('boom'))).toBeUndefined();
    expect(describeDbError('text')).toBeUndefined();
    expect(isTransientDbError(pgError('23505'))).toBe(false);
  });
});
