/**
 * The kinds of plugin, one line each. A new kind is its files under
 * plugins/kinds/ (its declaration, `defineKind` in kind.ts, and its page
 * function) and one line here: the manifest's schema, its snapshot and the
 * host take everything else from this list.
 */
import type { PluginSnapshot } from '../../manifest/snapshot.ts';
import type { PluginFunction, PluginRole } from '../contract.ts';
import { httpKind } from './http-kind.ts';
import type { PluginFactory } from './kind.ts';
import { moduleKind } from './module-kind.ts';
import { sqlKind } from './sql-kind.ts';

export const PLUGIN_KINDS = [moduleKind, sqlKind, httpKind] as const;

export type PluginKindName = (typeof PLUGIN_KINDS)[number]['kind'];
export const KIND_NAMES = PLUGIN_KINDS.map((kind) => kind.kind);

/** Where a plugin's pages come from: the source of one of the kinds. */
export type PluginSource = ReturnType<(typeof PLUGIN_KINDS)[number]['source']>;

/** The kind called `name`. */
export function kindNamed(name: PluginKindName): (typeof PLUGIN_KINDS)[number] {
  return PLUGIN_KINDS.find((kind) => kind.kind === name) as (typeof PLUGIN_KINDS)[number];
}

/**
 * Each kind's factory, loaded once per process. A dynamic `import()` of a module already loaded
 * still asks the loader's resolve hook (tsx's, in a thread of its own): a few milliseconds of a
 * small export's time, on every page call.
 */
const factories = new Map<PluginKindName, Promise<PluginFactory>>();

/** The page function of a manifest entry, by its kind. */
export async function resolvePlugin(plugin: PluginSnapshot, role: PluginRole): Promise<PluginFunction> {
  const kind = plugin.source.kind;
  let factory = factories.get(kind);
  if (factory === undefined) {
    factory = kindNamed(kind).load();
    factories.set(kind, factory);
    factory.catch(() => factories.delete(kind)); // a failed load is tried again by the next call
  }
  return (await factory)(plugin, plugin.source as never, role);
}
