import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { parsePax, readTar, TarWriter, type TarHeader } from './tar.js';

async function entries(stream: Readable): Promise<{ header: TarHeader; data: string }[]> {
  const result: { header: TarHeader; data: string }[] = [];
  for await (const entry of readTar(stream)) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry.body) chunks.push(chunk);
    result.push({ header: entry.header, data: Buffer.concat(chunks).toString('utf8') });
  }
  return result;
}

async function written(write: (tar: TarWriter) => Promise<void>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  const tar = new TarWriter(out);
  await write(tar);
  await tar.finish();
  out.end();
  return Buffer.concat(chunks);
}

const base = { mode: 0o644, uid: 33, gid: 33, mtime: new Date('2026-01-02T03:04:05Z') };
const longName = `wp-content/${'themes/'.repeat(20)}style.css`;

describe('tar reader and writer', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'allmende-tar-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads what GNU tar writes: files, directories, symlinks, long names', async () => {
    mkdirSync(join(dir, 'src/sub'), { recursive: true });
    writeFileSync(join(dir, 'src/sub/a.txt'), 'hello');
    writeFileSync(join(dir, 'src/empty'), '');
    symlinkSync('/usr/share/wordpress/wp-content/themes/x', join(dir, 'src/link'));
    mkdirSync(join(dir, 'src', 'd'.repeat(120)));
    writeFileSync(join(dir, 'src', 'd'.repeat(120), 'f'), 'deep');
    const archive = execFileSync('tar', ['-C', join(dir, 'src'), '-cf', '-', '.']);
    const found = await entries(Readable.from([archive]));
    const byName = Object.fromEntries(found.map((e) => [e.header.name, e]));
    expect(byName['sub/a.txt']).toMatchObject({ data: 'hello', header: { type: 'file', size: 5 } });
    expect(byName['empty'].header).toMatchObject({ type: 'file', size: 0 });
    expect(byName['link'].header).toMatchObject({ type: 'symlink', linkname: '/usr/share/wordpress/wp-content/themes/x' });
    expect(byName['sub'].header.type).toBe('directory');
    expect(byName[`${'d'.repeat(120)}/f`].data).toBe('deep');
  });

  it('writes archives GNU tar extracts, with pax headers for long names and links', async () => {
    const archive = await written(async (tar) => {
      await tar.add({ ...base, name: 'wordpress', type: 'directory', size: 0, mode: 0o755 });
      await tar.add({ ...base, name: 'wordpress/wordpress.sql', type: 'file', size: 6 }, Buffer.from('SELECT'));
      await tar.add({ ...base, name: longName, type: 'file', size: 3 }, Readable.from([Buffer.from('a'), Buffer.from('bc')]));
      await tar.add({ ...base, name: 'wordpress/rel', type: 'symlink', size: 0, linkname: `../${'x'.repeat(150)}` });
    });
    expect(archive.length % 512).toBe(0);
    execFileSync('tar', ['-C', dir, '-xf', '-'], { input: archive });
    expect(readFileSync(join(dir, 'wordpress/wordpress.sql'), 'utf8')).toBe('SELECT');
    expect(readFileSync(join(dir, longName), 'utf8')).toBe('abc');
    expect(readlinkSync(join(dir, 'wordpress/rel'))).toBe(`../${'x'.repeat(150)}`);
    // and reads its own output back
    const found = await entries(Readable.from([archive]));
    expect(found.map((e) => e.header.name)).toEqual(['wordpress', 'wordpress/wordpress.sql', longName, 'wordpress/rel']);
  });

  it('skips bodies the reader did not consume, and refuses bodies of the wrong size', async () => {
    const archive = await written(async (tar) => {
      await tar.add({ ...base, name: 'a', type: 'file', size: 700 }, Buffer.alloc(700, 1));
      await tar.add({ ...base, name: 'b', type: 'file', size: 1 }, Buffer.from('z'));
    });
    const names: string[] = [];
    for await (const entry of readTar(Readable.from([archive]))) names.push(entry.header.name);
    expect(names).toEqual(['a', 'b']);
    await expect(written((tar) => tar.add({ ...base, name: 'c', type: 'file', size: 2 }, Buffer.from('abc')))).rejects.toThrow('longer than its header');
  });

  it('refuses a damaged header', async () => {
    const archive = await written((tar) => tar.add({ ...base, name: 'a', type: 'file', size: 1 }, Buffer.from('x')));
    archive[10] ^= 0xff;
    await expect(entries(Readable.from([archive]))).rejects.toThrow('checksum');
  });

  it('parses pax records', () => {
    // "<length of the whole record> key=value\n"
    expect(parsePax(Buffer.from('31 path=wp-content/a/b/c/d.txt\n21 linkpath=/usr/x/y\n'))).toEqual({ path: 'wp-content/a/b/c/d.txt', linkpath: '/usr/x/y' });
  });
});
