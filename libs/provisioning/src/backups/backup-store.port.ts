import type { Readable } from 'node:stream';

export interface StoredObject {
  /** Store-specific address, recorded on the Backup row. */
  location: string;
  sizeBytes: number;
  sha256: string;
}

/**
 * Where owners' export archives live until they expire (backups themselves are restic
 * repositories on the backup sites). The local directory adapter suits one machine; an
 * S3-compatible adapter would implement the same four calls.
 */
export abstract class BackupStore {
  /** Writes one object; `key` is a relative path such as <tenant>/<backup>/<file>. */
  abstract put(key: string, content: Readable): Promise<StoredObject>;
  abstract get(location: string): Promise<Readable>;
  abstract exists(location: string): Promise<boolean>;
  /** Deletes everything under a key prefix (a whole backup). */
  abstract deletePrefix(prefix: string): Promise<void>;
}
