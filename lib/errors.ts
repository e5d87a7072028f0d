/**
 * Errors named after who must act. Temporal uses an error's `name` as the
 * failure `type`, so the non-retryable ones are listed in activity retry
 * policies by these names (see {@link NON_RETRYABLE_ERROR_TYPES}).
 */

/** The plugin manifest (plugins.yaml) is wrong: the operator must fix the file. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

/** A plugin broke the exporter/eraser contract: its author must fix it. Never retried. */
export class PluginContractError extends Error {
  override readonly name = 'PluginContractError';
}

/** A plugin's data store is unreachable or slow: operational, retried with backoff. */
export class PluginUnavailableError extends Error {
  override readonly name = 'PluginUnavailableError';
}

/** Configuration from the environment is invalid: the operator must fix it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A plugin touched something its manifest entry does not declare. Never retried. */
export class PermissionError extends Error {
  override readonly name = 'PermissionError';
}

/** A mail server refused a message permanently (e.g. a bad recipient). Never retried. */
export class PermanentMailError extends Error {
  override readonly name = 'PermanentMailError';
}

/**
 * A plugin answered a page larger than its entry allows (`maxPageBytes`, `maxPageItems`). Never
 * retried: the same page would be as large again, and holding it could exhaust the worker's memory.
 */
export class PageTooLargeError extends Error {
  override readonly name = 'PageTooLargeError';
}

/** A request's staged pages are not on this worker host (lost with another host's disk): the export starts over. */
export class StagingLostError extends Error {
  override readonly name = 'StagingLostError';
}

/**
 * The store did not answer (the bucket unreachable, throttling, a 5xx): an outage, not a mistake.
 * Retried by Temporal, then waited out by the workflow (workflows/storage-wait.ts) for hours.
 */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
}

/** Failure types Temporal must not retry: retrying cannot make them succeed. */
export const NON_RETRYABLE_ERROR_TYPES = [
  'StagingLostError',
  'ManifestError',
  'PluginContractError',
  'ConfigError',
  'PermanentMailError',
  'PermissionError',
  'PageTooLargeError',
] as const;
