import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { ConfigError } from '../lib/errors.ts';
import { EncryptionCodec, parsePayloadKeys } from '../lib/payload-codec.ts';

const key = (id: string) => ({ id, key: randomBytes(32) });

test('EncryptionCodec round-trips payloads and hides their content', async () => {
  const codec = new EncryptionCodec([key('k1')]);
  const original = defaultPayloadConverter.toPayload({ email: 'alex.doe@example.com', items: [1, 2, 3] });
  const [encoded] = await codec.encode([original]);
  assert.ok(encoded);
  assert.ok(
    !Buffer.from(encoded.data ?? [])
      .toString('latin1')
      .includes('alex.doe'),
    'no clear text',
  );
  assert.equal(Buffer.from(encoded.metadata?.['encryption-key-id'] ?? []).toString(), 'k1');
  const [decoded] = await codec.decode([encoded]);
  assert.deepEqual(defaultPayloadConverter.fromPayload(decoded as never), { email: 'alex.doe@example.com', items: [1, 2, 3] });
});

test('EncryptionCodec rotates keys: the first encrypts, all listed decrypt', async () => {
  const old = key('old');
  const fresh = key('new');
  const [byOld] = await new EncryptionCodec([old]).encode([defaultPayloadConverter.toPayload('kept')]);
  const rotated = new EncryptionCodec([fresh, old]);
  assert.equal(defaultPayloadConverter.fromPayload((await rotated.decode([byOld as never]))[0] as never), 'kept');
  const [byNew] = await rotated.encode([defaultPayloadConverter.toPayload('x')]);
  assert.equal(Buffer.from(byNew?.metadata?.['encryption-key-id'] ?? []).toString(), 'new');
  await assert.rejects(new EncryptionCodec([fresh]).decode([byOld as never]), /key "old" is not in PAYLOAD_KEYS/);
});

test('EncryptionCodec refuses tampered data', async () => {
  const codec = new EncryptionCodec([key('k')]);
  const [encoded] = await codec.encode([defaultPayloadConverter.toPayload('secret')]);
  const data = Buffer.from(encoded?.data ?? []);
  data[20] = (data[20] ?? 0) ^ 1;
  await assert.rejects(codec.decode([{ ...encoded, data }]));
});

test('parsePayloadKeys() says what is wrong', () => {
  const good = randomBytes(32).toString('base64');
  assert.deepEqual(
    parsePayloadKeys(`a:${good}, b:${good}`).map((k) => k.id),
    ['a', 'b'],
  );
  assert.throws(() => parsePayloadKeys('nocolon'), ConfigError);
  assert.throws(() => parsePayloadKeys(`a:${randomBytes(16).toString('base64')}`), /must be 32 bytes/);
  assert.throws(() => parsePayloadKeys(''), /no key given/);
});

test('parsePayloadKeys() names a malformed entry by position, never quoting it (it may be the key)', () => {
  const good = randomBytes(32).toString('base64');
  const bare = randomBytes(32).toString('base64');
  assert.throws(
    () => parsePayloadKeys(`a:${good}, ${bare}`),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /entry 2 is not "id:base64key"/);
      assert.ok(!error.message.includes(bare.slice(0, 8)), error.message);
      return true;
    },
  );
});
