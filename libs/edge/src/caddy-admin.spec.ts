import { adminArgv, adminErrorMessage, adminStdin, parseAdminResponse, type AdminRequest } from './caddy-admin.js';
import { EdgeError } from './edge-errors.js';

const get: AdminRequest = { method: 'GET', path: '/config/' };

describe('adminArgv', () => {
  it('is curl on the unix socket with an empty Host header, headers to stderr, body on stdin', () => {
    const request: AdminRequest = { method: 'POST', path: '/config/', body: { a: 1 }, ifMatch: '"/config/ 5b711146"' };
    expect(adminArgv(request, 30)).toEqual([
      'curl', '--silent', '--show-error', '--unix-socket', '/run/caddy/admin.sock', '-H', 'Host: ', '-H', 'Expect:', '--max-time', '30',
      '--request', 'POST', '--dump-header', '/dev/stderr', '-H', 'Content-Type: application/json', '--data-binary', '@-',
      '-H', 'If-Match: "/config/ 5b711146"', 'http://localhost/config/',
    ]);
    expect(adminStdin(request)?.toString()).toBe('{"a":1}');
    expect(adminStdin(get)).toBeUndefined();
  });

  it('refuses paths and Etags that are not ours', () => {
    for (const path of ['/id/site-a/../../load', '/id/a b', '/config/?x', 'http://evil/', '/metrics', '/id/a\nHost: x']) {
      expect(() => adminArgv({ method: 'GET', path }, 5)).toThrow(/Refusing admin API path/);
    }
    expect(() => adminArgv({ ...get, ifMatch: '"x"\r\nX-Evil: 1' }, 5)).toThrow(/Refusing If-Match/);
  });
});

describe('parseAdminResponse', () => {
  it('reads status, headers and the Etag trailer', () => {
    const stderr = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTrailer: ETag\r\nTransfer-Encoding: chunked\r\n\r\nEtag: "/config/ 5b711146"\r\n';
    const response = parseAdminResponse(get, { exitCode: 0, stdout: '{"admin":{}}', stderr });
    expect(response).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json', trailer: 'ETag', 'transfer-encoding': 'chunked', etag: '"/config/ 5b711146"' },
      body: '{"admin":{}}',
    });
  });

  it('turns a socket that does not answer into edge.unavailable', () => {
    const run = () => parseAdminResponse(get, { exitCode: 7, stdout: '', stderr: 'curl: (7) Couldn\'t connect to server\n' });
    expect(run).toThrow(EdgeError);
    expect(run).toThrow(/Couldn't connect/);
  });

  it('refuses a truncated answer', () => {
    expect(() => parseAdminResponse(get, { exitCode: 0, stdout: '[12 bytes dropped]\n...', stderr: 'HTTP/1.1 200 OK\r\n' })).toThrow(/larger than/);
  });

  it('takes Caddy\'s error message from an error answer', () => {
    expect(adminErrorMessage({ status: 404, headers: {}, body: '{"error":"unknown object ID \'site-x\'"}' })).toBe("unknown object ID 'site-x'");
    expect(adminErrorMessage({ status: 500, headers: {}, body: 'oops' })).toBe('oops');
  });
});
