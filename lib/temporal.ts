/**
 * Connecting to Temporal from configuration, for the worker (native
 * connection) and the server (client connection) alike, and registering the
 * search attributes operators filter requests by.
 */
import { readFileSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { SearchAttributeType } from '@temporalio/common';
import type { Config } from './config.ts';

function connectionOptions(config: Config['temporal']) {
  const tls =
    config.clientCertPath && config.clientKeyPath
      ? { clientCertPair: { crt: readFileSync(config.clientCertPath), key: readFileSync(config.clientKeyPath) } }
      : config.tls;
  return {
    address: config.address,
    tls,
    ...(config.apiKey ? { apiKey: config.apiKey.reveal() } : {}),
  };
}

export function connectWorker(config: Config['temporal']): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(config));
}

export function connectClient(config: Config['temporal']): Promise<Connection> {
  return Connection.connect(connectionOptions(config));
}

/**
 * Registers the Dsr* search attributes; an attribute that exists already is fine.
 * Clusters that forbid the operator API (Temporal Cloud) need them created by hand:
 * the returned message says which. `keys`: the attributes to have, with their types (workflows/definitions.ts).
 */
export async function ensureSearchAttributes(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
  keys: readonly { name: string; type: SearchAttributeType }[],
): Promise<string | undefined> {
  const { IndexedValueType } = proto.temporal.api.enums.v1;
  const indexed: Partial<Record<SearchAttributeType, proto.temporal.api.enums.v1.IndexedValueType>> = {
    [SearchAttributeType.KEYWORD]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    [SearchAttributeType.DATETIME]: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    [SearchAttributeType.BOOL]: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  };
  const existing = await connection.operatorService.listSearchAttributes({ namespace }).catch(() => undefined);
  const missing = keys.filter((key) => !existing?.customAttributes?.[key.name]);
  if (missing.length === 0) return undefined;
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, indexed[key.type] ?? IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
    });
    return undefined;
  } catch (error) {
    const names = missing.map((key) => key.name).join(', ');
    return `Cannot register search attributes ${names} (${(error as Error).message}); create them with \`temporal operator search-attribute create --name <name> --type <Keyword|Datetime|Bool>\` (types in workflows/definitions.ts)`;
  }
}

/**
 * Where the server shows a Temporal Web UI behind the admin sign-in (server/admin/temporal-ui.ts);
 * that UI must be started with this public path (`--ui-public-path`), as `npm start` does.
 */
export const TEMPORAL_UI_PATH = '/admin/temporal';
