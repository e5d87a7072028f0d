/**
 * The request model: what a personal-data request is, whatever runs it. The
 * actions and their words, the statuses, the record every part reads (the
 * memo), erasure results, live progress and the ids. Workflows, activities,
 * the server and the admin pages import it; it imports nothing of theirs,
 * and nothing from Node (the workflow sandbox loads it).
 */
import type { AuditEntry } from './audit.ts';
import type { Denial, RequestClock } from './clock.ts';
import type { Locale } from './locale.ts';
import type { Review } from './review.ts';

/**
 * The kinds of request, each described once: adding one is an entry here, its workflow, its
 * activities and its mail texts (see docs/ARCHITECTURE.md).
 */
export const REQUEST_ACTIONS = {
  export: {
    /** What the admin pages call it. */
    label: 'Export personal data',
    /** What the person picks on the public form. */
    personLabel: 'Send me a copy of my data',
    /** How mails to the person name the request: "your …". */
    personRequest: 'request for a copy of your personal data',
    /** "Export request for …"; lower case in sentences ("the export is starting"). */
    noun: 'Export',
    /** The list's Action column. */
    short: 'Export',
    /** The admin's button that confirms without the person. */
    confirmNow: 'Confirm now and export',
    /** The workflow type that runs it (workflows/index.ts exports a function of this name). */
    workflowType: 'exportRequest',
    /** The manifest's list whose plugins it runs, as the progress bar names them, and what they do to items. */
    pluginRole: 'exporter',
    pluginWord: 'Exporter',
    itemsVerb: 'exported',
    /** It delivers a file the person downloads. */
    delivers: true,
    /** It changes data for good: its confirmation is asked twice and shown in red. */
    destructive: false,
    /** It can run as a dry run: report what it would do, change nothing. */
    dryRunnable: false,
  },
  erase: {
    label: 'Erase personal data',
    personLabel: 'Erase my data',
    personRequest: 'request to erase your personal data',
    noun: 'Erasure',
    short: 'Erase',
    confirmNow: 'Erase now',
    workflowType: 'eraseRequest',
    pluginRole: 'eraser',
    pluginWord: 'Eraser',
    itemsVerb: 'removed',
    delivers: false,
    destructive: true,
    dryRunnable: true,
  },
} as const;

export type RequestAction = keyof typeof REQUEST_ACTIONS;
export const REQUEST_ACTION_NAMES = Object.keys(REQUEST_ACTIONS) as [RequestAction, ...RequestAction[]];

/** Whether `value` names a kind of request. */
export function isRequestAction(value: unknown): value is RequestAction {
  return typeof value === 'string' && Object.hasOwn(REQUEST_ACTIONS, value);
}
/** The actions that can run as a dry run. */
export const DRY_RUNNABLE_ACTIONS = REQUEST_ACTION_NAMES.filter((name) => REQUEST_ACTIONS[name].dryRunnable);

/**
 * WordPress's four statuses, plus `processing` while plugins run, `reviewing` while a built export
 * awaits its reviewer (model/review.ts) and `denied` for a refusal (with its grounds, see
 * model/clock.ts); in the order the admin list and the API show them.
 */
export const REQUEST_STATUSES = ['pending', 'confirmed', 'processing', 'reviewing', 'completed', 'failed', 'denied'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** One exporter at work, at its page. */
export interface RunningPlugin {
  index: number;
  key: string;
  name: string;
  page: number;
}

export interface Progress {
  status: RequestStatus;
  /** How many exporters (or erasers) the manifest snapshot lists. */
  pluginsTotal: number;
  /** The one at work now (one plugin at a time: erasers, and exports recorded before exporters ran side by side). */
  plugin?: { index: number; key: string; name: string };
  /** Exporters at work side by side, each at its page, in manifest order. */
  running?: RunningPlugin[];
  /** Exporters done (with `running`). */
  pluginsDone?: number;
  page: number;
  /** Items exported so far (exports) or removed so far (erasures). */
  items: number;
  /** While the ZIP is written: items written to export.json, of how many. */
  zip?: { written: number; total: number };
  /** While a plugin's or the ZIP's activity is being retried: the attempt under way and what the last one failed with. */
  retry?: { attempt: number; errorType: string };
}

/** What pages of an eraser added up to: one batch's, or a whole eraser's. */
export interface EraseCounts {
  pages: number;
  itemsRemoved: boolean;
  itemsRetained: boolean;
  /** Counts, where the eraser reports them. */
  removed: number;
  retained: number;
  /** Its messages in order, e.g. what was kept and why. */
  messages: string[];
}

/** A processor's signed receipt of an erasure, as kept in the erasure receipt. */
export interface ProcessorReceipt {
  page: number;
  /** The signature matched the plugin's `receiptSecret`. */
  verified: boolean;
  /** What the processor says it erased, when and by whom (its JSON), when it could be read. */
  body?: unknown;
  /** Why it is not verified. */
  problem?: string;
}

/** A page a processor accepted for later (HTTP 202), and how its answer came. */
export interface AwaitedPage {
  page: number;
  /** When the processor accepted it. */
  since: string;
  /** When its time runs out (asyncTimeout after `since`). */
  until?: string;
  answeredAt?: string;
  via?: 'callback' | 'poll';
  /** No answer within its asyncTimeout: reported as not confirmed by the processor, never as done. */
  notConfirmed?: boolean;
}

/** What one eraser did (or, in a dry run, would do). */
export interface EraserOutcome extends EraseCounts {
  key: string;
  name: string;
  /** Messages beyond the first few hundred, counted rather than kept. */
  messagesOmitted?: number;
  startedAt: string;
  finishedAt?: string;
  /** Why it did not run, e.g. no plan mode in a dry run. */
  skipped?: string;
  /** Pages its processor accepted for later, and how each was answered. */
  awaited?: AwaitedPage[];
  /** Its processor's signed receipts. */
  receipts?: ProcessorReceipt[];
}

/** A recipient told of the erasure (GDPR Art. 19), and whether it acknowledged. */
export interface RecipientNotice {
  key: string;
  name: string;
  /** What was disclosed to it, as plugins.yaml says. */
  disclosed?: string;
  /** When it took the notice (an answer 200 or 202). */
  notifiedAt?: string;
  acknowledgedAt?: string;
  /** How its acknowledgement came: with the notice's answer, to its callback, or when asked again. */
  via?: 'answer' | 'callback' | 'poll';
  /** What it said with its acknowledgement. */
  message?: string;
  /** Its time to acknowledge (asyncTimeout after the notice) ran out. */
  notAcknowledged?: boolean;
  /** It could not be told: what went wrong (error name and message, no personal data). */
  failed?: string;
}

export interface ErasureReport {
  erasers: EraserOutcome[];
  /** Recipients told of the erasure (absent when plugins.yaml names none). */
  notified?: RecipientNotice[];
  totals: { itemsRemoved: boolean; itemsRetained: boolean; removed: number; retained: number };
}

/** Where one exporter of an export stands: the page it asks for next, or done. */
export interface ExporterPosition {
  page: number;
  done: boolean;
}

/** Where a failed export stopped: its staged pages up to here are kept for a retry. */
export interface ExportResumePoint {
  /**
   * Where each exporter stood (exporters run side by side). Absent in points recorded before:
   * the exporters before `exporterIndex` were done, the rest not begun.
   */
  exporters?: ExporterPosition[];
  /** The first exporter not done (its position in the manifest snapshot). */
  exporterIndex: number;
  /** Its first page not yet staged. */
  page: number;
  /** Items staged so far. */
  items: number;
  /** The manifest snapshot the pages were staged with; a retry resumes only with the same one. */
  manifestDigest: string;
}

/** The request's record, kept in the workflow memo so the API can read it without a worker. */
export interface RequestMemo {
  /** The legal clock: regime, due date, its history (absent in requests made before it existed). */
  deadline?: RequestClock;
  /** A refusal: its ground, reasons and, where the regime has them, the time to appeal. */
  denial?: Denial;
  requestId: string;
  email: string;
  action: RequestAction;
  status: RequestStatus;
  reason?: string;
  createdAt: string;
  confirmedAt?: string;
  /** Who confirmed: the person through the mailed link, or an admin. */
  confirmedBy?: 'person' | 'admin';
  completedAt?: string;
  /** SHA-256 of the current confirmation key; the key itself is only in the mail. */
  keyHash?: string;
  keyExpiresAt?: string;
  sendAsEmail: boolean;
  /** The language of every mail to the person (absent in requests made before: English). */
  locale?: Locale;
  manifestDigest?: string;
  /** A failed export: where it stopped; a retry resumes there (see ExportRequestInput.resumeFromRequest). */
  resumeFrom?: ExportResumePoint;
  /** A retry that resumed: the failed request whose staged pages it took over. */
  resumedFrom?: string;
  items?: number;
  /** Exports: groups the report holds that their exporter's `processing:` does not declare (drift). */
  undeclared?: { plugin: string; group: string; label: string; items: number }[];
  download?: { file: string; bytes: number; sha256: string; expiresAt: string };
  /** Erasures: a plan only, nothing changed. */
  dryRun?: boolean;
  erasure?: ErasureReport;
  /** Erasures: the proof kept after the request (see activities/receipts.ts). */
  receipt?: { sha256: string };
  /** Exports reviewed before release: the draft, what was withheld, the decision. */
  review?: Review;
  /** Who did what to the request, when and why (model/audit.ts). */
  audit?: AuditEntry[];
  /**
   * Processors that may answer later: which plugins may call back (and the variable of the key
   * their callbacks are signed with), the pages answered so far ("plugin|page": a replay changes
   * nothing), and what the request waits for now.
   */
  callbacks?: {
    plugins: Record<string, { secret?: string }>;
    answered: string[];
    waiting?: { plugin: string; name: string; page: number; since: string; until: string; required: boolean };
  };
}

/** A request id: `<action>-<subject hash>-<10 random characters>`; safe to log and to show. */
export const REQUEST_ID_PATTERN = new RegExp(`^(${Object.keys(REQUEST_ACTIONS).join('|')})-([0-9a-f]{32})-([a-z0-9]{10})$`);

/** Workflow ID: one running request per person and action, without the email in it. */
export function requestWorkflowId(action: RequestAction, subject: string): string {
  return `dsr-${action}-${subject}`;
}

/** Workflow ID of a denied request's appeal: its own workflow, with its own clock. */
export function appealWorkflowId(requestId: string): string {
  return `dsr-appeal-${requestId}`;
}

/**
 * Workflow ID of the `n`th re-application of a completed erasure (e.g. after a backup was restored).
 * Its callbacks name `reapplyRunId(requestId, n)` in place of the request id.
 */
export function reapplyWorkflowId(requestId: string, n: number): string {
  return `dsr-reapply-${requestId}-${n}`;
}

/** How a re-application's processors address it: the request id and the run's number. */
export function reapplyRunId(requestId: string, n: number): string {
  return `${requestId}.r${n}`;
}

/** The request id and run number of a re-application's id, or undefined for a plain request id. */
export function parseReapplyRunId(id: string): { requestId: string; n: number } | undefined {
  const match = /^(.+)\.r([1-9][0-9]{0,5})$/.exec(id);
  return match ? { requestId: match[1] as string, n: Number(match[2]) } : undefined;
}

/** Workflow ID of the child that deletes an export file at the end of its retention. */
export function cleanupWorkflowId(requestId: string): string {
  return `dsr-export-cleanup-${requestId}`;
}

/** Workflow ID of the child that deletes the staged pages of a failed export nobody retried. */
export function stagingCleanupWorkflowId(requestId: string): string {
  return `dsr-staging-cleanup-${requestId}`;
}
