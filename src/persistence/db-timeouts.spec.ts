import { pgTimeoutOptions } from './db-timeouts';

const limits = { connectMs: 5000, statementMs: 15000, queryMs: 20000, lockMs: 5000, idleInTransactionMs: 60000, migrationStatementMs: 0 };

describe('pgTimeoutOptions', () => {
  it('gives pg every limit under the names pg.Pool, TypeORM extra and BullMQ take', () => {
    expect(pgTimeoutOptions(limits)).toEqual({
      connectionTimeoutMillis: 5000,
      query_timeout: 20000,
      statement_timeout: 15000,
      lock_timeout: 5000,
      idle_in_transaction_session_timeout: 60000,
      keepAlive: true,
    });
  });

  it('a larger statement limit (migrations) moves the client limit with it; none lifts both', () => {
    expect(pgTimeoutOptions(limits, 600000)).toMatchObject({ statement_timeout: 600000, query_timeout: 605000 });
    expect(pgTimeoutOptions(limits, 0)).toMatchObject({ statement_timeout: 0, query_timeout: 0, connectionTimeoutMillis: 5000 });
  });
});
