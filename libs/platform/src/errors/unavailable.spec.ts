import { isConnectionFailure } from './unavailable.js';

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('isConnectionFailure', () => {
  it.each([
    ['the database refuses connections (down)', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:54329')],
    ['Postgres ends sessions on shutdown', withCode('57P01', 'terminating connection due to administrator command')],
    ['Postgres is starting up', withCode('57P03', 'the database system is starting up')],
    ['a connection dropped mid-query', new Error('Connection terminated unexpectedly')],
    ['the pool gave up waiting', new Error('timeout exceeded when trying to connect')],
    ["TypeORM's QueryFailedError around it", Object.assign(new Error('query failed'), { driverError: withCode('57P01') })],
    ['a cause chain', new Error('outer', { cause: withCode('ECONNRESET') })],
  ])('yes: %s', (_why, error) => {
    expect(isConnectionFailure(error)).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('23505', 'duplicate key value violates unique constraint')],
    ['a bug', new TypeError('x is undefined')],
    ['nothing', undefined],
    ['a string', 'ECONNREFUSED'],
  ])('no: %s', (_why, error) => {
    expect(isConnectionFailure(error)).toBe(false);
  });

  it('survives cycles', () => {
    const a: { cause?: unknown } = new Error('a');
    a.cause = a;
    expect(isConnectionFailure(a)).toBe(false);
  });
});
