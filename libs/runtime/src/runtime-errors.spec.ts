import { EngineError, engineMessageOf, isTransientEngineError, RuntimeError } from './runtime-errors.js';

/** The shape dockerode (docker-modem) gives engine answers. */
function dockerodeError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message} `), { statusCode, json: { message } });
}
const nodeError = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('isTransientEngineError', () => {
  it.each([
    ['connection refused', nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:2375')],
    ['connection reset', nodeError('ECONNRESET')],
    ['timeout', nodeError('ETIMEDOUT')],
    ['socket hang up', new Error('socket hang up')],
    ['socket file gone (engine restarting)', Object.assign(nodeError('ENOENT'), { syscall: 'connect' })],
    ['503', dockerodeError(503, 'service unavailable')],
    ['500 without a permanent reason', dockerodeError(500, 'driver failed programming external connectivity')],
    ['wrapped', new EngineError('start container x', nodeError('ECONNRESET'))],
  ])('retries: %s', (_name, error) => {
    expect(isTransientEngineError(error)).toBe(true);
  });

  it.each([
    ['404 no such image', dockerodeError(404, 'No such image: allmende/x:1')],
    ['500 no such image', dockerodeError(500, 'No such image: allmende/x:1')],
    ['500 invalid', dockerodeError(500, 'invalid reference format')],
    ['500 executable missing', dockerodeError(500, 'OCI runtime create failed: exec: "x": executable file not found in $PATH')],
    ['400', dockerodeError(400, 'Minimum memory limit allowed is 6MB')],
    ['409', dockerodeError(409, 'Conflict. The container name "/x" is already in use')],
    ['ENOENT on a file', nodeError('ENOENT')],
    ['our own refusal', new RuntimeError('runtime.name_conflict', 'taken')],
    ['anything else', new Error('boom')],
    ['not an error', undefined],
  ])('does not retry: %s', (_name, error) => {
    expect(isTransientEngineError(error)).toBe(false);
  });
});

describe('EngineError', () => {
  it("carries the engine's own message and status", () => {
    const error = new EngineError('create container alm-x', dockerodeError(404, 'No such image: allmende/x:1'));
    expect(error.message).toBe('Docker engine: create container alm-x failed: No such image: allmende/x:1 (HTTP 404)');
    expect(error.engineMessage).toBe('No such image: allmende/x:1');
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('runtime.engine_error');
  });

  it('reads streamed answers and plain messages too', () => {
    expect(engineMessageOf(Object.assign(new Error('(HTTP code 404) no such container - No such container: abc '), { statusCode: 404, json: null }))).toBe('No such container: abc');
    expect(engineMessageOf(nodeError('ECONNREFUSED', 'connect ECONNREFUSED /run/x.sock'))).toBe('connect ECONNREFUSED /run/x.sock');
  });
});
