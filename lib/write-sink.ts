/**
 * Where a large file's bytes go while it is written, and how it becomes
 * visible only when whole: a local file (written to `<path>.partial`,
 * fsynced, renamed) or, in storage/s3-store.ts, a multipart upload. The ZIP
 * writer (report/zip.ts) streams into either without knowing which.
 */
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';

export interface WriteSink {
  /** Takes the bytes in order; the writer ends it. */
  readonly stream: Writable;
  /** Once the stream has finished: makes the file appear under its name, whole. */
  commit(): Promise<void>;
  /** After a failure: leaves nothing behind (safe to call twice). */
  abort(): Promise<void>;
}

/**
 * A sink that writes `path` atomically: `<path>.partial` (mode 0o600), fsynced and renamed on commit.
 * @throws when the partial file cannot be created (e.g. the directory is missing)
 */
export async function atomicFileSink(path: string): Promise<WriteSink> {
  const partial = `${path}.partial`;
  await rm(partial, { force: true });
  const file = await open(partial, 'wx', 0o600);
  const { ino } = await file.stat();
  // The stream owns the handle and closes it when done (or destroyed).
  const stream = file.createWriteStream();
  return {
    stream,
    async commit() {
      await syncFile(partial, ino, path);
      await rename(partial, path);
      await syncDirectory(dirname(path));
    },
    async abort() {
      stream.destroy();
      await file.close().catch(() => {});
      await rm(partial, { force: true });
    },
  };
}

/**
 * Flushes the finished partial file to disk (fsync applies to the file, not
 * the descriptor). Checks first that it is still ours: a concurrent attempt
 * may have replaced it, and we must never publish theirs half-written.
 */
async function syncFile(partial: string, ino: number, path: string): Promise<void> {
  const file = await open(partial, 'r');
  try {
    if ((await file.stat()).ino !== ino) {
      throw new Error(`Cannot finish '${path}': the partial file was replaced concurrently`);
    }
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Makes the rename durable; skipped where directories cannot be fsynced. */
async function syncDirectory(path: string): Promise<void> {
  const directory = await open(path, 'r').catch(() => undefined);
  if (!directory) return;
  await directory.sync().catch(() => {});
  await directory.close();
}
