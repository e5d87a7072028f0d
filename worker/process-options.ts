/**
 * How this project's own launchers start the worker process (`npm start`,
 * `npm run worker`, the benchmark, tests that run it as a process).
 *
 * Without a cap V8 lets its heap grow towards a quarter of the machine's RAM
 * before it collects in earnest, so a worker that streams a million items
 * would still sit at several hundred MB. The worker's live data is small
 * (pages are streamed through SQLite and into the ZIP), so a cap costs a few
 * more collections and keeps the resident set flat. glibc otherwise gives
 * each thread that allocates (libuv's pool: SQLite, zlib; Temporal's core)
 * an arena of its own, which holds freed memory.
 *
 * `package.json`'s `worker` script spells the same values out;
 * test/worker-process.test.ts checks they agree. Launchers spawn
 * `process.execPath` with {@link WORKER_ARGS} and add {@link WORKER_ENV}.
 */
import { fileURLToPath } from 'node:url';

/** V8 flags placed before the worker's script. */
export const WORKER_NODE_ARGS: readonly string[] = ['--max-old-space-size=160', '--max-semi-space-size=2'];

/** Environment added to the worker's. */
export const WORKER_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** Node's arguments that run worker/main.ts as `npm run worker` does: the flags, the tsx loader, the script. */
export const WORKER_ARGS: readonly string[] = [...WORKER_NODE_ARGS, '--import', 'tsx', fileURLToPath(new URL('./main.ts', import.meta.url))];
