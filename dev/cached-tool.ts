/**
 * Where the Go programs of the dev stack are: `$<envVar>`, else the binary
 * `scripts/bootstrap.mjs` builds once into
 * `${XDG_CACHE_HOME:-~/.cache}/dsr-engine/<name>-<version>/<name>`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface CachedTool {
  name: string;
  version: string;
  /** The variable that names another binary, e.g. `TEMPORAL_CLI`. */
  envVar: string;
  /** What to do when it is missing, after "not found at <path>." */
  howToGet: string;
}

/**
 * @returns the path of an executable binary
 * @throws {Error} saying where it looked and how to get it
 */
export function findCachedTool(tool: CachedTool): string {
  const fromEnv = process.env[tool.envVar];
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const candidate = fromEnv || path.join(cacheHome, 'dsr-engine', `${tool.name}-${tool.version}`, tool.name);
  try {
    fs.accessSync(candidate, fs.constants.X_OK);
    return candidate;
  } catch {
    throw new Error(fromEnv ? `${tool.envVar}=${fromEnv} is not an executable file.` : `${tool.name} not found at ${candidate}. ${tool.howToGet}`);
  }
}
