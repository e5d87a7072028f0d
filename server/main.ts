/**
 * The HTTP server process: `npm run server`. Configure by environment
 * (see README, "Production").
 */
import { AdminUsersError, loadAdminUsers } from './accounts.ts';
import { serve } from '@hono/node-server';
import { Client } from '@temporalio/client';
import { exitOnConfigError, loadConfig, required } from '../lib/config.ts';
import { loadRegimes } from '../lib/regimes.ts';
import { dataConverter, EncryptionCodec, parsePayloadKeys } from '../lib/payload-codec.ts';
import { openStore } from '../storage/open-store.ts';
import { connectClient, ensureSearchAttributes } from '../lib/temporal.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions.ts';
import { createApp } from './app.ts';

const config = loadConfig();
// A wrong REGIMES_FILE, DEFAULT_REGIME or holiday calendar stops the server here, with what to fix.
const regimes = await loadRegimes(config.clock);
const store = await openStore(config.storage).catch(exitOnConfigError('server'));
const connection = await connectClient(config.temporal);
const warning = await ensureSearchAttributes(connection, config.temporal.namespace, SEARCH_ATTRIBUTES);
if (warning) console.warn(`server: ${warning}`);
const payloadCodec = new EncryptionCodec(
  parsePayloadKeys(required(config.payloadKeys, 'PAYLOAD_KEYS', 'decrypts workflow histories; the worker must have the same keys').reveal()),
);
const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: dataConverter(payloadCodec) });

/** ADMIN_USERS, or a clear message and exit: a server must not start with accounts it cannot read. */
async function adminUsers(file: string) {
  try {
    return await loadAdminUsers(file);
  } catch (error) {
    if (!(error instanceof AdminUsersError)) throw error;
    console.error(`server: ${error.message}`);
    process.exit(1);
  }
}

const app = createApp({
  client,
  adminToken: required(config.adminToken, 'ADMIN_TOKEN', 'the bearer token of the admin API'),
  adminLogin: config.adminLogin,
  adminUsers: config.adminUsersFile === undefined ? undefined : await adminUsers(config.adminUsersFile),
  reviewMode: config.reviewMode,
  payloadCodec,
  secret: required(config.appSecret, 'APP_SECRET', 'keys the subject hashes in workflow IDs'),
  store,
  publicUrl: config.publicUrl,
  siteName: config.siteName,
  namespace: config.temporal.namespace,
  temporalUiUrl: config.temporal.uiUrl,
  taskQueue: config.temporal.taskQueue,
  confirmTtlMs: config.confirmTtlMs,
  retentionMs: config.exportRetentionMs,
  failedStagingRetentionMs: config.failedStagingRetentionMs,
  heartbeatTimeoutMs: config.heartbeatTimeoutMs,
  instanceId: config.instanceId,
  temporalUiUpstream: config.temporal.uiUpstream,
  regimes,
  reminderOffsetsMs: config.clock.reminderOffsetsMs,
});

const server = serve({ fetch: app.fetch, port: config.port, ...(config.host === undefined ? {} : { hostname: config.host }) }, (info) => {
  console.log(`server: listening on ${info.address}:${info.port}, public URL ${config.publicUrl}, admin pages ${config.publicUrl}/admin`);
});
server.once('error', (error: NodeJS.ErrnoException) => {
  // EADDRINUSE and the like: say which setting to change, then stop (no stack trace).
  console.error(`server: cannot listen on ${config.host ?? '*'}:${config.port} (${error.code ?? error.name}); set PORT (or HOST) to a free one`);
  process.exit(1);
});
const stop = () => {
  server.close();
  void connection.close();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
