/** An eraser's messages: in order, each once, capped, the rest counted (model/erase-messages.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keepMessages, type KeptMessages, MAX_MESSAGES } from '../model/erase-messages.ts';

test('a message said on every page is kept once, in the order first said', () => {
  const kept: KeptMessages = { messages: ['b'] };
  keepMessages(kept, ['a', 'b', 'a', 'c']);
  keepMessages(kept, ['c', 'a']);
  assert.deepEqual(kept, { messages: ['b', 'a', 'c'] });
});

test(`past ${MAX_MESSAGES} distinct messages the rest are counted, not kept`, () => {
  const kept: KeptMessages = { messages: [] };
  const many = Array.from({ length: MAX_MESSAGES + 5 }, (_, i) => `message ${i}`);
  keepMessages(kept, many);
  keepMessages(kept, ['message 0', 'one more']);
  assert.equal(kept.messages.length, MAX_MESSAGES);
  assert.equal(kept.messages.at(-1), `message ${MAX_MESSAGES - 1}`);
  assert.equal(kept.messagesOmitted, 6);
});
