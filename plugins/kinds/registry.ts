/**
 * The kinds of plugin, one line each: how a manifest entry of that kind
 * becomes the page function the host calls. A new kind is its folder (or
 * file) under plugins/kinds/ and one line here (and its fields in
 * manifest/schema.ts).
 */
import type { PluginSnapshot, PluginSource } from '../../manifest/snapshot.ts';
import type { PluginFunction, PluginRole } from '../contract.ts';
import { createHttpPlugin } from './http.ts';
import { loadModulePlugin } from './module.ts';
import { createSqlPlugin } from './sql.ts';

type Factory<K extends PluginSource['kind']> = (
  plugin: PluginSnapshot,
  source: Extract<PluginSource, { kind: K }>,
  role: PluginRole,
) => PluginFunction | Promise<PluginFunction>;

export const PLUGIN_KINDS: { [K in PluginSource['kind']]: Factory<K> } = {
  module: (plugin, source, role) => loadModulePlugin(plugin.key, source, role),
  sql: createSqlPlugin,
  http: createHttpPlugin,
};

/** The page function of a manifest entry, by its kind. */
export async function resolvePlugin(plugin: PluginSnapshot, role: PluginRole): Promise<PluginFunction> {
  const factory = PLUGIN_KINDS[plugin.source.kind] as Factory<typeof plugin.source.kind>;
  return factory(plugin, plugin.source, role);
}
