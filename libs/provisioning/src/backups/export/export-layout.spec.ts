import { exportPathOf, exportReadme, MARIADB_SANDBOX_LINE } from './export-layout.js';

describe("the export's layout", () => {
  it("knows MariaDB's sandbox line as mariadb-dump writes it (a blank before the newline, or none), and nothing else", () => {
    expect(MARIADB_SANDBOX_LINE.test('/*M!999999\\- enable the sandbox mode */ \n')).toBe(true);
    expect(MARIADB_SANDBOX_LINE.test('/*M!999999\\- enable the sandbox mode */\n')).toBe(true);
    expect(MARIADB_SANDBOX_LINE.test('-- MariaDB dump 10.19  Distrib 10.11.14-MariaDB\n')).toBe(false);
    expect(MARIADB_SANDBOX_LINE.test('/*M!999999\\- enable the sandbox mode */ DROP TABLE x;\n')).toBe(false);
  });

  it("leaves Allmende's TLS key and the live SQLite file out of Prosody's data, and names the consistent copy as Prosody expects", () => {
    const rule = { as: 'data', skip: [/^certs(\/|$)/, /^prosody\.sqlite(-journal|-wal|-shm)?$/], rename: { 'allmende-backup.sqlite': 'prosody.sqlite' } };
    expect(exportPathOf('prosody', rule, 'certs/club.example.key')).toBeNull();
    expect(exportPathOf('prosody', rule, 'prosody.sqlite')).toBeNull();
    expect(exportPathOf('prosody', rule, 'allmende-backup.sqlite')).toBe('prosody/data/prosody.sqlite');
  });

  it("tells a person to give the domain its SQLite store in a VirtualHost of its own", () => {
    const readme = exportReadme({ club: 'Gardeners', domain: 'chat.gardeners.example', createdAt: new Date('2026-11-30T00:00:00Z'), apps: [{ app: 'prosody', name: 'Chat', version: '0.12', dumpedAt: null }] });
    expect(readme).toContain('VirtualHost "chat.gardeners.example"\n         storage = "sql"');
  });
});
