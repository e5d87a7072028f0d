/**
 * Reads one file out of a ZIP on disk without reading the rest (a reviewer
 * previews a draft page by page; a draft may hold 100 MB).
 */
import yauzl from 'yauzl';

/** Largest entry handed out whole: a report page is ~2 MB (report/html-report.ts MAX_PAGE_CHARS). */
const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

/** The bytes of entry `name` in the ZIP at `zipPath`, or undefined when the file or the entry is missing. */
export function readZipEntry(zipPath: string, name: string): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true, autoClose: true }, (openError, zip) => {
      if (openError) {
        resolve(undefined); // gone (deleted, or never built): the caller says so
        return;
      }
      const fail = (error: Error) => {
        zip.close();
        reject(error);
      };
      zip.on('error', fail);
      zip.on('end', () => resolve(undefined));
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== name) {
          zip.readEntry();
          return;
        }
        if (entry.uncompressedSize > MAX_ENTRY_BYTES) {
          fail(new RangeError(`Cannot read ${name}: ${entry.uncompressedSize} bytes is more than ${MAX_ENTRY_BYTES}`));
          return;
        }
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return fail(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', fail);
          stream.on('end', () => {
            zip.close();
            resolve(new Uint8Array(Buffer.concat(chunks)));
          });
        });
      });
      zip.readEntry();
    });
  });
}
