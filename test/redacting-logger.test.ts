/** The worker's log keeps what failed and where, never an error's words (lib/redacting-logger.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import vm from 'node:vm';
import { ApplicationFailure } from '@temporalio/common';
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { RedactingLogger, WITHHELD } from '../lib/redacting-logger.ts';

function recorder(): { logger: Logger; lines: { level: LogLevel; message: string; meta: LogMetadata | undefined }[] } {
  const lines: { level: LogLevel; message: string; meta: LogMetadata | undefined }[] = [];
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => void lines.push({ level, message, meta });
  return {
    lines,
    logger: {
      log,
      trace: (m, x) => log('TRACE', m, x),
      debug: (m, x) => log('DEBUG', m, x),
      info: (m, x) => log('INFO', m, x),
      warn: (m, x) => log('WARN', m, x),
      error: (m, x) => log('ERROR', m, x),
    },
  };
}

test("an activity failure is logged by name and type, its message and its cause's withheld", () => {
  const { logger, lines } = recorder();
  const cause = new Error('CRM answered 404 for alex.doe@example.com');
  const failure = ApplicationFailure.create({ message: 'exporter "crm" failed: alex.doe@example.com', type: 'PluginUnavailableError', cause });
  new RedactingLogger(logger).warn('Activity failed', { error: failure, durationMs: 12, activityType: 'exportBatch' });

  assert.equal(lines.length, 1);
  const [line] = lines;
  assert.equal(line?.level, 'WARN');
  assert.equal(line?.message, 'Activity failed');
  assert.deepEqual(line?.meta, {
    error: { name: 'ApplicationFailure', type: 'PluginUnavailableError', message: WITHHELD, cause: { name: 'Error', message: WITHHELD } },
    durationMs: 12,
    activityType: 'exportBatch',
  });
  assert.doesNotMatch(JSON.stringify(lines), /alex\.doe|example\.com|CRM answered/);
});

test('every level goes through, and lines without errors are unchanged', () => {
  const { logger, lines } = recorder();
  const redacting = new RedactingLogger(logger);
  redacting.trace('t');
  redacting.debug('d', { requestId: 'export-abc' });
  redacting.info('i');
  redacting.error('e', { error: new TypeError('secret') });
  assert.deepEqual(
    lines.map((l) => l.level),
    ['TRACE', 'DEBUG', 'INFO', 'ERROR'],
  );
  assert.deepEqual(lines[1]?.meta, { requestId: 'export-abc' });
  assert.deepEqual(lines[3]?.meta, { error: { name: 'TypeError', message: WITHHELD } });
});

test('an error from another realm (workflow code runs in a vm context) is redacted too, and so is its cause', () => {
  const { logger, lines } = recorder();
  const error = vm.runInNewContext('new Error("workflow failed for alex@example.com", { cause: new RangeError("alex@example.com") })') as unknown;
  assert.equal(error instanceof Error, false, "the test needs an error that is not an instance of this realm's Error");
  new RedactingLogger(logger).warn('Workflow failed', { error, sdkComponent: 'worker' });
  assert.deepEqual(lines[0]?.meta, {
    error: { name: 'Error', message: WITHHELD, cause: { name: 'RangeError', message: WITHHELD } },
    sdkComponent: 'worker',
  });
  assert.doesNotMatch(JSON.stringify(lines), /alex|example\.com/);
});

test('a cause from another realm under an error of this one is redacted', () => {
  const { logger, lines } = recorder();
  const cause = vm.runInNewContext('new Error("alex@example.com")') as unknown;
  new RedactingLogger(logger).error('Activity failed', { error: new Error('outer alex@example.com', { cause }) });
  assert.deepEqual(lines[0]?.meta, { error: { name: 'Error', message: WITHHELD, cause: { name: 'Error', message: WITHHELD } } });
});

test('a system error keeps its code (ENOSPC, ECONNREFUSED…), never its message or path', () => {
  const { logger, lines } = recorder();
  const full = Object.assign(new Error("ENOSPC: no space left on device, write '/var/storage/exports/alex.doe@example.com.zip'"), { code: 'ENOSPC' });
  const odd = Object.assign(new Error('x'), { code: 'not a code: alex.doe@example.com' });
  new RedactingLogger(logger).warn('export ZIP failed', { requestId: 'export-abc', error: full, other: odd });
  assert.deepEqual(lines[0]?.meta, {
    requestId: 'export-abc',
    error: { name: 'Error', code: 'ENOSPC', message: WITHHELD },
    other: { name: 'Error', message: WITHHELD },
  });
});
