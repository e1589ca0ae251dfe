import { isTransientStorageError } from './storage-errors';

describe('isTransientStorageError', () => {
  it.each([
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    [
      'terminated by the server (57P01)',
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    ],
    ['connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['too many connections (53300)', Object.assign(new Error('sorry, too many clients already'), { code: '53300' })],
    ['wrapped by TypeORM', Object.assign(new Error('query failed'), { driverError: Object.assign(new Error('x'), { code: '08006' }) })],
  ])('%s: transient', (_, err) => expect(isTransientStorageError(err)).toBe(true));

  it.each([
    ['a bad value (22021, NUL in text)', Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' })],
    ['a constraint violation (23502)', Object.assign(new Error('null value in column'), { code: '23502' })],
    ['a programming error', new TypeError('x is undefined')],
    ['not an error', 'oops'],
  ])('%s: not transient (counted as a poison attempt)', (_, err) => expect(isTransientStorageError(err)).toBe(false));
});
