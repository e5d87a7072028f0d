/** The `module` kind in plugins.yaml: a .ts or .js file exporting the WordPress-style callback (module.ts). */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { defineKind, type PluginFactory } from './kind.ts';

const fields = {
  module: z.string().min(1, 'expected a path to a .ts or .js module, relative to plugins.yaml'),
  export: z.string().min(1).default('default'),
};

export const moduleKind = defineKind({
  kind: 'module',
  exporter: fields,
  eraser: fields,
  source: (entry, dir): ModuleSource => ({ kind: 'module', modulePath: resolve(dir, entry.module), exportName: entry.export }),
  check: (entry, dir) =>
    existsSync(resolve(dir, entry.module))
      ? []
      : [{ field: ['module'], message: `no file at "${resolve(dir, entry.module)}"; the path is relative to plugins.yaml` }],
  load: async (): Promise<PluginFactory> => {
    const { loadModulePlugin } = await import('./module.ts');
    return (plugin, source, role) => loadModulePlugin(plugin.key, source, role);
  },
});

export interface ModuleSource {
  kind: 'module';
  /** Absolute path of the .ts or .js file. */
  modulePath: string;
  exportName: string;
}
