/**
 * Counts the comments in an export ZIP without holding it in memory: a
 * million items make a 1.4 GB export.json, more than one string can hold.
 * Streams `export.json` out of the ZIP and finds every item key
 * `"comment-<id>":[`. A value cannot fake one: inside a JSON string a quote
 * is escaped (`\"`), and the match requires an unescaped quote before it.
 */
import yauzl from 'yauzl';

export interface ItemCount {
  /** Item keys seen. */
  keys: number;
  /** Distinct comment ids among them. */
  distinct: number;
  /** Size of export.json, bytes. */
  jsonBytes: number;
  /** Entries of the ZIP, e.g. index.html and the split group pages. */
  entries: string[];
}

const KEY = /(?<!\\)"comment-(\d+)":\[/g;
/** Longer than any key, so one split across two chunks is found in the carried tail. */
const CARRY = 64;

/** @throws {Error} when the file is not a ZIP or holds no export.json */
export function countExportItems(zipPath: string): Promise<ItemCount> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      const result: ItemCount = { keys: 0, distinct: 0, jsonBytes: 0, entries: [] };
      const ids = new Set<number>();
      zip.on('entry', (entry: yauzl.Entry) => {
        result.entries.push(entry.fileName);
        if (entry.fileName !== 'export.json') return zip.readEntry();
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError);
          let tail = '';
          stream.on('data', (chunk: Buffer) => {
            result.jsonBytes += chunk.length;
            const text = tail + chunk.toString('latin1'); // keys are ASCII; latin1 never splits a character
            let end = 0;
            for (const match of text.matchAll(KEY)) {
              const stop = (match.index ?? 0) + match[0].length;
              if (stop <= tail.length) continue; // counted with the previous chunk
              result.keys += 1;
              ids.add(Number(match[1]));
              end = stop;
            }
            tail = text.slice(Math.max(end, text.length - CARRY));
          });
          stream.on('end', () => zip.readEntry());
          stream.on('error', reject);
        });
      });
      zip.on('end', () => {
        result.distinct = ids.size;
        if (!result.entries.includes('export.json')) reject(new Error(`${zipPath} holds no export.json`));
        else resolve(result);
      });
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}
