import { backupSummaryOf, checkSummaryOf, parseForget, parseResticLine, parseSnapshots, restoreSummaryOf, stderrMessages } from './restic-json.js';

// Lines as restic 0.18.0 printed them in this project's images.
const STATUS = '{"message_type":"status","percent_done":0.75,"total_files":2,"total_bytes":8,"bytes_done":6}';
const SUMMARY =
  '{"message_type":"summary","files_new":2,"files_changed":0,"files_unmodified":0,"dirs_new":3,"dirs_changed":0,"dirs_unmodified":0,"data_blobs":2,"tree_blobs":4,"data_added":2065,"data_added_packed":1495,"total_files_processed":2,"total_bytes_processed":8,"total_duration":0.816905097,"backup_start":"2026-11-29T21:56:12.861904558Z","backup_end":"2026-11-29T21:56:13.678809686Z","snapshot_id":"de4aa9612bad59b14acad2b9f7cfd842d194266b30c740db392aa34f04583fb2"}';
const SNAPSHOTS =
  '[{"time":"2026-11-29T21:56:12.861904558Z","tree":"dd5a","paths":["/backup/prosody/data","/backup/prosody/db"],"hostname":"allmende","username":"root","tags":["tenant=t1","app=prosody","kind=manual"],"program_version":"restic 0.18.0","summary":{"data_added":2065,"total_files_processed":2,"total_bytes_processed":8},"id":"de4aa9612bad59b14acad2b9f7cfd842d194266b30c740db392aa34f04583fb2","short_id":"de4aa961"}]';

describe('restic JSON output', () => {
  it('reads status lines of backup and restore', () => {
    expect(parseResticLine(STATUS)).toEqual({ type: 'status', percentDone: 0.75, bytesDone: 6, totalBytes: 8, filesDone: 0, totalFiles: 2, secondsElapsed: 0 });
    expect(parseResticLine('{"message_type":"status","seconds_elapsed":3,"percent_done":0.5,"total_files":4,"files_restored":2,"total_bytes":100,"bytes_restored":50}')).toMatchObject({ bytesDone: 50, filesDone: 2, secondsElapsed: 3 });
  });

  it('reads the backup summary', () => {
    const message = parseResticLine(SUMMARY);
    expect(message?.type).toBe('summary');
    expect(backupSummaryOf((message as { fields: Record<string, unknown> }).fields)).toEqual({
      snapshotId: 'de4aa9612bad59b14acad2b9f7cfd842d194266b30c740db392aa34f04583fb2',
      dataAdded: 2065,
      dataAddedPacked: 1495,
      filesNew: 2,
      filesChanged: 0,
      filesUnmodified: 0,
      totalFiles: 2,
      totalBytes: 8,
      durationSeconds: 0.816905097,
    });
  });

  it('tolerates noise and counts omitted numbers as 0', () => {
    for (const noise of ['', 'repository 1234 opened', '{not json', '[1,2]', '{"no_type":1}', 'subprocess ssh: Connection refused']) expect(parseResticLine(noise)).toBeUndefined();
    expect(restoreSummaryOf({ total_files: 5, files_restored: 5 })).toEqual({ files: 5, filesRestored: 5, filesDeleted: 0, bytes: 0, bytesRestored: 0 });
    expect(parseResticLine('{"message_type":"verbose_status","action":"new"}')).toEqual({ type: 'other', messageType: 'verbose_status' });
  });

  it('reads errors in both shapes and exit errors', () => {
    expect(parseResticLine('{"message_type":"error","error":{"message":"open /backup/x: permission denied"},"during":"archival","item":"/backup/x"}')).toEqual({
      type: 'error',
      message: 'open /backup/x: permission denied',
      during: 'archival',
      item: '/backup/x',
    });
    expect(parseResticLine('{"message_type":"exit_error","code":1,"message":"Fatal: repository contains errors"}')).toEqual({ type: 'exit_error', code: 1, message: 'Fatal: repository contains errors' });
    expect(stderrMessages('{"message_type":"error","message":"pack 3d49 contains 2 errors"}\nplain line\n\n')).toEqual(['pack 3d49 contains 2 errors', 'plain line']);
  });

  it('reads snapshots with their tags and volumes', () => {
    const [snapshot] = parseSnapshots(`some warning\n${SNAPSHOTS}\n`);
    expect(snapshot).toMatchObject({ shortId: 'de4aa961', tenant: 't1', app: 'prosody', kind: 'manual', volumes: ['data', 'db'], totalBytes: 8, totalFiles: 2, dataAdded: 2065, hostname: 'allmende' });
    expect(snapshot.time.toISOString()).toBe('2026-11-29T21:56:12.861Z');
    expect(parseSnapshots('[]')).toEqual([]);
    expect(() => parseSnapshots('nothing')).toThrow('no JSON list');
  });

  it('reads forget groups (prune text after the JSON is ignored)', () => {
    const out = '[{"tags":["app=a","kind=manual","tenant=t1"],"host":"","paths":null,"keep":[{"id":"k1"}],"remove":[{"id":"r1"},{"id":"r2"}],"reasons":[]}]\nloading indexes...\ndone\n';
    expect(parseForget(out)).toEqual([{ tags: ['app=a', 'kind=manual', 'tenant=t1'], keep: ['k1'], remove: ['r1', 'r2'] }]);
  });

  it('reads the check summary', () => {
    expect(checkSummaryOf({ message_type: 'summary', num_errors: 1, broken_packs: ['3d49'], suggest_repair_index: false, suggest_prune: false })).toEqual({ errors: 1, brokenPacks: ['3d49'], suggestRepairIndex: false, suggestPrune: false });
  });
});
