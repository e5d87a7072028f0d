/**
 * A plugin context for calling a plugin directly in a test, built the way
 * `callPage` builds it: the capabilities (`fetch`, `env`, `readFile`,
 * `resolvePath`) are scoped by {@link pluginCapabilities} to the given
 * permissions, which by default allow reading and changing `manifestDir` only.
 */
import type { PluginContext } from '../../plugins/contract.ts';
import { pluginCapabilities } from '../../plugins/permissions.ts';
import type { Permissions } from '../../manifest/snapshot.ts';

export interface TestContextOptions {
  /** Directory relative paths are resolved against. */
  manifestDir: string;
  /** @default {} */
  settings?: Record<string, unknown>;
  /** @default undefined */
  pageSize?: number | undefined;
  /** The previous page's `next_cursor`. */
  cursor?: string | undefined;
  /** @default 'req-test' */
  requestId?: string;
  /** @default false */
  dryRun?: boolean;
  /** @default a signal that never aborts */
  signal?: AbortSignal;
  /** Absolute paths. @default read and write `[manifestDir]`, no net, no env */
  permissions?: Partial<Permissions>;
  /** The plugin's key, for PermissionError messages. @default 'test-plugin' */
  key?: string;
  /** @default 'exporter' */
  role?: 'exporter' | 'eraser';
}

/**
 * A full {@link PluginContext} for a direct plugin call in a test.
 *
 * @example const ctx = testContext({ manifestDir: dir, settings: { database: 'data/demo.db' } });
 */
export function testContext(options: TestContextOptions): PluginContext {
  const { manifestDir, key = 'test-plugin', role = 'exporter' } = options;
  const signal = options.signal ?? new AbortController().signal;
  const permissions: Permissions = { net: [], env: [], read: [manifestDir], write: [manifestDir], ...options.permissions };
  return {
    requestId: options.requestId ?? 'req-test',
    settings: options.settings ?? {},
    pageSize: options.pageSize,
    manifestDir,
    signal,
    dryRun: options.dryRun ?? false,
    cursor: options.cursor,
    ...pluginCapabilities({ key, permissions }, role, manifestDir, signal),
  };
}
