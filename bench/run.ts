/**
 * `npm run bench -- --items 1000,10000,100000`: one person with N comments in
 * the demo database, an export request through the real stack (Temporal dev
 * server, worker process, HTTP server, SMTP sink), timed from the click on
 * the confirmation link to the ZIP being ready; then the in-process floor
 * (bench/floor.ts: same pipeline, no Temporal) on the same data, and the
 * request's largest workflow history across its continue-as-new runs.
 * `--no-floor` skips the floor.
 *
 * `npm run bench -- --concurrency 200 [--workers 2]`: throughput and latency
 * of many small exports at once instead (bench/concurrency.ts).
 *
 * `--mail mailpit` sends through Mailpit instead of the in-process SMTP sink,
 * which waits 100 ms before greeting each connection (see below).
 *
 * `npm run bench -- --http-exporters 10 [--page-ms 200]`: ten slow http
 * exporters one at a time and side by side (bench/http-exporters.ts).
 *
 * `npm run bench -- --wordpress 10,100,1000 [--rounds 5]`: real WordPress 6.1
 * and ours side by side, medians of alternating rounds (bench/wordpress.ts).
 *
 * `npm run bench -- --storage 100000`: the export kept on the file system, in
 * an S3 bucket (versitygw), and in the bucket with two workers that share no
 * disk, in one run (bench/storage.ts).
 *
 * `npm run bench -- --erase 1000,50000`: an erasure of one person's N comments
 * instead, with the demo comments eraser alone, timed from the click to
 * `completed`, then checked against the database (bench/erase.ts).
 *
 * Exits non-zero when a ZIP does not hold exactly the N comments, a
 * concurrent request failed, or an erasure left a row with the email or
 * reported other than N removed. The worker runs as its own process so its
 * RSS (VmRSS / VmHWM in /proc) is the worker's alone.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../dev/free-port.ts';
import { startMailCatcher } from '../dev/mail-catcher.ts';
import { findMailpit, mailpitCatcher, startMailpit } from '../dev/mailpit.ts';
import { findTemporalCli, startTemporalDevServer } from '../dev/temporal-server.ts';
import { dataConverter, EncryptionCodec } from '../lib/payload-codec.ts';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../workflows/definitions.ts';
import { countExportItems } from './count-items.ts';
import { CONCURRENCY_HEADER, runConcurrency } from './concurrency.ts';
import { ERASE_HEADER, runErase } from './erase.ts';
import { type FloorResult, runFloorProcess } from './floor.ts';
import { confirmAndFollow, requestHistory, type Shared, seedCommentsExport, startStack } from './stack.ts';
import { VERSITYGW_VERSION } from '../dev/versitygw.ts';
import { runStorage, STORAGE_HEADER } from './storage.ts';
import { printTable } from './table.ts';
import { runWordPress, WORDPRESS_HEADER } from './wordpress.ts';
import { HTTP_EXPORTERS_HEADER, runHttpExporters } from './http-exporters.ts';

const { values } = parseArgs({
  allowNegative: true,
  options: {
    items: { type: 'string', default: '1000,10000,100000' },
    floor: { type: 'boolean', default: true },
    concurrency: { type: 'string' },
    erase: { type: 'string' },
    storage: { type: 'string' },
    mail: { type: 'string', default: 'catcher' },
    workers: { type: 'string', default: '1' },
    wordpress: { type: 'string' },
    'http-exporters': { type: 'string' },
    'page-ms': { type: 'string', default: '200' },
    rounds: { type: 'string', default: '5' },
  },
});
const sizesOf = (list: string) => list.split(',').map((n) => Number(n.replace(/_/g, '')));
const sizes = sizesOf(values.items);
const PERSON = 'bench.person@example.com';

const temporal = await startTemporalDevServer({
  cliPath: findTemporalCli(),
  uiPort: false,
  searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES,
});
if (values.mail !== 'catcher' && values.mail !== 'mailpit') throw new Error(`--mail ${values.mail}: expected catcher or mailpit`);
/**
 * The SMTP sink. `catcher` (in this process, the default, as in every earlier table) waits 100 ms
 * before each greeting (smtp-server's early-talker check): +0.1 s on every request's mail.
 * `mailpit` greets at once, as a relay does, but is one more process on the same cores.
 */
const mail =
  values.mail === 'mailpit'
    ? mailpitCatcher(await startMailpit({ binary: findMailpit(), smtpPort: await freePort(), uiPort: await freePort() }))
    : await startMailCatcher({ smtpPort: 0 });
const connection = await Connection.connect({ address: temporal.address });
const payloadKey = randomBytes(32);
const client = new Client({ connection, dataConverter: dataConverter(new EncryptionCodec([{ id: 'bench', key: payloadKey }])) });
const shared: Shared = { temporalAddress: temporal.address, temporalPid: temporal.pid, mail, client, payloadKey };
let wrong = false;

try {
  if (values.concurrency) {
    const result = await runConcurrency(shared, Number(values.concurrency), Number(values.workers));
    printTable(CONCURRENCY_HEADER, [result.row]);
    for (const failure of result.failures.slice(0, 20)) console.error(`FAILED ${failure}`);
    wrong = result.failures.length > 0;
    console.log(
      `\nnode ${process.version}; latency = just before the POST (skipConfirmation) → download mail accepted by the SMTP sink;\nrequests/s = completed requests / (first POST → last mail); activities per worker from ActivityTaskStarted identities;\nCPU s = user+system CPU (/proc/PID/stat) from the first POST to the last mail; bench = this process: load generator, HTTP server, client, SMTP sink`,
    );
  } else if (values['http-exporters']) {
    const rows = await runHttpExporters(shared, Number(values['http-exporters']), Number(values['page-ms']), Number(values.rounds));
    printTable(HTTP_EXPORTERS_HEADER, rows);
    console.log(
      `\nnode ${process.version}; medians of ${values.rounds} rounds, alternating; each exporter an http plugin answering every page after --page-ms on loopback;\ntime = confirmation click → the workflow's end (ZIP built, release recorded; download delivery, no mail), one worker`,
    );
  } else if (values.wordpress) {
    printTable(WORDPRESS_HEADER, await runWordPress(shared, sizesOf(values.wordpress), Number(values.rounds)));
    console.log(
      `\nnode ${process.version}, ${process.platform}/${process.arch}; medians of ${values.rounds} rounds, WordPress and ours alternating;\nWordPress 6.1 (Debian) = its own export loop over HTTP with warm opcache (../shared/anchors/wordpress/run.php export … http), seeded with N comments by seed.php;\nours = confirmation click → the workflow's end (ZIP built, release recorded; download delivery as WordPress's, no mail), one worker, the demo comments exporter alone or the demo manifest's five exporters`,
    );
  } else if (values.storage) {
    const rows: string[][] = [];
    for (const size of sizesOf(values.storage)) {
      const result = await runStorage(shared, PERSON, size);
      rows.push(...result.rows);
      for (const problem of result.problems) console.error(`WRONG: ${problem}`);
      wrong ||= result.problems.length > 0;
    }
    printTable(STORAGE_HEADER, rows);
    console.log(
      `\nnode ${process.version}, ${process.platform}/${process.arch}; wall = confirmation click → request completed (ZIP stored);\nS3 = versitygw ${VERSITYGW_VERSION} on loopback (POSIX backend on the same disk), ZIP as a multipart upload of 8 MB parts;\nworker RSS = the highest of any worker; activities per worker from ActivityTaskStarted identities (one export stays on its staging host);\nCPU s = user+system CPU (/proc/PID/stat) between the click and completion; bench = this process: HTTP server, client, SMTP sink, polling`,
    );
  } else if (values.erase) {
    const rows: string[][] = [];
    for (const size of sizesOf(values.erase)) {
      const result = await runErase(shared, PERSON, size);
      rows.push(result.row);
      for (const problem of result.problems) console.error(`WRONG: ${problem}`);
      wrong ||= result.problems.length > 0;
    }
    printTable(ERASE_HEADER, rows);
    console.log(
      `\nnode ${process.version}, ${process.platform}/${process.arch}; wall = confirmation click → request completed (receipt written, mail sent);\nthe demo comments eraser alone, pages of 500, anonymising each comment (text kept);\nitems removed = erasure.totals.removed of GET /api/requests/:id (the receipt must say the same);\nrows left = rows of any table of the demo DB with the email in any column, counted after the worker stopped;\nRSS during erasure = highest VmRSS sampled every ~25 ms; peak RSS = VmHWM, which includes bundling the workflow code at worker start;\nCPU s = user+system CPU of each process (/proc/PID/stat) between the click and completion; bench = this process: HTTP server, client, SMTP sink, polling`,
    );
  } else {
    const rows: string[][] = [];
    const floorRows: string[][] = [];
    for (const size of sizes) {
      const { row, floor } = await measure(size);
      rows.push(row);
      if (floor) {
        const f = (s: number) => s.toFixed(2);
        floorRows.push([
          String(size),
          String(floor.pages),
          f(floor.exporterS),
          f(floor.stagingS),
          f(floor.buildS),
          f(floor.totalS),
          floor.peakRssMb?.toFixed(0) ?? '-',
        ]);
      }
    }
    printTable(
      [
        'items',
        'stack s',
        'items/s',
        'floor s',
        'stack/floor',
        'worker RSS during export MB',
        'worker peak RSS MB',
        'ZIP MB',
        'export.json MB',
        'HTML files',
        'max history events (runs)',
        'CPU s worker / temporal / bench',
      ],
      rows,
    );
    if (floorRows.length)
      printTable(
        ['items', 'pages', 'floor: exporter s', 'floor: staging writes s', 'floor: merge+render+zip s', 'floor total s', 'floor peak RSS MB'],
        floorRows,
      );
    console.log(
      `\nnode ${process.version}, ${process.platform}/${process.arch}; stack time = confirmation click → request completed (ZIP written);\nfloor = same exporter → staging → ZIP in one process started like the worker (same heap cap), no Temporal (bench/floor.ts);\nRSS during export = highest VmRSS sampled every ~25 ms; peak RSS = VmHWM, which includes bundling the workflow code at worker start;\nCPU s = user+system CPU of each process (/proc/PID/stat) between the click and completion; bench = this process: HTTP server, client, SMTP sink, polling`,
    );
  }
} finally {
  await connection.close();
  await mail.close();
  await temporal.stop();
}
process.exit(wrong ? 1 : 0);

async function measure(size: number): Promise<{ row: string[]; floor: FloorResult | undefined }> {
  const dir = await mkdtemp(join(tmpdir(), 'dsr-bench-'));
  const { manifest } = await seedCommentsExport(dir, PERSON, size);
  const stack = await startStack(shared, { dir, manifest, workers: 1 });
  try {
    const created = (await stack.api('POST', '/api/requests', { email: PERSON, action: 'export' })).body;
    const { view, seconds, rssDuringMb: exportRss, peakRssMb: peakRss, cpu } = await confirmAndFollow(shared, stack, created.id);
    if (view.status !== 'completed') throw new Error(`bench request failed: ${view.reason}`);
    await stack.close(); // the worker is idle now; stop it before the floor runs
    const history = await requestHistory(client, created.workflow.id, created.workflow.runId);
    const zipPath = stack.paths.exportFile((view.download.url as string).split('/').pop() as string);
    const zipBytes = (await stat(zipPath)).size;
    const counted = await countExportItems(zipPath);
    if (counted.keys !== size || counted.distinct !== size) {
      wrong = true;
      console.error(`WRONG: ${size} comments seeded, ${counted.keys} items (${counted.distinct} distinct) in the ZIP's export.json`);
    }
    const htmlPages = counted.entries.filter((name) => name.endsWith('.html')).length;
    const floor = values.floor ? await runFloorProcess(manifest, PERSON, dir) : undefined;
    if (floor && (floor.items !== size || floor.zipItems !== size + 1)) {
      wrong = true;
      console.error(`WRONG floor: ${size} comments seeded, ${floor.items} exported, ${floor.zipItems} items in its ZIP (About included)`);
    }
    return {
      floor,
      row: [
        String(size),
        seconds.toFixed(2),
        Math.round(size / seconds).toString(),
        floor ? floor.totalS.toFixed(2) : '-',
        floor ? (seconds / floor.totalS).toFixed(1) : '-',
        exportRss.toFixed(0),
        peakRss.toFixed(0),
        (zipBytes / 1e6).toFixed(2),
        (counted.jsonBytes / 1e6).toFixed(1),
        String(htmlPages),
        `${history.maxEvents} (${history.runs})`,
        cpu,
      ],
    };
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
}
