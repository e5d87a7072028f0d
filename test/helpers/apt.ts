/**
 * Installs Debian packages the tests need (PostgreSQL, Chromium) on a fresh
 * machine, which has only Node, npm and Go: `apt-get install`, and after
 * `apt-get update` when the first try fails (no package lists yet).
 */
import { spawnSync } from 'node:child_process';

/** @returns whether the packages are installed; apt-get's own errors go to stderr */
export function aptInstall(packages: readonly string[], log: (message: string) => void): boolean {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) => {
    log(`apt-get ${args.join(' ')}`);
    const started = Date.now();
    const result = spawnSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    log(
      `apt-get ${args[0]} ${result.status === 0 ? 'done' : `failed (${result.error?.message ?? `exit ${result.status}`})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    return result.status === 0;
  };
  const install = ['install', '-y', '--no-install-recommends', ...packages];
  return apt(install) || (apt(['update']) && apt(install));
}
