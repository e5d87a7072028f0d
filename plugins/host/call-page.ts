/**
 * The plugin host: loading a plugin and calling it for one page, the part the
 * engine's activities, `npm run plugins:check`, the conformance kit and the
 * bench share. The plugin gets a context with a signal that
 * aborts on its timeout or on cancellation; the caller heartbeats meanwhile.
 * Nothing here needs Temporal, so `npm run plugins:check` runs it as is.
 */
import type { PluginSnapshot } from '../../manifest/snapshot.ts';
import type { PluginContext, PluginFunction, PluginRole } from '../contract.ts';
import { resolvePlugin } from '../kinds/registry.ts';
import { pluginCapabilities } from '../permissions.ts';
import { takeSlot } from './page-slots.ts';

/** How often a long page call still heartbeats, so a slow page is not taken for a dead worker. */
const HEARTBEAT_EVERY_MS = 2_000;

export interface PageCall {
  /** Aborts the page when the request is cancelled (the activity's cancellation signal). */
  cancellation: AbortSignal;
  /** Called every few seconds while the page runs, so a slow page is not taken for a dead worker. */
  heartbeat: () => void;
  plugin: PluginSnapshot;
  role: PluginRole;
  requestId: string;
  email: string;
  manifestDir: string;
  page: number;
  /** Exporters: the previous page's `next_cursor`, if it gave one. */
  cursor?: string | undefined;
  dryRun: boolean;
  /** Where a processor answering later posts this page's answer. */
  callbackUrl?: string | undefined;
  /** Asking again about a pending page: the processor's ticket. */
  ticket?: string | undefined;
}

/** The plugin's page function, whatever its kind. */
export function loadPlugin(plugin: PluginSnapshot, role: PluginRole): Promise<PluginFunction> {
  return resolvePlugin(plugin, role);
}

/**
 * Calls the plugin for one page with its timeout, heartbeating while it works.
 * Every timer and listener is released when the page settles: one left
 * waiting for the timeout would keep the page's data alive until then.
 */
export async function callPage(fn: PluginFunction, call: PageCall): Promise<unknown> {
  const { plugin, cancellation } = call;
  if (plugin.concurrency === undefined) return callNow(fn, call);
  // Its turn may take a while when many requests call it: the caller heartbeats meanwhile.
  const beat = setInterval(call.heartbeat, HEARTBEAT_EVERY_MS);
  let release: () => void;
  try {
    release = await takeSlot(`${call.role}:${plugin.key}`, plugin.concurrency, cancellation);
  } finally {
    clearInterval(beat);
  }
  try {
    return await callNow(fn, call);
  } finally {
    release();
  }
}

async function callNow(fn: PluginFunction, call: PageCall): Promise<unknown> {
  const { plugin, page } = call;
  const controller = new AbortController();
  const { cancellation } = call;
  const onCancel = () => controller.abort(new Error(`${call.role} "${plugin.key}" page ${page} was cancelled`));
  cancellation.addEventListener('abort', onCancel, { once: true });
  const timer = setTimeout(
    () => controller.abort(new Error(`${call.role} "${plugin.key}" page ${page} did not answer within ${plugin.timeoutMs} ms`)),
    plugin.timeoutMs,
  );
  const beat = setInterval(call.heartbeat, HEARTBEAT_EVERY_MS);
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  const ctx: PluginContext = {
    requestId: call.requestId,
    settings: plugin.settings,
    pageSize: plugin.pageSize,
    manifestDir: call.manifestDir,
    cursor: call.cursor,
    signal: controller.signal,
    dryRun: call.dryRun,
    ...(call.callbackUrl ? { callbackUrl: call.callbackUrl } : {}),
    ...(call.ticket ? { ticket: call.ticket } : {}),
    ...pluginCapabilities(plugin, call.role, call.manifestDir, controller.signal),
  };
  try {
    return await Promise.race([Promise.resolve().then(() => fn(call.email, page, ctx)), aborted]);
  } finally {
    clearTimeout(timer);
    clearInterval(beat);
    cancellation.removeEventListener('abort', onCancel);
  }
}
