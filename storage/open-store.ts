/**
 * The store a process uses, from its configuration: the file system under
 * STORAGE_DIR (or STORAGE_URL=file:…), or object storage for
 * STORAGE_URL=s3://bucket/prefix, checked before the process serves anything.
 *
 * The S3 store is imported only when configured: the AWS SDK it loads holds
 * ~4 MB of heap (and its code) that a file-system deployment never uses.
 */
import { mkdir } from 'node:fs/promises';
import type { Config } from '../lib/config.ts';
import { createFileStore } from './file-store.ts';
import type { Store } from './store.ts';

/**
 * @throws {ConfigError} when the bucket cannot be reached with the configured endpoint and credentials
 */
export async function openStore(storage: Config['storage']): Promise<Store> {
  if (storage.kind === 'file') return createFileStore(storage.dir);
  await mkdir(storage.stagingDir, { recursive: true, mode: 0o700 });
  const { s3Store } = await import('./s3-store.ts');
  const store = s3Store(storage);
  await store.verify();
  return store;
}
