/** What a live process of this machine has used so far, read from /proc (Linux). */
import { readFile } from 'node:fs/promises';

/** CPU seconds (user + system) a live process has used so far (clock ticks of 10 ms); 0 once it is gone. */
export async function cpuSeconds(pid: number | undefined): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
