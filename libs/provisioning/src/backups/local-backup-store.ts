import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '#platform';
import { BackupStore, StoredObject } from './backup-store.port.js';

const KEY = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/;

/** Owners' export archives as files under <dataDir>/exports, written to a temp name and renamed when complete. */
@Injectable()
export class LocalBackupStore extends BackupStore {
  private readonly root: string;

  constructor(config: AppConfig) {
    super();
    this.root = resolve(config.dataDir, 'exports');
  }

  async put(key: string, content: Readable): Promise<StoredObject> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const hash = createHash('sha256');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const partial = `${path}.partial`;
    await pipeline(content, measure, createWriteStream(partial, { mode: 0o600 }));
    await rename(partial, path); // a crash mid-write never leaves a file that looks complete
    return { location: `file://${path}`, sizeBytes: size, sha256: hash.digest('hex') };
  }

  async get(location: string): Promise<Readable> {
    const path = this.pathOfLocation(location);
    await stat(path);
    return createReadStream(path);
  }

  async exists(location: string): Promise<boolean> {
    return stat(this.pathOfLocation(location)).then(() => true, () => false);
  }

  async deletePrefix(prefix: string): Promise<void> {
    await rm(this.pathOf(prefix), { recursive: true, force: true });
  }

  private pathOf(key: string): string {
    if (!KEY.test(key) || key.split('/').some((part) => part === '..' || part === '.')) throw new Error(`invalid backup key ${key}`);
    return join(this.root, ...key.split('/'));
  }

  private pathOfLocation(location: string): string {
    const path = resolve(location.replace(/^file:\/\//, ''));
    if (!path.startsWith(this.root + sep)) throw new Error('backup location outside the store');
    return path;
  }
}
