import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { test } from 'node:test';
import { loadConfig } from '../lib/config.ts';
import { ConfigError } from '../lib/errors.ts';

test('loadConfig() fills defaults: 24 h keys, 3-day retention, port 3000', () => {
  const config = loadConfig({});
  assert.equal(config.confirmTtlMs, 86_400_000);
  assert.equal(config.exportRetentionMs, 3 * 86_400_000);
  assert.equal(config.port, 3000);
  assert.equal(config.publicUrl, 'http://localhost:3000');
  assert.equal(config.pluginsFile, 'plugins.yaml');
  assert.equal(config.workflowThread, 'main');
  assert.equal(loadConfig({ WORKFLOW_THREAD: 'own' }).workflowThread, 'own');
  assert.equal(config.cachedWorkflows, 1000);
  assert.equal(loadConfig({ WORKER_CACHED_WORKFLOWS: '250' }).cachedWorkflows, 250);
  assert.equal(config.workflowStackTraces, false);
  assert.equal(loadConfig({ WORKFLOW_STACK_TRACES: 'on' }).workflowStackTraces, true);
});

test('loadConfig() reports every invalid variable at once, with what would be valid', () => {
  assert.throws(
    () =>
      loadConfig({
        PORT: 'abc',
        CONFIRM_TTL: 'soon',
        APP_SECRET: 'short',
        SMTP_URL: 'mail.example.com',
        WORKFLOW_THREAD: 'thread',
        WORKER_CACHED_WORKFLOWS: 'many',
        WORKFLOW_STACK_TRACES: 'yes',
      }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /PORT: /);
      assert.match(error.message, /CONFIRM_TTL: expected a duration such as "24h"/);
      assert.match(error.message, /APP_SECRET: must be at least 32 characters/);
      assert.match(error.message, /SMTP_URL: expected smtp:\/\//);
      assert.match(error.message, /WORKFLOW_THREAD: .*"main".*"own"/);
      assert.match(error.message, /WORKER_CACHED_WORKFLOWS: expected a whole number of workflows/);
      assert.match(error.message, /WORKFLOW_STACK_TRACES: expected on or off/);
      return true;
    },
  );
});

test('secrets never appear when a config is logged', () => {
  const config = loadConfig({ APP_SECRET: 'x'.repeat(40), ADMIN_TOKEN: 'admin-token-123456789' });
  assert.doesNotMatch(JSON.stringify(config), /xxxx|admin-token/);
  assert.doesNotMatch(inspect(config, { depth: 5 }), /xxxx|admin-token/);
  assert.equal(config.appSecret?.reveal(), 'x'.repeat(40));
});

test('an ADMIN_TOKEN that cannot be sent as a bearer token is refused at start, saying why', () => {
  for (const token of ['has spaces in it, sixteen+', 'ünïcödé-token-123456', 'token;with;semicolons', 'pad=ding-in-the-middle']) {
    assert.throws(() => loadConfig({ ADMIN_TOKEN: token }), /ADMIN_TOKEN: must be sendable as a bearer token/, token);
  }
  for (const token of ['abcdefghijklmnop', 'base64/with+plus==', 'dots.and~tildes_and-dashes']) {
    assert.equal(loadConfig({ ADMIN_TOKEN: token }).adminToken?.reveal(), token);
  }
});
