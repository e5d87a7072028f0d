/**
 * Sorts a database driver's error by who must act: the SQL or the connection
 * settings are wrong (ManifestError, never retried), or the database is down,
 * slow or busy (PluginUnavailableError, retried with backoff). Anything the
 * driver says that is not clearly the manifest's fault counts as operational,
 * since retrying a few times costs less than failing a request for a blip.
 * @module
 */
import { ManifestError, PermissionError, PluginContractError, PluginUnavailableError } from '../../../lib/errors.ts';

/**
 * SQLSTATE classes (PostgreSQL `code`, MySQL `sqlState`) that mean the SQL or the settings are wrong:
 * 0A feature not supported, 21 cardinality, 22 data exception, 23 integrity constraint, 25 invalid
 * transaction state (a write in an exporter's read-only transaction), 28 authorization, 3D unknown
 * database, 3F unknown schema, 42 syntax error or access rule violation, 44 check option.
 */
const MANIFEST_STATE_CLASSES = new Set(['0A', '21', '22', '23', '25', '28', '3D', '3F', '42', '44']);

/** SQLite result codes that mean the SQL or the file is wrong (SQLITE_BUSY, _LOCKED, _IOERR… are operational). */
const MANIFEST_SQLITE_CODES = /^SQLITE_(ERROR|CONSTRAINT|MISMATCH|RANGE|READONLY|CANTOPEN|NOTADB|AUTH|TOOBIG)/;

/**
 * The error to throw for a driver's `error`.
 * @param who e.g. `eraser "crm-contacts"`
 * @param where the database without credentials, e.g. `postgres 127.0.0.1:5432/crm`
 * @param label the SQL that failed, e.g. `statements[1]`; none when connecting failed
 */
export function classifySqlError(error: unknown, who: string, where: string, label?: string): Error {
  if (error instanceof ManifestError || error instanceof PermissionError || error instanceof PluginContractError || error instanceof PluginUnavailableError) {
    return error;
  }
  const detail = describe(error);
  if (isManifestFault(error)) {
    const what = label === undefined ? `connect ${who} to ${where}` : `run ${label} of ${who} on ${where}`;
    return new ManifestError(`Cannot ${what}: ${detail}`, { cause: error });
  }
  return new PluginUnavailableError(`Cannot reach the database of ${who} (${where}): ${detail}`, { cause: error });
}

// ---------------------------------------------------------------------------------------------
// _helpers

function isManifestFault(error: unknown): boolean {
  // better-sqlite3 throws TypeError/RangeError for misuse, e.g. a query that returns no rows used as an exporter.
  if (error instanceof TypeError || error instanceof RangeError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { code, sqlState } = error as { code?: unknown; sqlState?: unknown };
  if (typeof code === 'string' && MANIFEST_SQLITE_CODES.test(code)) return true;
  // pg puts the SQLSTATE in `code`; mysql2 in `sqlState` (and a name like ER_PARSE_ERROR in `code`).
  const state = typeof sqlState === 'string' ? sqlState : typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  return state !== undefined && MANIFEST_STATE_CLASSES.has(state.slice(0, 2));
}

/** The driver's message; a failed connect to several addresses is an AggregateError with an empty one. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message) return error.message;
  if (error instanceof AggregateError) return error.errors.map(describe).join('; ');
  const { code } = error as { code?: unknown };
  return typeof code === 'string' ? code : error.name;
}
