/**
 * The `Store` on a file system: everything under STORAGE_DIR, laid out as
 * storage/file-layout.ts says, owner-only. Writes that must not be seen half
 * done go through a temporary file and a rename.
 */
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { atomicFileSink } from '../lib/write-sink.ts';
import { ensureStorage, type StoragePaths, storagePaths } from './file-layout.ts';
import type { Store, StoredExport, Tombstone } from './store.ts';
import { readZipEntry } from './zip-entry.ts';

/** A store under `storageDir`, its folders created (owner-only). */
export async function createFileStore(storageDir: string): Promise<Store & { paths: StoragePaths }> {
  const paths = storagePaths(storageDir);
  await ensureStorage(paths);
  return fileStore(paths);
}

/** A store over folders that exist already (see {@link createFileStore}). */
export function fileStore(paths: StoragePaths): Store & { paths: StoragePaths } {
  const readJson = async <T>(file: string): Promise<T | undefined> => {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as T;
    } catch {
      return undefined; // torn or foreign: as good as absent
    }
  };
  const writeAtomically = async (file: string, text: string) => {
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, text, { mode: 0o600 });
    await rename(temp, file);
  };

  return {
    paths,
    stagingPath: (requestId) => paths.staging(requestId),

    exports: {
      zipSink: (file) => atomicFileSink(paths.exportFile(file)),
      meta: (file) => readJson<StoredExport>(paths.exportMeta(file)),
      saveMeta: (meta) => writeAtomically(paths.exportMeta(meta.file), JSON.stringify(meta)),
      has: (file) =>
        open(paths.exportFile(file), 'r').then(
          async (handle) => {
            await handle.close();
            return true;
          },
          () => false,
        ),
      async open(file) {
        const handle = await open(paths.exportFile(file), 'r').catch(() => undefined);
        if (!handle) return undefined;
        const { size } = await handle.stat();
        return {
          bytes: size,
          body: () => Readable.toWeb(handle.createReadStream()) as ReadableStream<Uint8Array>,
          close: () => handle.close(),
        };
      },
      async remove(file, tombstone: Tombstone) {
        await writeFile(paths.tombstone(file), JSON.stringify(tombstone), { mode: 0o600 });
        await rm(paths.exportFile(file), { force: true });
        await rm(paths.exportMeta(file), { force: true });
      },
      async tombstone(file) {
        const text = await readFile(paths.tombstone(file), 'utf8').catch(() => undefined);
        if (text === undefined) return undefined;
        let parsed: Partial<Tombstone> = {};
        try {
          parsed = JSON.parse(text) as Partial<Tombstone>;
        } catch {
          // An older or torn tombstone: the file is gone all the same.
        }
        const by = parsed.by;
        return {
          deletedAt: typeof parsed.deletedAt === 'string' ? parsed.deletedAt : '',
          early: parsed.early === true,
          ...(typeof by?.name === 'string' && (by.role === 'admin' || by.role === 'reviewer') ? { by: { name: by.name, role: by.role } } : {}),
        };
      },
      entry: (file, name) => readZipEntry(paths.exportFile(file), name),
    },

    receipts: {
      read: (requestId) => readFile(paths.receipt(requestId), 'utf8').catch(() => undefined),
      async writeOnce(requestId, text) {
        const existing = await readFile(paths.receipt(requestId), 'utf8').catch(() => undefined);
        if (existing !== undefined) return existing;
        await writeAtomically(paths.receipt(requestId), text);
        return text;
      },
    },

    mailLedger: {
      async claim(key, record) {
        const file = paths.mailLedger(key);
        let handle: Awaited<ReturnType<typeof open>>;
        try {
          handle = await open(file, 'wx', 0o600);
        } catch (error) {
          // Even an entry left empty by a crash mid-write counts: it was created before any send.
          if ((error as { code?: string }).code === 'EEXIST') return false;
          throw error;
        }
        try {
          await handle.writeFile(record);
          await handle.sync();
          await handle.close();
          return true;
        } catch (error) {
          await handle.close().catch(() => {});
          await rm(file, { force: true });
          throw error;
        }
      },
      release: (key) => rm(paths.mailLedger(key), { force: true }),
    },
  };
}
