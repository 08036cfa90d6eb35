import { ValidationFailedError } from '#platform';
import { hostPageSql, operationPageSql, parseOperationFilter, parseTenantFilter, tenantPageSql } from './fleet-filters.js';

const APPS = new Set(['prosody', 'wordpress', 'mastodon']);
const HOST = '6c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const AFTER: [string, string] = ['2026-11-30T12:00:00.000001Z', '0b5e4f1a-7d2c-4e8b-9a3f-1c2d3e4f5a6b'];

function problemsOf(run: () => unknown): Record<string, unknown> {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationFailedError);
    return { ...(error as ValidationFailedError).fields };
  }
  throw new Error('expected a validation error');
}

/** Whitespace-insensitive view of SQL text. */
const squash = (sql: string) => sql.replace(/\s+/g, ' ').trim();

describe('the tenant filter', () => {
  it('takes state, app, version and host; empty values are no filter', () => {
    expect(parseTenantFilter({}, APPS)).toEqual({});
    expect(parseTenantFilter({ state: '', app: '', version: '', host: '' }, APPS)).toEqual({});
    expect(parseTenantFilter({ state: 'active', app: 'prosody', version: '13.0', host: HOST.toUpperCase() }, APPS)).toEqual({ state: 'active', app: 'prosody', version: '13.0', hostId: HOST });
  });

  it('names every bad field at once', () => {
    expect(problemsOf(() => parseTenantFilter({ state: 'happy', app: 'myspace', version: '1.0; drop table tenant', host: 'local' }, APPS))).toEqual({
      state: { code: 'tenant.state', params: { states: expect.stringContaining('active') } },
      app: { code: 'app.unknown', params: { app: 'myspace', known: 'mastodon, prosody, wordpress' } },
      version: { code: 'filter.version' },
      host: { code: 'input.uuid' },
    });
  });

  it('refuses a repeated parameter instead of guessing', () => {
    expect(Object.keys(problemsOf(() => parseTenantFilter({ state: ['active', 'failed'] }, APPS)))).toEqual(['state']);
  });
});

describe('the operation filter', () => {
  it('takes state, kind and open', () => {
    expect(parseOperationFilter({ state: 'failed', kind: 'provision', open: 'true' })).toEqual({ state: 'failed', kind: 'provision', open: true });
    expect(parseOperationFilter({ open: 'false' })).toEqual({ open: false });
  });

  it('names every bad field', () => {
    expect(problemsOf(() => parseOperationFilter({ state: 'broken', kind: 'toString', open: 'yes' }))).toEqual({
      state: { code: 'operation.state', params: { states: 'queued, running, succeeded, failed, canceled' } },
      kind: { code: 'operation.kind', params: { kinds: expect.stringContaining('provision') } },
      open: { code: 'filter.flag' },
    });
  });
});

describe('the SQL of a page', () => {
  it('has no condition but the limit for the first unfiltered page, newest first', () => {
    const query = tenantPageSql({}, null, 50);
    expect(squash(query.text)).not.toContain(' where ');
    expect(squash(query.text)).toContain('order by t.created_at desc, t.id desc limit $1');
    expect(query.params).toEqual([51]);
  });

  it('numbers every value as a parameter, in order, and never puts one into the text', () => {
    const query = tenantPageSql({ state: 'active', hostId: HOST, app: 'prosody', version: "13.0'--" }, AFTER, 20);
    const text = squash(query.text);
    expect(text).toContain(
      'where t.state = $1 and t.docker_host_id = $2 and exists (select 1 from service_instance si where si.tenant_id = t.id and si.app = $3 and si.version = $4) and (t.created_at, t.id) < ($5::timestamptz, $6::uuid)',
    );
    expect(text).toContain('limit $7');
    expect(query.params).toEqual(['active', HOST, 'prosody', "13.0'--", AFTER[0], AFTER[1], 21]);
    expect(text).not.toContain('13.0');
  });

  it('filters by app alone or version alone', () => {
    expect(squash(tenantPageSql({ app: 'wordpress' }, null, 5).text)).toContain('si.tenant_id = t.id and si.app = $1)');
    expect(squash(tenantPageSql({ version: '6.8' }, null, 5).text)).toContain('si.tenant_id = t.id and si.version = $1)');
  });

  it('lists operations with the later one of their kind, and open ones only when asked', () => {
    const all = operationPageSql({ state: 'failed' }, null, 10);
    expect(squash(all.text)).toContain('where o.state = $1 order by o.created_at desc, o.id desc limit $2');
    expect(squash(all.text)).toContain('as superseded_by');
    expect(all.params).toEqual(['failed', 11]);
    const open = operationPageSql({ state: 'failed', kind: 'provision', open: true }, AFTER, 10);
    expect(squash(open.text)).toContain('where o.state = $1 and o.kind = $2 and not exists (select n.id from operation n where n.target_type = o.target_type and n.target_id = o.target_id and n.kind = o.kind and n.created_at > o.created_at limit 1) and (o.created_at, o.id) < ($3::timestamptz, $4::uuid)');
    expect(open.params).toEqual(['failed', 'provision', AFTER[0], AFTER[1], 11]);
  });

  it('pages hosts by name', () => {
    expect(hostPageSql(null, 50).params).toEqual([51]);
    const next = hostPageSql(['host-b'], 50);
    expect(squash(next.text)).toContain('where h.name > $1 order by h.name asc limit $2');
    expect(next.params).toEqual(['host-b', 51]);
  });
});
