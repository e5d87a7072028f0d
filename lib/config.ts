/**
 * Configuration from the environment, validated once at start with messages
 * that say what to fix. Only the variables listed here are read (an
 * allow-list), and secrets serialise to `{}` so a logged config leaks nothing.
 */
import { REVIEW_MODES, type ReviewMode } from '../model/review.ts';
import { z } from 'zod';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './errors.ts';
import { parseDuration } from './duration.ts';
import { isTimeZone } from './calendar.ts';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `expected a duration such as "24h", "3d", "90s" or "500ms", got "${text}"` });
        return z.NEVER;
      }
      return ms;
    });

const port = z.coerce.number().int().min(0).max(65535);

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('dsr'),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: z.enum(['true', 'false']).optional(),
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_UI_URL: z.url().optional(),
  /** A Temporal Web UI (started with public path /admin/temporal) to serve behind the admin sign-in. */
  TEMPORAL_UI_UPSTREAM: z.url().optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'expected smtp://host:port or smtps://user:pass@host:port')
    .optional(),
  MAIL_FROM: z.string().min(3).default('Privacy Team <privacy@localhost>'),
  PLUGINS_FILE: z.string().min(1).default('plugins.yaml'),
  PORT: port.default(3000),
  /** Interface the HTTP server listens on; every interface when unset (npm start: 127.0.0.1). */
  HOST: z.string().min(1).optional(),
  /** A random name for this start, shown by /healthz (npm start sets it to know its own server). */
  INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected letters, digits, - and _')
    .optional(),
  PUBLIC_URL: z.url().optional(),
  STORAGE_DIR: z.string().min(1).default('var/storage'),
  /** Where kept files live: `file:<dir>` (default: STORAGE_DIR) or `s3://bucket/prefix`. */
  STORAGE_URL: z
    .string()
    .regex(/^(file:.+|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?)$/, 'expected file:<directory> or s3://<bucket>/<prefix>')
    .optional(),
  /** Object storage: an S3-compatible server's URL (absent: AWS), path-style URLs, server-side encryption. */
  S3_ENDPOINT: z.url().optional(),
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).optional(),
  S3_SSE: z.enum(['AES256', 'aws:kms']).optional(),
  AWS_REGION: z.string().min(1).optional(),
  /** With object storage: this host's working directory for staged pages (default: <tmp>/dsr-staging). */
  STAGING_DIR: z.string().min(1).optional(),
  SITE_NAME: z.string().min(1).default('Example Site'),
  SITE_URL: z.url().optional(),
  APP_SECRET: z.string().min(32, 'must be at least 32 characters of random text (e.g. `openssl rand -hex 32`)').optional(),
  ADMIN_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    // RFC 6750's token68: anything else cannot be sent as "Authorization: Bearer <token>".
    .regex(
      /^[A-Za-z0-9\-._~+/]+=*$/,
      'must be sendable as a bearer token: letters, digits and - . _ ~ + / (then = only at the end), e.g. `openssl rand -hex 24`',
    )
    .optional(),
  PAYLOAD_KEYS: z.string().min(1).optional(),
  ADMIN_USERNAME: z.string().trim().min(1).max(100).optional(),
  ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  CONFIRM_TTL: duration('24h'),
  EXPORT_RETENTION: duration('3d'),
  FAILED_STAGING_RETENTION: duration('24h'),
  HEARTBEAT_TIMEOUT: duration('30s'),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  /** The regime a request is answered under when neither the API nor the form names one. */
  DEFAULT_REGIME: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,30}$/, 'expected a regime id such as "gdpr", "uk-gdpr", "ccpa" or "us-va"')
    .default('gdpr'),
  /** A YAML file that changes built-in regimes or adds new ones (see docs/DEADLINES.md). */
  REGIMES_FILE: z.string().min(1).optional(),
  /** The organisation's time zone: the one its days begin and end in. */
  ORG_TIME_ZONE: z.string().refine(isTimeZone, 'expected an IANA time zone such as "Europe/Berlin", "America/Los_Angeles" or "UTC"').default('UTC'),
  /** Public holidays for regimes that name none (a date-holidays code: "DE", "DE-BY", "FR", "GB-ENG", "US-CA"). */
  HOLIDAY_CALENDAR: z
    .string()
    .regex(/^[A-Z]{2}(-[A-Z0-9]{1,4})?$/, 'expected a country code, optionally with a region, e.g. "DE", "DE-BY", "GB-ENG", "US-CA"')
    .optional(),
  /** Further days off, e.g. "2026-12-24,2026-12-31". */
  HOLIDAYS: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(\s*,\s*\d{4}-\d{2}-\d{2})*$/, 'expected dates as YYYY-MM-DD separated by commas, e.g. "2026-12-24,2026-12-31"')
    .optional(),
  /** How long before a due date the team is reminded, e.g. "7d,2d"; and once more when it is missed. */
  REMINDER_OFFSETS: z
    .string()
    .default('7d,2d')
    .transform((text, ctx) => {
      const offsets = text.split(',').map((part) => parseDuration(part.trim()));
      if (offsets.some((ms) => ms === undefined || ms <= 0)) {
        ctx.addIssue({ code: 'custom', message: `expected durations separated by commas, e.g. "7d,2d" or "36h", got "${text}"` });
        return z.NEVER;
      }
      return offsets as number[];
    }),
  /** Who hears of requests near or past their due date: one address or several, separated by commas. */
  ADMIN_EMAIL: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.email('expected email addresses separated by commas, e.g. "privacy@example.com,dpo@example.com"')).min(1))
    .optional(),
  WORKFLOW_THREAD: z.enum(['main', 'own']).default('main'),
  /** Workflows the worker keeps in memory between their tasks (one evicted replays its history on its next). */
  /** The Temporal UI's stack trace of a running workflow: a hook on every promise of the worker's main thread when on. */
  WORKFLOW_STACK_TRACES: z.enum(['on', 'off'], 'expected on or off').default('off'),
  WORKER_CACHED_WORKFLOWS: z.coerce.number('expected a whole number of workflows, e.g. 1000').int().min(1).max(100_000).default(1000),
  /** Review of exports before release: off, optional (per request) or required (every export). */
  REVIEW: z.enum(REVIEW_MODES, `expected one of ${REVIEW_MODES.join(', ')}`).default('off'),
  /** A YAML file of named admin accounts (server/accounts.ts; `npm run admin:user` makes entries). */
  ADMIN_USERS: z.string().trim().min(1).optional(),
});

/** Secrets are kept out of JSON and `util.inspect` output. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The secret text: pass it only to the code that needs it. */
  reveal(): string {
    return this.#value;
  }
  toJSON(): Record<string, never> {
    return {};
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'Secret(***)';
  }
}

export interface Config {
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    apiKey: Secret | undefined;
    tls: boolean;
    clientCertPath: string | undefined;
    clientKeyPath: string | undefined;
    uiUrl: string | undefined;
    uiUpstream: string | undefined;
  };
  smtpUrl: string | undefined;
  mailFrom: string;
  pluginsFile: string;
  port: number;
  host: string | undefined;
  instanceId: string | undefined;
  publicUrl: string;
  storageDir: string;
  /** What the service keeps, and where (storage/open-store.ts). */
  storage:
    | { kind: 'file'; dir: string }
    | {
        kind: 's3';
        bucket: string;
        prefix: string;
        endpoint: string | undefined;
        region: string | undefined;
        forcePathStyle: boolean | undefined;
        serverSideEncryption: 'AES256' | 'aws:kms' | undefined;
        stagingDir: string;
      };
  siteName: string;
  siteUrl: string;
  appSecret: Secret | undefined;
  adminToken: Secret | undefined;
  /** `id:base64key,…` for lib/payload-codec.ts; the first key encrypts. */
  payloadKeys: Secret | undefined;
  /** Sign-in to the admin pages by name and password, besides the token (ADMIN_USERNAME + ADMIN_PASSWORD). */
  adminLogin: { username: string; password: Secret } | undefined;
  confirmTtlMs: number;
  exportRetentionMs: number;
  /** How long a failed export's staged pages wait for a retry before they are deleted. */
  failedStagingRetentionMs: number;
  heartbeatTimeoutMs: number;
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** The legal clock: the default regime, the file that changes the table, the organisation's days, the team's reminders. */
  clock: {
    defaultRegime: string;
    regimesFile: string | undefined;
    timeZone: string;
    holidayCalendar: string | undefined;
    extraHolidays: string[];
    reminderOffsetsMs: number[];
    teamEmails: string[];
  };
  /**
   * Where the worker runs workflow code: `main` (its main thread: one V8 isolate fewer,
   * ~30 MB less resident) or `own` (a worker thread: ~25% more throughput with hundreds of
   * requests in flight at once). bench/RESULTS.md has the numbers.
   */
  workflowThread: 'main' | 'own';
  /** Workflows kept in the worker's memory between their tasks (WORKER_CACHED_WORKFLOWS). */
  cachedWorkflows: number;
  /** Whether the Temporal UI can show a running workflow's stack trace (WORKFLOW_STACK_TRACES; costs CPU on every promise). */
  workflowStackTraces: boolean;
  /** Whether exports are reviewed before release (REVIEW). */
  reviewMode: ReviewMode;
  /** Where the named admin accounts are (ADMIN_USERS), if any. */
  adminUsersFile: string | undefined;
}

/**
 * Reads and validates the configuration.
 * @param env the environment to read (default `process.env`)
 * @throws {ConfigError} listing every invalid variable and what would be valid
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked = Object.fromEntries(Object.keys(envSchema.shape).flatMap((name) => (env[name] === undefined || env[name] === '' ? [] : [[name, env[name]]])));
  const parsed = envSchema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Cannot start: invalid environment\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if ((e.ADMIN_USERNAME === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    const missing = e.ADMIN_USERNAME === undefined ? 'ADMIN_USERNAME' : 'ADMIN_PASSWORD';
    throw new ConfigError(`Cannot start: invalid environment\n  ${missing}: must be set too (ADMIN_USERNAME and ADMIN_PASSWORD go together), or unset both`);
  }
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      apiKey: e.TEMPORAL_API_KEY === undefined ? undefined : new Secret(e.TEMPORAL_API_KEY),
      tls: e.TEMPORAL_TLS === 'true' || e.TEMPORAL_API_KEY !== undefined || e.TEMPORAL_TLS_CLIENT_CERT_PATH !== undefined,
      clientCertPath: e.TEMPORAL_TLS_CLIENT_CERT_PATH,
      clientKeyPath: e.TEMPORAL_TLS_CLIENT_KEY_PATH,
      uiUrl: e.TEMPORAL_UI_URL?.replace(/\/+$/, ''),
      uiUpstream: e.TEMPORAL_UI_UPSTREAM,
    },
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    pluginsFile: e.PLUGINS_FILE,
    port: e.PORT,
    host: e.HOST,
    instanceId: e.INSTANCE_ID,
    publicUrl,
    storageDir: e.STORAGE_DIR,
    storage: storageOf(e),
    siteName: e.SITE_NAME,
    siteUrl: (e.SITE_URL ?? publicUrl).replace(/\/+$/, ''),
    appSecret: e.APP_SECRET === undefined ? undefined : new Secret(e.APP_SECRET),
    adminToken: e.ADMIN_TOKEN === undefined ? undefined : new Secret(e.ADMIN_TOKEN),
    payloadKeys: e.PAYLOAD_KEYS === undefined ? undefined : new Secret(e.PAYLOAD_KEYS),
    adminLogin:
      e.ADMIN_USERNAME === undefined || e.ADMIN_PASSWORD === undefined ? undefined : { username: e.ADMIN_USERNAME, password: new Secret(e.ADMIN_PASSWORD) },
    confirmTtlMs: e.CONFIRM_TTL,
    exportRetentionMs: e.EXPORT_RETENTION,
    failedStagingRetentionMs: e.FAILED_STAGING_RETENTION,
    heartbeatTimeoutMs: e.HEARTBEAT_TIMEOUT,
    logLevel: e.LOG_LEVEL,
    clock: {
      defaultRegime: e.DEFAULT_REGIME,
      regimesFile: e.REGIMES_FILE,
      timeZone: e.ORG_TIME_ZONE,
      holidayCalendar: e.HOLIDAY_CALENDAR,
      extraHolidays: e.HOLIDAYS === undefined ? [] : e.HOLIDAYS.split(',').map((date) => date.trim()),
      reminderOffsetsMs: e.REMINDER_OFFSETS,
      teamEmails: e.ADMIN_EMAIL ?? [],
    },
    workflowThread: e.WORKFLOW_THREAD,
    cachedWorkflows: e.WORKER_CACHED_WORKFLOWS,
    workflowStackTraces: e.WORKFLOW_STACK_TRACES === 'on',
    reviewMode: e.REVIEW,
    adminUsersFile: e.ADMIN_USERS,
  };
}

/**
 * Returns a required setting or explains which variable to set.
 * @throws {ConfigError} when the value is missing
 */
export function required<T>(value: T | undefined, variable: string, purpose: string): T {
  if (value === undefined) throw new ConfigError(`Cannot start: ${variable} is not set (${purpose})`);
  return value;
}

/** STORAGE_URL (or STORAGE_DIR) as the store to open. */
function storageOf(e: z.output<typeof envSchema>): Config['storage'] {
  const url = e.STORAGE_URL;
  if (url === undefined || url.startsWith('file:')) return { kind: 'file', dir: url === undefined ? e.STORAGE_DIR : url.slice('file:'.length) };
  const [, bucket = '', rest = ''] = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url) ?? [];
  const prefix = rest.replace(/^\/+|\/+$/g, '');
  return {
    kind: 's3',
    bucket,
    prefix: prefix === '' ? '' : `${prefix}/`,
    endpoint: e.S3_ENDPOINT,
    region: e.AWS_REGION,
    forcePathStyle: e.S3_FORCE_PATH_STYLE === undefined ? undefined : e.S3_FORCE_PATH_STYLE === 'true',
    serverSideEncryption: e.S3_SSE,
    stagingDir: e.STAGING_DIR ?? join(tmpdir(), 'dsr-staging'),
  };
}

/**
 * For a process's start: a ConfigError (a wrong variable, a bucket that does not answer) is said
 * plainly — what to fix, no stack trace — and the process exits 1; anything else is rethrown.
 * @example const store = await openStore(config.storage).catch(exitOnConfigError('worker'));
 */
export function exitOnConfigError(who: string): (error: unknown) => never {
  return (error) => {
    if (error instanceof ConfigError) {
      console.error(`${who}: ${error.message}`);
      process.exit(1);
    }
    throw error;
  };
}
