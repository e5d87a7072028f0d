/**
 * A plugin's `concurrency` slots (plugins/host/page-slots.ts): never more in
 * flight than the limit, turns in arrival order, a cancelled wait gives up
 * its place without taking a slot.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { takeSlot } from '../plugins/host/page-slots.ts';

const never = new AbortController().signal;

test('at most the limit in flight, the next in arrival order once one is released', async () => {
  const first = await takeSlot('t1', 2, never);
  const second = await takeSlot('t1', 2, never);
  const order: string[] = [];
  const noted = (name: string) => (release: () => void) => {
    order.push(name);
    return release;
  };
  const third = takeSlot('t1', 2, never).then(noted('third'));
  const fourth = takeSlot('t1', 2, never).then(noted('fourth'));
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(order, [], 'both wait while two are in flight');
  first();
  first(); // releasing twice gives back one slot only
  const releaseThird = await third;
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(order, ['third']);
  second();
  (await fourth)();
  releaseThird();
  assert.deepEqual(order, ['third', 'fourth']);
  // All given back: two fit again at once.
  const again = await Promise.all([takeSlot('t1', 2, never), takeSlot('t1', 2, never)]);
  for (const release of again) release();
});

test('a wait cancelled by its signal rejects with its reason and takes no slot', async () => {
  const held = await takeSlot('t2', 1, never);
  const controller = new AbortController();
  const waiting = takeSlot('t2', 1, controller.signal);
  controller.abort(new Error('request cancelled'));
  await assert.rejects(waiting, /request cancelled/);
  const next = takeSlot('t2', 1, never);
  held();
  (await next)(); // the cancelled wait did not keep the slot
});

test('keys are separate: one plugin at its limit does not hold another back', async () => {
  const a = await takeSlot('t3-a', 1, never);
  const b = await takeSlot('t3-b', 1, never);
  a();
  b();
});
