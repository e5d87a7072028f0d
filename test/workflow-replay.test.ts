/**
 * Requests already running must keep running after a deploy: the workflow
 * code of today replays, without a nondeterminism error, the histories that
 * earlier code wrote (test/fixtures/histories, recorded by its record.ts
 * before a change to the order of a workflow's steps). A change that would
 * break a running request fails here; behind `wf.patched` it passes.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { dataConverter, EncryptionCodec } from '../lib/payload-codec.ts';
import { ROOT, TEST_PAYLOAD_KEY, workflowBundle } from './helpers/stack.ts';

const dir = join(ROOT, 'test', 'fixtures', 'histories');
const recorded = readdirSync(dir).filter((name) => name.endsWith('.pb'));

test('the recorded histories are there (an export over several runs, an erasure), before and after the small-export-fast, deletion-by-activity and small-export-in-task patches', () => {
  for (const name of [
    'v1-export.0.pb',
    'v1-export.1.pb',
    'v1-erase.0.pb',
    'v2-export.0.pb',
    'v2-export.1.pb',
    'v2-erase.0.pb',
    'v3-export.0.pb',
    'v3-export.1.pb',
    'v3-export-small.0.pb',
    'v3-erase.0.pb',
    'v4-export.0.pb',
    'v4-export.1.pb',
    'v4-export-small.0.pb',
    'v4-erase.0.pb',
  ]) {
    assert.ok(recorded.includes(name), name);
  }
});

for (const name of recorded) {
  test(`today's workflow code replays ${name}`, async () => {
    const history = proto.temporal.api.history.v1.History.decode(readFileSync(join(dir, name)));
    assert.ok((history.events?.length ?? 0) > 10, 'a whole history');
    await Worker.runReplayHistory(
      { workflowBundle: await workflowBundle(), dataConverter: dataConverter(new EncryptionCodec([{ id: 'test', key: TEST_PAYLOAD_KEY }])) },
      history,
    );
  });
}
