/** The `http` kind (being written). */
import { ManifestError } from '../../lib/errors.ts';
import type { ExporterSnapshot, PluginSource } from '../../manifest/snapshot.ts';
import type { PluginFunction, PluginRole } from './index.ts';

export function createHttpPlugin(plugin: ExporterSnapshot, _source: Extract<PluginSource, { kind: 'http' }>, role: PluginRole): PluginFunction {
  throw new ManifestError(`Cannot run ${role} "${plugin.key}": kind "http" is not available yet`);
}
