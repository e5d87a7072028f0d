/**
 * What a plugin's author reads when an exporter's answer breaks the
 * contract: every problem of the page at once, each with where it is and the
 * type that was expected, so one run shows all there is to fix.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateExportPage } from '../plugins/host/check-answer.ts';
import { PluginContractError } from '../lib/errors.ts';

const exporter = { key: 'crm', name: 'CRM' };
const message = (answer: unknown) => {
  try {
    validateExportPage(answer, exporter, 2);
  } catch (error) {
    assert.ok(error instanceof PluginContractError);
    return error.message;
  }
  assert.fail('the answer was accepted');
};

test('every problem of a page is listed at once, with the type each field must have', () => {
  const text = message({
    done: 'yes',
    data: [
      { group_id: 'g', group_label: 3, item_id: 'x', data: [{ name: 'a', value: { deep: 1 } }, { name: 'b' }, { name: 'c', value: 1, extra: 2 }] },
      'not an item',
    ],
  });
  assert.match(text, /^Cannot use the answer of exporter "crm" \(CRM\), page 2: 6 problems: /);
  for (const expected of [
    'expected "done" to be a boolean, got a string',
    'data[0].group_label: group_label must be a string, got number',
    'data[0].data[0].value: value must be a string, number, boolean or null, got object',
    'data[0].data[1].value: value must be a string, number, boolean or null, got nothing',
    'data[0].data[2]: unknown field(s) "extra": a pair has only "name" and "value"',
    'data[1]: expected an item { group_id, group_label, item_id, data }, got a string',
  ]) {
    assert.ok(text.includes(expected), `"${expected}" in: ${text}`);
  }
});

test('one problem reads as before; past twenty the rest are counted', () => {
  assert.equal(message({ data: [] }), 'Cannot use the answer of exporter "crm" (CRM), page 2: expected "done" (boolean) in the response');
  const many = message({
    done: true,
    data: Array.from({ length: 30 }, () => ({ group_id: 'g', group_label: 'G', item_id: 'i', data: [{ name: 'n', value: [] }] })),
  });
  assert.match(many, /30 problems: .*; and 10 more$/);
  assert.equal(many.split('value must be').length - 1, 20);
});
