/**
 * Where a small request's time goes: `node --import tsx bench/trace-history.ts 10`
 * (after `npm run bench` once, so the Temporal CLI is built) runs exports of one
 * person's N comments through the real stack (a warm-up, then `ROUNDS`, default 3),
 * prints each one's time from the confirmation click to the workflow's end, then the
 * last one's history event by event, in milliseconds from the confirmation signal.
 * With `BENCH_WORKER_PROFILE=<dir>` the worker writes a CPU profile there.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';

const { temporal } = proto;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
import { startMailCatcher } from '../dev/mail-catcher.ts';
import { findTemporalCli, startTemporalDevServer } from '../dev/temporal-server.ts';
import { dataConverter, EncryptionCodec } from '../lib/payload-codec.ts';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../workflows/definitions.ts';
import { seedCommentsExport, startStack, timeToEnd } from './stack.ts';

const size = Number(process.argv[2] ?? 10);
const temporalServer = await startTemporalDevServer({ cliPath: findTemporalCli(), uiPort: false, searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES });
const mail = await startMailCatcher({ smtpPort: 0 });
const connection = await Connection.connect({ address: temporalServer.address });
const payloadKey = randomBytes(32);
const client = new Client({ connection, dataConverter: dataConverter(new EncryptionCodec([{ id: 'bench', key: payloadKey }])) });
const shared = { temporalAddress: temporalServer.address, temporalPid: temporalServer.pid, mail, client, payloadKey };
const dir = await mkdtemp(join(tmpdir(), 'dsr-trace-'));
const { manifest } = await seedCommentsExport(dir, 'trace@example.com', size);
const stack = await startStack(shared, { dir, manifest, workers: 1 });
try {
  await timeToEnd(shared, stack, 'trace@example.com'); // warm-up
  for (let round = 0; round < Number(process.env.ROUNDS ?? 3); round++) {
    const { seconds } = await timeToEnd(shared, stack, 'trace@example.com');
    console.log(`round ${round}: ${(seconds * 1000).toFixed(0)} ms`);
  }
  const list = (await stack.api('GET', '/api/requests')).body.requests as { id: string; workflow?: { id: string } }[];
  const latest = list[0] as { id: string };
  const view = (await stack.api('GET', `/api/requests/${latest.id}`)).body;
  const history = await client.workflow.getHandle(view.workflow.id).fetchHistory();
  const events = history.events ?? [];
  const t = (e: HistoryEvent) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6);
  const signal = events.find((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) ?? events[0];
  const zero = t(signal as HistoryEvent);
  for (const e of events) {
    const name = temporal.api.enums.v1.EventType[e.eventType ?? 0]?.replace('EVENT_TYPE_', '');
    const detail = e.activityTaskScheduledEventAttributes?.activityType?.name ?? e.markerRecordedEventAttributes?.markerName ?? '';
    console.log(`${String(t(e) - zero).padStart(6)} ms  ${e.eventId} ${name} ${detail}`);
  }
} finally {
  await stack.close();
  await connection.close();
  await mail.close();
  await temporalServer.stop();
}
