import type { Readable, Writable } from 'node:stream';
import { once } from 'node:events';

// A small streaming tar reader and writer (POSIX ustar with pax extended headers), enough for
// what Docker's archive API sends and for the owner's export archive. Kept here instead of a
// dependency: the export needs only files, directories, links and long names.

const BLOCK = 512;
const ZEROS = Buffer.alloc(BLOCK);

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarHeader {
  /** Path inside the archive, without a leading "./" or trailing "/". */
  name: string;
  type: TarEntryType;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  /** Symlink target, or the archive path a hardlink refers to. */
  linkname?: string;
  uname?: string;
  gname?: string;
}

export interface TarEntry {
  header: TarHeader;
  /** The entry's data (files only); read it fully or leave it: the reader skips what is left. */
  body: AsyncIterable<Buffer>;
}

/** Reads exactly the bytes asked for from a stream, keeping what comes after. */
class ByteQueue {
  private readonly iterator: AsyncIterator<Buffer | string>;
  private buffered: Buffer[] = [];
  private length = 0;
  private ended = false;

  constructor(stream: AsyncIterable<Buffer | string>) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  /** At least `n` bytes buffered, unless the stream ended first. */
  private async fill(n: number): Promise<void> {
    while (this.length < n && !this.ended) {
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      this.buffered.push(chunk);
      this.length += chunk.length;
    }
  }

  /** Exactly n bytes, or fewer when the stream ended. */
  async take(n: number): Promise<Buffer> {
    await this.fill(n);
    const all = this.buffered.length === 1 ? this.buffered[0] : Buffer.concat(this.buffered);
    const taken = all.subarray(0, Math.min(n, all.length));
    const rest = all.subarray(taken.length);
    this.buffered = rest.length ? [rest] : [];
    this.length = rest.length;
    return taken;
  }

  /** Up to `max` bytes, at least one unless the stream ended (for streaming bodies). */
  async some(max: number): Promise<Buffer> {
    await this.fill(1);
    return this.take(Math.min(max, this.length || 1));
  }
}

function text(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
}

function octal(block: Buffer, offset: number, length: number): number {
  const field = block.subarray(offset, offset + length);
  if (field[0] & 0x80) {
    // GNU base-256 for large values
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i];
    return value;
  }
  const digits = text(block, offset, length).trim();
  return digits ? parseInt(digits, 8) : 0;
}

function checksumOf(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i];
  return sum;
}

/** pax records "<len> key=value\n". */
export function parsePax(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space === -1) break;
    const length = Number(data.subarray(offset, space).toString('ascii'));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = data.subarray(space + 1, offset + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    offset += length;
  }
  return records;
}

function cleanName(name: string): string {
  let clean = name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (clean === '.') clean = '';
  return clean;
}

const TYPES: Record<string, TarEntryType> = { '0': 'file', '\0': 'file', '7': 'file', '5': 'directory', '2': 'symlink', '1': 'hardlink' };

/**
 * The entries of a tar stream, one at a time. pax ('x', 'g') and GNU long-name ('L', 'K')
 * records are applied to the entry they describe; a bad checksum fails.
 */
export async function* readTar(stream: Readable | AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const bytes = new ByteQueue(stream as AsyncIterable<Buffer>);
  let pax: Record<string, string> = {};
  let global: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const block = await bytes.take(BLOCK);
    if (block.length === 0) return;
    if (block.length < BLOCK) throw new Error('tar: truncated header');
    if (block.equals(ZEROS)) return; // end of archive (a second zero block may follow)
    if (octal(block, 148, 8) !== checksumOf(block)) throw new Error('tar: header checksum mismatch');
    const flag = String.fromCharCode(block[156]);
    let size = octal(block, 124, 12);
    const padded = Math.ceil(size / BLOCK) * BLOCK;

    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      const data = (await bytes.take(padded)).subarray(0, size);
      if (flag === 'x') pax = { ...pax, ...parsePax(data) };
      else if (flag === 'g') global = { ...global, ...parsePax(data) };
      else if (flag === 'L') longName = text(data, 0, data.length);
      else longLink = text(data, 0, data.length);
      continue;
    }

    const attributes = { ...global, ...pax };
    const prefix = text(block, 345, 155);
    let name = attributes.path ?? longName ?? (prefix ? `${prefix}/${text(block, 0, 100)}` : text(block, 0, 100));
    const linkname = attributes.linkpath ?? longLink ?? text(block, 157, 100);
    if (attributes.size !== undefined) size = Number(attributes.size);
    const type = TYPES[flag] ?? 'other';
    name = cleanName(name);
    const header: TarHeader = {
      name,
      type,
      size: type === 'file' ? size : 0,
      mode: octal(block, 100, 8) & 0o7777,
      uid: attributes.uid !== undefined ? Number(attributes.uid) : octal(block, 108, 8),
      gid: attributes.gid !== undefined ? Number(attributes.gid) : octal(block, 116, 8),
      mtime: new Date((attributes.mtime !== undefined ? Number(attributes.mtime) : octal(block, 136, 12)) * 1000),
      ...(type === 'symlink' || type === 'hardlink' ? { linkname: type === 'hardlink' ? cleanName(linkname) : linkname } : {}),
      ...(text(block, 265, 32) ? { uname: text(block, 265, 32) } : {}),
      ...(text(block, 297, 32) ? { gname: text(block, 297, 32) } : {}),
    };
    pax = {};
    longName = undefined;
    longLink = undefined;

    let remaining = size;
    const body: AsyncIterable<Buffer> = {
      async *[Symbol.asyncIterator]() {
        while (remaining > 0) {
          const chunk = await bytes.some(Math.min(remaining, 64 * 1024));
          if (chunk.length === 0) throw new Error(`tar: ${name} is truncated`);
          remaining -= chunk.length;
          yield chunk;
        }
      },
    };
    yield { header, body };
    // whatever the consumer did not read, then the padding
    while (remaining > 0) {
      const chunk = await bytes.take(Math.min(remaining, 64 * 1024));
      if (chunk.length === 0) throw new Error(`tar: ${name} is truncated`);
      remaining -= chunk.length;
    }
    if (padded > size) await bytes.take(padded - size);
  }
}

function writeText(block: Buffer, offset: number, length: number, value: string): void {
  block.write(value, offset, length, 'utf8');
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${Math.floor(value).toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

const FLAGS: Record<TarEntryType, string> = { file: '0', directory: '5', symlink: '2', hardlink: '1', other: '0' };
const MAX_OCTAL_SIZE = 0o77777777777;

function headerBlock(name: string, header: TarHeader, flag: string, size: number, linkname: string): Buffer {
  const block = Buffer.alloc(BLOCK);
  writeText(block, 0, 100, name);
  writeOctal(block, 100, 8, header.mode & 0o7777);
  writeOctal(block, 108, 8, Math.min(header.uid, 0o7777777));
  writeOctal(block, 116, 8, Math.min(header.gid, 0o7777777));
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, Math.max(0, Math.floor(header.mtime.getTime() / 1000)));
  block.fill(0x20, 148, 156);
  block.write(flag, 156, 1, 'ascii');
  writeText(block, 157, 100, linkname);
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  writeText(block, 265, 32, header.uname ?? '');
  writeText(block, 297, 32, header.gname ?? '');
  block.write(`${checksumOf(block).toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return block;
}

/** Writes a tar to a stream, honouring backpressure. Names longer than ustar allows get a pax header. */
export class TarWriter {
  private bytes = 0;

  constructor(private readonly out: Writable) {}

  get bytesWritten(): number {
    return this.bytes;
  }

  async add(header: TarHeader, body?: Buffer | AsyncIterable<Buffer>): Promise<void> {
    const name = header.type === 'directory' ? `${header.name}/` : header.name;
    const linkname = header.linkname ?? '';
    const size = header.type === 'file' ? header.size : 0;
    const records: string[] = [];
    if (Buffer.byteLength(name) > 100) records.push(paxRecord('path', name));
    if (Buffer.byteLength(linkname) > 100) records.push(paxRecord('linkpath', linkname));
    if (size > MAX_OCTAL_SIZE) records.push(paxRecord('size', String(size)));
    if (records.length) {
      const data = Buffer.from(records.join(''), 'utf8');
      await this.write(headerBlock('PaxHeader', { ...header, mode: 0o644 }, 'x', data.length, ''));
      await this.write(data);
      await this.pad(data.length);
    }
    await this.write(headerBlock(name.slice(0, 100), header, FLAGS[header.type], size > MAX_OCTAL_SIZE ? 0 : size, linkname.slice(0, 100)));
    if (header.type !== 'file') return;
    let written = 0;
    if (body) {
      for await (const chunk of Buffer.isBuffer(body) ? [body] : body) {
        if (written + chunk.length > size) throw new Error(`tar: ${header.name} is longer than its header says (${size})`);
        written += chunk.length;
        await this.write(chunk);
      }
    }
    if (written !== size) throw new Error(`tar: ${header.name} has ${written} bytes, its header says ${size}`);
    await this.pad(size);
  }

  /** Two zero blocks end the archive. */
  async finish(): Promise<void> {
    await this.write(Buffer.alloc(BLOCK * 2));
  }

  private async pad(size: number): Promise<void> {
    const rest = size % BLOCK;
    if (rest) await this.write(Buffer.alloc(BLOCK - rest));
  }

  private async write(chunk: Buffer): Promise<void> {
    this.bytes += chunk.length;
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }
}
