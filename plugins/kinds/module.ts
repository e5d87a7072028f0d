/**
 * The `module` kind: a TypeScript or JavaScript file whose default export (or
 * the export the manifest names) is the WordPress-style callback.
 */
import { pathToFileURL } from 'node:url';
import { PluginContractError } from '../../lib/errors.ts';
import type { ModuleSource } from './module-kind.ts';
import type { PluginFunction, PluginRole } from '../contract.ts';

/**
 * Modules imported so far, by URL. Node never loads a module twice anyway; kept here, a page call
 * skips the loader's resolve hook (tsx's, in a thread of its own), which costs milliseconds.
 */
const imported = new Map<string, Promise<Record<string, unknown>>>();

function importOnce(href: string): Promise<Record<string, unknown>> {
  let module = imported.get(href);
  if (module === undefined) {
    module = import(href) as Promise<Record<string, unknown>>;
    imported.set(href, module);
    module.catch(() => imported.delete(href)); // a module that failed to load is tried again (it may be fixed)
  }
  return module;
}

export async function loadModulePlugin(key: string, source: ModuleSource, role: PluginRole): Promise<PluginFunction> {
  let module: Record<string, unknown>;
  try {
    module = await importOnce(pathToFileURL(source.modulePath).href);
  } catch (error) {
    throw new PluginContractError(`Cannot load ${role} "${key}" from "${source.modulePath}": ${(error as Error).message}`);
  }
  const fn = module[source.exportName];
  if (typeof fn !== 'function') {
    throw new PluginContractError(`Cannot use ${role} "${key}": "${source.modulePath}" has no function export "${source.exportName}"`);
  }
  return fn as PluginFunction;
}
