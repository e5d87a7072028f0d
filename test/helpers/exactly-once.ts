/**
 * "Every item once, one mail", as the fault tests check it after a crash, a
 * lost host or an outage: the delivered ZIP holds the numbers fixture's items
 * exactly once each, and exactly one download mail went out.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CaughtMail } from '../../dev/mail-catcher.ts';
import { unzip } from './unzip.ts';

/** The ZIP at `url` holds `n-0` … `n-(total-1)` of test/fixtures/plugins/numbers.ts, each once. */
export async function assertNumbersOnce(url: string, email: string, total: number): Promise<void> {
  const zip = await unzip(new Uint8Array(await (await fetch(url)).arrayBuffer()));
  const items = JSON.parse(zip.get('export.json') as string)[`Personal Data Export for ${email}`].numbers.items;
  assert.deepEqual(
    Object.keys(items),
    Array.from({ length: total }, (_, n) => `n-${n}`),
  );
  for (const [key, pairs] of Object.entries(items)) assert.equal((pairs as unknown[]).length, 1, `${key} once`);
}

/** Waits for the download mail, then a second more: exactly one came (no retry sent another). */
export async function assertOneDownloadMail(mail: { messages(): CaughtMail[] }, timeoutMs = 30_000): Promise<void> {
  const downloads = () => mail.messages().filter((m) => /Personal Data Export$/.test(m.subject)).length;
  const deadline = Date.now() + timeoutMs;
  while (downloads() === 0) {
    assert.ok(Date.now() < deadline, 'no download mail');
    await sleep(100);
  }
  await sleep(1000);
  assert.equal(downloads(), 1, 'one download mail');
}
