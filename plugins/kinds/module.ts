/**
 * The `module` kind: a TypeScript or JavaScript file whose default export (or
 * the export the manifest names) is the WordPress-style callback.
 */
import { pathToFileURL } from 'node:url';
import { PluginContractError } from '../../lib/errors.ts';
import type { ModuleSource } from './module-kind.ts';
import type { PluginFunction, PluginRole } from '../contract.ts';

export async function loadModulePlugin(key: string, source: ModuleSource, role: PluginRole): Promise<PluginFunction> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(source.modulePath).href)) as Record<string, unknown>;
  } catch (error) {
    throw new PluginContractError(`Cannot load ${role} "${key}" from "${source.modulePath}": ${(error as Error).message}`);
  }
  const fn = module[source.exportName];
  if (typeof fn !== 'function') {
    throw new PluginContractError(`Cannot use ${role} "${key}": "${source.modulePath}" has no function export "${source.exportName}"`);
  }
  return fn as PluginFunction;
}
