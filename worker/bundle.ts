/**
 * Bundles the workflow code (webpack, via the SDK) into a file. The worker
 * runs this as a short-lived child process so that webpack's memory never
 * becomes part of the long-running worker's: run it directly to prebuild a
 * bundle for production (`node --import tsx worker/bundle.ts out.js`). The
 * bundle carries the failure converter (lib/failure-converter.ts), so a
 * prebuilt bundle must be rebuilt when that changes. It is written lean
 * (worker/lean-bundle.ts): with `--keep-sources` its source map keeps the
 * original files, for the UI's stack trace of a running workflow.
 */
import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { WORKFLOW_BUNDLE_OPTIONS } from './create-worker.ts';
import { leanWorkflowBundle } from './lean-bundle.ts';

const [out, ...flags] = process.argv.slice(2);
if (!out || out.startsWith('--') || flags.some((flag) => flag !== '--keep-sources')) {
  console.error('usage: node --import tsx worker/bundle.ts <output.js> [--keep-sources]');
  process.exit(2);
}
// Webpack's statistics (every module, every asset) are INFO: an operator's console gets warnings and errors only.
const { code } = await bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, logger: new DefaultLogger('WARN') });
await writeFile(out, leanWorkflowBundle(code, { keepSources: flags.includes('--keep-sources') }));
