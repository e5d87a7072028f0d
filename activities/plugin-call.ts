/**
 * Loading a plugin module and calling it for one page: the part exporters
 * and erasers share. The plugin gets a context with a signal that aborts on
 * its timeout or on cancellation; the activity keeps heartbeating meanwhile.
 */
import { pathToFileURL } from 'node:url';
import { Context, heartbeat } from '@temporalio/activity';
import { PluginContractError } from '../lib/errors.ts';
import type { ExporterSnapshot } from '../manifest/snapshot.ts';
import type { PluginContext } from '../plugins/contract.ts';

/** How often a long page call still heartbeats, so a slow page is not taken for a dead worker. */
const HEARTBEAT_EVERY_MS = 2_000;

type PluginFunction = (email: string, page: number, ctx: PluginContext) => unknown;

export interface PageCall {
  plugin: ExporterSnapshot;
  kind: 'exporter' | 'eraser';
  requestId: string;
  email: string;
  manifestDir: string;
  page: number;
  dryRun: boolean;
  /** Sent as heartbeat details while the page runs: the resume point of a retry. */
  cursor: unknown;
}

/** Imports the module named in the manifest and picks its plugin function. */
export async function loadPlugin(plugin: ExporterSnapshot, kind: PageCall['kind']): Promise<PluginFunction> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(plugin.modulePath).href)) as Record<string, unknown>;
  } catch (error) {
    throw new PluginContractError(`Cannot load ${kind} "${plugin.key}" from "${plugin.modulePath}": ${(error as Error).message}`);
  }
  const fn = module[plugin.exportName];
  if (typeof fn !== 'function') {
    throw new PluginContractError(`Cannot use ${kind} "${plugin.key}": "${plugin.modulePath}" has no function export "${plugin.exportName}"`);
  }
  return fn as PluginFunction;
}

/**
 * Calls the plugin for one page with its timeout, heartbeating while it works.
 * Every timer and listener is released when the page settles: one left
 * waiting for the timeout would keep the page's data alive until then.
 */
export async function callPage(fn: PluginFunction, call: PageCall): Promise<unknown> {
  const { plugin, page } = call;
  const controller = new AbortController();
  const cancellation = Context.current().cancellationSignal;
  const onCancel = () => controller.abort(new Error(`${call.kind} "${plugin.key}" page ${page} was cancelled`));
  cancellation.addEventListener('abort', onCancel, { once: true });
  const timer = setTimeout(
    () => controller.abort(new Error(`${call.kind} "${plugin.key}" page ${page} did not answer within ${plugin.timeoutMs} ms`)),
    plugin.timeoutMs,
  );
  const beat = setInterval(() => heartbeat(call.cursor), HEARTBEAT_EVERY_MS);
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  const ctx: PluginContext = {
    requestId: call.requestId,
    settings: plugin.settings,
    pageSize: plugin.pageSize,
    manifestDir: call.manifestDir,
    signal: controller.signal,
    dryRun: call.dryRun,
  };
  try {
    return await Promise.race([Promise.resolve().then(() => fn(call.email, page, ctx)), aborted]);
  } finally {
    clearTimeout(timer);
    clearInterval(beat);
    cancellation.removeEventListener('abort', onCancel);
  }
}
