import { inputProblem, ValidationFailedError } from '#platform';
import { EngineError, RuntimeError } from '#runtime';
import { isTransient, PermanentFailure, TenantBusy } from './pipeline-errors.js';

const engineFailure = (statusCode: number, message: string) => new EngineError('create container', Object.assign(new Error(message), { statusCode, json: { message } }));

describe('which failures are retried', () => {
  it.each([
    ['another operation holds the tenant', new TenantBusy('busy')],
    ['the engine socket is gone (engine restarting)', Object.assign(new Error('connect ENOENT /run/docker.sock'), { code: 'ENOENT', syscall: 'connect' })],
    ['the engine refused the connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['the engine answered 503', engineFailure(503, 'service unavailable')],
    ['Postgres dropped the connection', Object.assign(new Error('terminating connection'), { code: '57P01' })],
    ['a serialization conflict', Object.assign(new Error('could not serialize'), { code: '40001' })],
  ])('retries when %s', (_why, error) => {
    expect(isTransient(error)).toBe(true);
  });

  it.each([
    ['an image is missing', new PermanentFailure('Image(s) not on Docker host')],
    ['the engine refused the request (400)', engineFailure(400, 'Minimum memory limit allowed is 6MB')],
    ['the engine has no such image (500, permanent)', engineFailure(500, 'No such image: allmende/x:1')],
    ['the plan was refused', new RuntimeError('runtime.plan_refused', 'mounts a host path')],
    ['a hook failed', new RuntimeError('runtime.hook_failed', 'exit code 1')],
    ['the input was invalid', ValidationFailedError.field('domains.primary', inputProblem('must be a domain'))],
    ['an unexpected bug', new TypeError('x is undefined')],
  ])('fails at once when %s', (_why, error) => {
    expect(isTransient(error)).toBe(false);
  });
});
