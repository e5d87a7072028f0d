/**
 * Turns a manifest entry of any kind into the one callback shape the engine
 * calls page by page: `(email, page, ctx) → answer`. The answer is checked
 * against the exporter or eraser contract by the caller.
 */
import type { ExporterSnapshot } from '../../manifest/snapshot.ts';
import type { PluginContext } from '../contract.ts';
import { createHttpPlugin } from './http.ts';
import { loadModulePlugin } from './module.ts';
import { createSqlPlugin } from './sql.ts';

export type PluginRole = 'exporter' | 'eraser';
export type PluginFunction = (email: string, page: number, ctx: PluginContext) => unknown;

export async function resolvePlugin(plugin: ExporterSnapshot, role: PluginRole): Promise<PluginFunction> {
  const { source } = plugin;
  switch (source.kind) {
    case 'module':
      return loadModulePlugin(plugin.key, source, role);
    case 'sql':
      return createSqlPlugin(plugin, source, role);
    case 'http':
      return createHttpPlugin(plugin, source, role);
  }
}
