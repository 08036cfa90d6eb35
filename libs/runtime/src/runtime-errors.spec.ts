import { EngineError, engineMessageOf, isEngineUnreachable, isTransientEngineError, RuntimeError } from './runtime-errors.js';

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
    // an engine restart stops the container under an exec: it runs again a moment later
    ['409 container is not running', dockerodeError(409, 'Container 3f2a is not running')],
    ['409 container is restarting', dockerodeError(409, 'Container 3f2a is restarting, wait until the container is running')],
    ['409 wrapped', new EngineError('exec in hook "create-admin"', dockerodeError(409, 'Container 3f2a is not running'))],
    ['a container interrupted under a command', new RuntimeError('runtime.interrupted', 'the container restarted while the hook ran')],
    ['an exec stream that broke because the engine went away', new RuntimeError('runtime.engine_error', 'exec stream failed', { cause: nodeError('ECONNRESET') })],
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
    ['an exec stream that broke for no known reason', new RuntimeError('runtime.engine_error', 'exec stream failed', { cause: new Error('boom') })],
    ['a hook that failed', new RuntimeError('runtime.hook_failed', 'exit code 137')],
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

describe('isEngineUnreachable: nothing answers at the address at all', () => {
  it.each([
    ['no socket file', Object.assign(nodeError('ENOENT', 'connect ENOENT /run/docker.sock'), { syscall: 'connect' })],
    ['connection refused', nodeError('ECONNREFUSED')],
    ['no route', nodeError('EHOSTUNREACH')],
    ['wrapped by the adapter', new EngineError('list containers', nodeError('ECONNREFUSED'))],
    ['a connect that timed out', Object.assign(nodeError('ETIMEDOUT'), { syscall: 'connect' })],
  ])('yes: %s', (_name, error) => {
    expect(isEngineUnreachable(error)).toBe(true);
  });

  it.each([
    ['the engine answered 503', dockerodeError(503, 'service unavailable')],
    ['a reset in the middle of a call', nodeError('ECONNRESET')],
    ['our own refusal', new RuntimeError('runtime.plan_refused', 'no')],
    ['a file that is missing', nodeError('ENOENT')],
    ['nothing', undefined],
  ])('no: %s', (_name, error) => {
    expect(isEngineUnreachable(error)).toBe(false);
  });
});
