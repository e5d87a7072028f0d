/**
 * Admin authentication without a Temporal server: sessions across a restart
 * and many logouts, the one limit on wrong credentials shared by the admin
 * API, the codec endpoint and sign-in, and the rate limiter's memory bound.
 */
import { TOKEN_ACTOR } from '../model/audit.ts';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { Secret } from '../lib/config.ts';
import { storagePaths } from '../storage/file-layout.ts';
import { fileStore } from '../storage/file-store.ts';
import { createSessions } from '../server/admin/session.ts';
import { regimeTable } from '../lib/regimes.ts';
import { createApp } from '../server/app.ts';
import { createRateLimiter } from '../server/rate-limit.ts';

const secret = new Secret('s'.repeat(40));
const adminToken = new Secret('token-0123456789abcdef');

describe('admin sessions', () => {
  test('a restart ends every session', () => {
    const before = createSessions({ secret, adminToken });
    const { cookie } = before.create(TOKEN_ACTOR);
    assert.ok(before.verify(cookie));
    assert.equal(createSessions({ secret, adminToken }).verify(cookie), undefined, 'same secret and token, new process');
  });

  test('a logout is never forgotten while its session would live; a full list ends every session instead', () => {
    const sessions = createSessions({ secret, adminToken });
    const first = sessions.create(TOKEN_ACTOR);
    sessions.revoke(first.session);
    for (let i = 0; i < 9_999; i++) sessions.revoke(sessions.create(TOKEN_ACTOR).session);
    const live = sessions.create(TOKEN_ACTOR);
    assert.ok(sessions.verify(live.cookie));
    assert.equal(sessions.verify(first.cookie), undefined);
    sessions.revoke(sessions.create(TOKEN_ACTOR).session); // the 10 001st live revocation
    assert.equal(sessions.verify(first.cookie), undefined, 'the first logout still holds');
    assert.equal(sessions.verify(live.cookie), undefined, 'every session ended rather than a revocation forgotten');
    assert.ok(sessions.verify(sessions.create(TOKEN_ACTOR).cookie), 'new sessions work');
  });

  test('expired revocations make room', () => {
    let now = 0;
    const sessions = createSessions({ secret, adminToken, now: () => now, ttlMs: 1000 });
    for (let i = 0; i < 10_000; i++) sessions.revoke(sessions.create(TOKEN_ACTOR).session);
    now = 2000;
    const live = sessions.create(TOKEN_ACTOR);
    const next = sessions.create(TOKEN_ACTOR);
    sessions.revoke(next.session);
    assert.ok(sessions.verify(live.cookie), 'the expired ones went, not the live sessions');
    assert.equal(sessions.verify(next.cookie), undefined);
  });
});

describe('wrong admin credentials', () => {
  test('the admin API, the codec endpoint and sign-in share one limit per address', async () => {
    const codec: PayloadCodec = { encode: async (payloads) => payloads, decode: async (payloads) => payloads };
    const app = createApp({
      client: {} as Client,
      adminToken,
      secret,
      store: fileStore(storagePaths('/nonexistent')),
      publicUrl: 'http://localhost:3000',
      siteName: 'Test',
      namespace: 'default',
      temporalUiUrl: undefined,
      payloadCodec: codec,
      taskQueue: 'test',
      confirmTtlMs: 60_000,
      retentionMs: 60_000,
      heartbeatTimeoutMs: 10_000,
      regimes: regimeTable(),
    });
    const base = 'http://localhost:3000';
    const signIn = (token: string) =>
      app.request(`${base}/admin/login`, {
        method: 'POST',
        headers: { Origin: base, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, next: '/admin' }).toString(),
      });
    const decode = (token: string) =>
      app.request(`${base}/admin/codec/decode`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ payloads: [] }),
      });
    const api = (token: string) => app.request(`${base}/api/requests/x`, { headers: { Authorization: `Bearer ${token}` } });

    for (let i = 0; i < 4; i++) assert.equal((await signIn(`wrong-${i}`)).status, 401);
    for (let i = 0; i < 3; i++) assert.equal((await decode(`wrong-${i}`)).status, 401);
    assert.equal((await decode(adminToken.reveal())).status, 200, 'the right token decodes while under the limit');
    for (let i = 0; i < 3; i++) assert.equal((await api(`wrong-${i}`)).status, 401);

    assert.equal((await signIn(adminToken.reveal())).status, 429, 'sign-in, after ten failures in all');
    const blocked = await decode(adminToken.reveal());
    assert.equal(blocked.status, 429, 'codec');
    assert.ok(Number(blocked.headers.get('Retry-After')) > 0);
    assert.equal((await api(adminToken.reveal())).status, 429, 'admin API');
  });
});

describe('rate limiter memory', () => {
  test('past maxKeys, the key hit least recently is forgotten', () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000, maxKeys: 3 });
    for (const key of ['a', 'b', 'c']) assert.equal(limiter.hit(key).allowed, true);
    assert.equal(limiter.hit('a').allowed, false, 'a is hit again (refused), so b is now the least recent');
    assert.equal(limiter.hit('d').allowed, true);
    assert.equal(limiter.size(), 3);
    assert.equal(limiter.peek('b').allowed, true, 'b was forgotten');
    assert.equal(limiter.peek('a').allowed, false, 'a is still limited');
    assert.equal(limiter.peek('c').allowed, false);
  });

  test('many live keys stay bounded', () => {
    const limiter = createRateLimiter({ limit: 5, windowMs: 60_000, sweepAbove: 100, maxKeys: 1000 });
    for (let i = 0; i < 5000; i++) limiter.hit(`key-${i}`);
    assert.equal(limiter.size(), 1000);
  });
});
