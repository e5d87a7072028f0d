/**
 * Streams generated entries into a ZIP that appears only when complete: into
 * a sink (lib/write-sink.ts) — a file written to `<zipPath>.partial` (mode
 * 0o600), fsynced, then renamed, or an object storage upload. On any error
 * the sink is aborted and nothing is left.
 */
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipArchive } from 'archiver';
import { atomicFileSink, type WriteSink } from '../lib/write-sink.ts';

/** One file of the archive; `content` is called only when its turn comes. */
export interface ZipEntry {
  readonly name: string;
  readonly content: () => Iterable<string>;
}

/** Options of {@link writeZipAtomically}. */
export interface ZipOptions {
  /** zlib compression level. @default 6 */
  readonly level?: number;
  /** Modification time stored for every entry (ZIP times start in 1980). @default new Date() */
  readonly date?: Date;
}

/** What {@link writeZipAtomically} wrote. */
export interface ZipWritten {
  readonly bytes: number;
  /** Hex SHA-256 of the whole ZIP file. */
  readonly sha256: string;
}

const CHUNK = 64 * 1024;

/**
 * Writes `entries`, in order, into a new ZIP at `zipPath` (replacing any
 * previous file there atomically).
 * @throws whatever a generator, archiver or the file system threw; nothing is left at `zipPath` or `zipPath.partial`
 * @example await writeZipAtomically('/exports/x.zip', [{ name: 'a.txt', content: () => ['hi'] }]);
 */
export async function writeZipAtomically(zipPath: string, entries: Iterable<ZipEntry>, options: ZipOptions = {}): Promise<ZipWritten> {
  return writeZip(await atomicFileSink(zipPath), entries, options);
}

/**
 * Writes `entries`, in order, as a ZIP into `sink` (a file, an upload), committed only when whole.
 * @throws whatever a generator, archiver or the sink threw; the sink is aborted, so nothing is left
 */
export async function writeZip(sink: WriteSink, entries: Iterable<ZipEntry>, options: ZipOptions = {}): Promise<ZipWritten> {
  try {
    const hash = createHash('sha256');
    let bytes = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        bytes += chunk.length;
        callback(null, chunk);
      },
    });
    const archive = new ZipArchive({ zlib: { level: options.level ?? 6 } });
    const date = options.date ?? new Date();
    const written = pipeline(archive, tap, sink.stream);
    written.catch(() => {}); // observed below; avoids an unhandled rejection meanwhile
    try {
      for (const entry of entries) await appendEntry(archive, entry, date, written);
      await archive.finalize();
      await written;
    } catch (error) {
      archive.destroy();
      await written.catch(() => {}); // the sink's stream is closed once this settles
      throw error;
    }
    await sink.commit();
    return { bytes, sha256: hash.digest('hex') };
  } catch (error) {
    await sink.abort();
    throw error;
  }
}

// ─── helpers ────────────────────────────────────────────────────────────────

/**
 * Appends one entry and waits until archiver has consumed it. Archiver starts
 * reading a stream as soon as it is appended, so appending all entries at once
 * would run every generator (and its SQLite cursor) concurrently.
 */
function appendEntry(archive: ZipArchive, entry: ZipEntry, date: Date, written: Promise<void>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const source = Readable.from(batched(entry.content()), { objectMode: false });
    const settle = (error?: unknown) => {
      archive.off('entry', onEntry);
      archive.off('error', settle);
      source.off('error', settle);
      if (error === undefined) return resolve();
      // Ends the entry's generator, which releases its SQLite cursor: a statement left
      // mid-iteration keeps its connection busy, and closing that connection would fail.
      source.destroy();
      reject(error);
    };
    const onEntry = (data: { name: string }) => {
      if (data.name === entry.name) settle();
    };
    archive.on('entry', onEntry);
    archive.on('error', settle);
    source.on('error', settle);
    written.then(() => settle(new Error(`Cannot write '${entry.name}': the archive ended early`)), settle);
    archive.append(source, { name: entry.name, date });
  });
}

/** Joins small strings into ~64 KiB buffers: fewer, larger writes into zlib. */
function* batched(parts: Iterable<string>): Generator<Buffer> {
  let pending: string[] = [];
  let length = 0;
  for (const part of parts) {
    pending.push(part);
    length += part.length;
    if (length >= CHUNK) {
      yield Buffer.from(pending.join(''));
      pending = [];
      length = 0;
    }
  }
  if (length > 0) yield Buffer.from(pending.join(''));
}
