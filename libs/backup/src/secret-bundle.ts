// The secrets a backup task needs travel as a small tar on the task's stdin (never argv or
// env, which `docker inspect` shows); the image's entry point unpacks it into a tmpfs.
// A minimal ustar writer: regular files, mode 0600, owner root, fixed names.

const BLOCK = 512;
const FILE_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

function octal(value: number, width: number): string {
  // width-1 digits and a NUL, as tar expects
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, mtimeSeconds: number): Buffer {
  const block = Buffer.alloc(BLOCK, 0);
  block.write(name, 0, 100, 'ascii');
  block.write(octal(0o600, 8), 100, 8, 'ascii');
  block.write(octal(0, 8), 108, 8, 'ascii'); // uid
  block.write(octal(0, 8), 116, 8, 'ascii'); // gid
  block.write(octal(size, 12), 124, 12, 'ascii');
  block.write(octal(mtimeSeconds, 12), 136, 12, 'ascii');
  block.write('        ', 148, 8, 'ascii'); // checksum counts as spaces while it is computed
  block.write('0', 156, 1, 'ascii'); // regular file
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  block.write('root', 265, 32, 'ascii');
  block.write('root', 297, 32, 'ascii');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return block;
}

/** A tar archive of the given files (name -> content); names are plain file names, never paths. */
export function secretBundle(files: Record<string, string | Buffer>, mtime = new Date(0)): Buffer {
  const parts: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    if (!FILE_NAME.test(name)) throw new Error(`secret bundle: "${name}" is not a plain file name`);
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    parts.push(header(name, data.length, Math.floor(mtime.getTime() / 1000)), data);
    const padding = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (padding) parts.push(Buffer.alloc(padding, 0));
  }
  parts.push(Buffer.alloc(2 * BLOCK, 0)); // end of archive
  return Buffer.concat(parts);
}

/** Reads back what secretBundle wrote (for tests; not a general tar reader). */
export function readSecretBundle(tar: Buffer): Record<string, string> {
  const files: Record<string, string> = {};
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const block = tar.subarray(offset, offset + BLOCK);
    if (block.every((byte) => byte === 0)) break;
    const name = block.toString('ascii', 0, 100).replace(/\0.*$/s, '');
    const size = parseInt(block.toString('ascii', 124, 135), 8);
    const stored = parseInt(block.toString('ascii', 148, 154), 8);
    const copy = Buffer.from(block);
    copy.write('        ', 148, 8, 'ascii');
    const sum = copy.reduce((total, byte) => total + byte, 0);
    if (sum !== stored) throw new Error(`bad checksum for ${name}`);
    files[name] = tar.toString('utf8', offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
