/**
 * The failure converter of every worker, workflow bundle and client. By
 * default Temporal stores a failure's `message` and `stack_trace` in clear
 * text, next to payloads the codec encrypts; a plugin's own error message may
 * quote the person it was exporting. With `encodeCommonAttributes` both move
 * into the failure's `encoded_attributes` payload, which the payload codec
 * (lib/payload-codec.ts) encrypts like any other; the stored `message` reads
 * "Encoded failure".
 *
 * The SDK loads this module by path (`failureConverterPath`, its
 * `failureConverter` export): in the worker, and inside the workflow sandbox,
 * where it is bundled by `bundleWorkflowCode`. It must therefore stay
 * sandbox-safe: no Node builtins, no I/O. Use `dataConverter()` from
 * lib/payload-codec.ts rather than this module directly.
 *
 * @module
 */
import { DefaultFailureConverter } from '@temporalio/common';

/** Moves failure messages and stack traces into an encoded (and so encrypted) payload. */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
