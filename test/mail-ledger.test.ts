/**
 * At most one copy of a mail per purpose, whatever fails: a full disk under
 * STORAGE_DIR (or under the mail ledger alone) must never turn Temporal's
 * retries into a stream of copies. Each case calls `send` the way retries of
 * one activity do, against a real SMTP server, with a real full tmpfs.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type MailCatcher, startMailCatcher } from '../dev/mail-catcher.ts';
import { createMailer } from '../lib/mailer.ts';
import { ensureStorage, storagePaths } from '../storage/file-layout.ts';
import { fileStore } from '../storage/file-store.ts';

let catcher: MailCatcher;
before(async () => {
  catcher = await startMailCatcher();
});
after(async () => {
  await catcher?.close();
});

/** Mounts a tiny tmpfs at `dir` and fills it, so the next write there gets ENOSPC; returns its unmount. */
function fillWithTmpfs(dir: string): () => void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k,mode=0700', 'tmpfs', dir]);
  try {
    writeFileSync(join(dir, 'filler'), Buffer.alloc(64 * 1024));
  } catch {}
  return () => execFileSync('umount', [dir]);
}

function canMount(): boolean {
  const probe = mkdtempSync(join(tmpdir(), 'dsr-mount-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe]);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const mounting = canMount();

for (const where of ['STORAGE_DIR', 'the mail ledger alone'] as const) {
  test(`a full disk under ${where}: retries send at most one copy, and the mail goes once space returns`, {
    skip: !mounting && 'needs root to mount a tmpfs',
  }, async () => {
    const storage = mkdtempSync(join(tmpdir(), 'dsr-ledger-'));
    const paths = storagePaths(storage);
    let release: (() => void) | undefined;
    if (where === 'STORAGE_DIR') {
      release = fillWithTmpfs(storage);
      try {
        await ensureStorage(paths);
      } catch {}
    } else {
      await ensureStorage(paths);
      release = fillWithTmpfs(join(storage, 'mail-ledger'));
    }
    const mailer = createMailer({ smtpUrl: catcher.smtpUrl, from: 'Privacy <privacy@test.invalid>', ledger: fileStore(paths).mailLedger });
    const to = `full.disk.${where.length}@example.com`;
    const mail = { to, subject: 'Confirm Action: Export Personal Data', text: 'link', idempotencyKey: `confirm:req-${where.length}:1` };
    try {
      const errors: string[] = [];
      for (let attempt = 0; attempt < 5; attempt++) {
        await mailer.send(mail).then(
          () => errors.push('sent'),
          (error: Error) => errors.push(error.message),
        );
      }
      const copies = catcher.messages().filter((m) => m.to.includes(to)).length;
      assert.ok(copies <= 1, `${copies} copies went out during 5 attempts on a full disk`);
      assert.ok(
        errors.some((message) => /ENOSPC|no space left/i.test(message)),
        `an attempt says the disk is full: ${errors.join(' | ')}`,
      );
    } finally {
      release?.();
    }
    // Space again: the retry delivers, exactly once overall.
    await ensureStorage(paths);
    await mailer.send(mail);
    await mailer.send(mail);
    assert.equal(catcher.messages().filter((m) => m.to.includes(to)).length, 1, 'exactly one copy in the end');
    mailer.close();
    rmSync(storage, { recursive: true, force: true });
  });
}

test('a send refused for now leaves no mark: the retry sends it', async () => {
  const storage = mkdtempSync(join(tmpdir(), 'dsr-ledger-'));
  const paths = storagePaths(storage);
  await ensureStorage(paths);
  let refusing = true;
  const picky = await startMailCatcher({ refuseTemporarily: () => refusing });
  const mailer = createMailer({ smtpUrl: picky.smtpUrl, from: 'Privacy <privacy@test.invalid>', ledger: fileStore(paths).mailLedger });
  const mail = { to: 'later@example.com', subject: 'Erasure Request Fulfilled', text: 'done', idempotencyKey: 'erased:req-later' };
  try {
    await assert.rejects(mailer.send(mail), /Cannot deliver mail yet/);
    refusing = false;
    assert.equal((await mailer.send(mail)).sent, true);
    assert.equal((await mailer.send(mail)).sent, false, 'the third call finds it sent');
    assert.equal(picky.messages().length, 1);
  } finally {
    mailer.close();
    await picky.close();
    rmSync(storage, { recursive: true, force: true });
  }
});
