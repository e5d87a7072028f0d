/** The `sql` kind (being written). */
import { ManifestError } from '../../lib/errors.ts';
import type { ExporterSnapshot, PluginSource } from '../../manifest/snapshot.ts';
import type { PluginFunction, PluginRole } from './index.ts';

export function createSqlPlugin(plugin: ExporterSnapshot, _source: Extract<PluginSource, { kind: 'sql' }>, role: PluginRole): PluginFunction {
  throw new ManifestError(`Cannot run ${role} "${plugin.key}": kind "sql" is not available yet`);
}
