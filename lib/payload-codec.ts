/**
 * Encrypts every payload Temporal stores — workflow inputs, results, memos,
 * signals, heartbeats, failures' details — with AES-256-GCM, so workflow
 * histories hold no readable personal data. Keys are named: the first key of
 * PAYLOAD_KEYS encrypts, every listed key decrypts, so a key is rotated by
 * putting a new one first and dropping the old one once no history needs it.
 * Search attributes are never encoded (they hold only hashes and statuses).
 * Failure messages and stack traces are plain text unless the failure
 * converter moves them into a payload: `dataConverter()` pairs the two, and
 * every worker, bundle and client takes its converter from there.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { ConfigError } from './errors.ts';

const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const { Payload: PayloadMessage } = proto.temporal.api.common.v1;

/**
 * The module whose `failureConverter` export encodes failure messages and
 * stack traces (lib/failure-converter.ts). A path, because the SDK loads it by
 * path: give it to `bundleWorkflowCode({ failureConverterPath })` too, or the
 * workflow sandbox writes failures in clear text and cannot read encoded ones.
 */
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failure-converter.ts', import.meta.url));

/**
 * The data converter of every worker and client of this engine: payloads
 * encrypted by `codec`, failure messages and stack traces moved into an
 * encrypted payload. A client without it reads failures as "Encoded failure".
 * @param codec usually an {@link EncryptionCodec}
 * @returns options for `Worker.create({ dataConverter })` and `new Client({ dataConverter })`
 * @example new Client({ connection, dataConverter: dataConverter(new EncryptionCodec(keys)) })
 */
export function dataConverter(codec: PayloadCodec): DataConverter {
  return { payloadCodecs: [codec], failureConverterPath: FAILURE_CONVERTER_PATH };
}

export interface PayloadKey {
  id: string;
  key: Buffer;
}

/**
 * Parses `id:base64key[,id:base64key…]` (32-byte keys; the first one encrypts).
 * @throws {ConfigError} naming what is wrong with which key
 * @example parsePayloadKeys('2025-11:3q2+7w…=,2025-05:q83v…=')
 */
export function parsePayloadKeys(text: string): PayloadKey[] {
  const keys = text
    .split(',')
    .map((part) => part.trim())
    .flatMap((part, index) => {
      if (!part) return [];
      const colon = part.indexOf(':');
      const id = part.slice(0, colon);
      const key = Buffer.from(part.slice(colon + 1), 'base64');
      // Named by position, never quoted: without a valid id, the entry's text may be the key itself.
      if (colon < 1 || !/^[A-Za-z0-9._-]+$/.test(id)) {
        throw new ConfigError(
          `Cannot use PAYLOAD_KEYS: entry ${index + 1} is not "id:base64key" (an id of letters, digits, ".", "_" or "-", a colon, then the key)`,
        );
      }
      if (key.length !== 32)
        throw new ConfigError(`Cannot use PAYLOAD_KEYS: key "${id}" must be 32 bytes (base64 of \`openssl rand -base64 32\`), got ${key.length}`);
      return [{ id, key }];
    });
  if (keys.length === 0) throw new ConfigError('Cannot use PAYLOAD_KEYS: no key given');
  return keys;
}

export class EncryptionCodec implements PayloadCodec {
  readonly #current: PayloadKey;
  readonly #byId: Map<string, Buffer>;

  constructor(keys: PayloadKey[]) {
    if (!keys[0]) throw new ConfigError('Cannot encrypt payloads: no key given');
    this.#current = keys[0];
    this.#byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', this.#current.key, iv);
      const plain = PayloadMessage.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: Buffer.from(ENCODING), [KEY_ID]: Buffer.from(this.#current.id) },
        data: new Uint8Array(data),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (Buffer.from(payload.metadata?.encoding ?? []).toString() !== ENCODING) return payload;
      const id = Buffer.from(payload.metadata?.[KEY_ID] ?? []).toString();
      const key = this.#byId.get(id);
      if (!key) throw new ConfigError(`Cannot decrypt a payload: its key "${id}" is not in PAYLOAD_KEYS`);
      const data = Buffer.from(payload.data ?? []);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(data.length - 16));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
      } catch {
        // Another stack's key under the same id, or a damaged payload: say which key, never what it holds.
        throw new ConfigError(
          `Cannot decrypt a payload: the key "${id}" in PAYLOAD_KEYS does not open it (another key under the same id, or a damaged payload)`,
        );
      }
      return PayloadMessage.decode(plain) as Payload;
    });
  }
}
