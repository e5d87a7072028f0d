/**
 * The worker process: `npm run worker`. Point it at any Temporal cluster and
 * SMTP server by environment (see README, "Production").
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { dataConverter } from '../lib/payload-codec.ts';
import { createActivities } from '../activities/index.ts';
import { exitOnConfigError, loadConfig, required } from '../lib/config.ts';
import { loadRegimes } from '../lib/regimes.ts';
import { createMailer } from '../lib/mailer.ts';
import { RedactingLogger } from '../lib/redacting-logger.ts';
import { EncryptionCodec, parsePayloadKeys } from '../lib/payload-codec.ts';
import { openStore } from '../storage/open-store.ts';
import { connectWorker } from '../lib/temporal.ts';
import { loadManifest } from '../manifest/load.ts';
import { closeSqlConnections } from '../plugins/kinds/sql.ts';
import { createRequestWorker, withBundledWorkflows } from './create-worker.ts';

const config = loadConfig();
// Errors are logged without their messages, which may quote personal data (lib/redacting-logger.ts).
Runtime.install({ logger: new RedactingLogger(new DefaultLogger(config.logLevel)) });

const store = await openStore(config.storage).catch(exitOnConfigError('worker'));
const regimes = await loadRegimes(config.clock);
// Fail at start, not at the first request, when plugins.yaml is wrong.
const manifest = await loadManifest(config.pluginsFile);
const mailer = createMailer({
  smtpUrl: required(config.smtpUrl, 'SMTP_URL', 'the mail server for confirmation and download mails'),
  from: config.mailFrom,
  ledger: store.mailLedger,
});
const payloadCodec = new EncryptionCodec(
  parsePayloadKeys(required(config.payloadKeys, 'PAYLOAD_KEYS', 'encrypts workflow histories; e.g. `k1:$(openssl rand -base64 32)`').reveal()),
);
const connection = await connectWorker(config.temporal);
// With object storage, hosts share no disk: a request's staged pages stay on the host that took its
// first batch, and its staging activities come to this host's own queue (workflows/export-request.ts).
const stagingQueue = config.storage.kind === 's3' ? `${config.temporal.taskQueue}/staging-${hostId(config.storage.stagingDir)}` : undefined;
const activities = createActivities({
  store,
  mailer,
  secret: required(config.appSecret, 'APP_SECRET', 'derives confirmation keys and export file names'),
  site: { name: config.siteName, url: config.siteUrl },
  publicUrl: config.publicUrl,
  manifestFile: config.pluginsFile,
  regimes,
  teamEmails: config.clock.teamEmails,
  stagingQueue,
});
const worker = await withBundledWorkflows({ keepSources: config.workflowStackTraces }, (workflowBundle) =>
  createRequestWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    payloadCodec,
    workflowThread: config.workflowThread,
    cachedWorkflows: config.cachedWorkflows,
    stackTraces: config.workflowStackTraces,
    workflowBundle,
    activities,
  }),
);
const stagingWorker =
  stagingQueue === undefined
    ? undefined
    : await Worker.create({
        connection,
        namespace: config.temporal.namespace,
        taskQueue: stagingQueue,
        activities,
        dataConverter: dataConverter(payloadCodec),
        maxHeartbeatThrottleInterval: '1s',
      });
console.log(`worker: task queue "${config.temporal.taskQueue}" on ${config.temporal.address}, ${manifest.exporters.length} exporter(s) from ${manifest.file}`);
try {
  await Promise.all([worker.run(), stagingWorker?.run()]);
} finally {
  await closeSqlConnections();
  mailer.close();
  await connection.close();
}

/** Names this host's staging: the same after a restart with the same directory, another on another host or directory. */
function hostId(stagingDir: string): string {
  return createHash('sha256')
    .update(`${hostname()}\0${resolve(stagingDir)}`)
    .digest('hex')
    .slice(0, 16);
}
