// The dashboard's field readers accept both spellings of the API (numbers as 70 or "70", times
// as RFC 3339 or epoch milliseconds) and read a missing field as its zero value.
//   node --test tests/web/fields.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { num, str, bool, list, obj, time, position, counts, entityName } from '../../web/js/fields.js';

test('numbers: a JSON number or a string of digits, else 0', () => {
  assert.equal(num({ seq: 70 }, 'seq'), 70);
  assert.equal(num({ seq: '70' }, 'seq'), 70);
  assert.equal(num({ rate: '0.25' }, 'rate'), 0.25);
  assert.equal(num({}, 'seq'), 0);
  assert.equal(num({ seq: null }, 'seq'), 0);
  assert.equal(num({ seq: '' }, 'seq'), 0);
  assert.equal(num({ seq: 'seventy' }, 'seq'), 0);
  assert.equal(num({ a: { b: '3' } }, 'a.b'), 3);
});

test('times: RFC 3339 text and epoch milliseconds name the same instant', () => {
  // 2025-07-01 21:30 in China is 13:30 UTC: 1751376600000 ms.
  const ms = Date.UTC(2025, 6, 1, 13, 30);
  assert.equal(ms, 1751376600000);
  assert.equal(time({ at: '2025-07-01T21:30:00+08:00' }, 'at'), ms);
  assert.equal(time({ at: '2025-07-01T13:30:00Z' }, 'at'), ms);
  assert.equal(time({ at: '1751376600000' }, 'at'), ms);
  assert.equal(time({ at: 1751376600000 }, 'at'), ms);
  assert.equal(time({}, 'at'), 0);
  assert.equal(time({ at: '0' }, 'at'), 0);
  assert.equal(time({ at: 'not a time' }, 'at'), 0);
});

test('text, flags, lists and objects read as their zero values when missing', () => {
  assert.equal(str({}, 'name'), '');
  assert.equal(str({ id: 12 }, 'id'), '12');
  assert.equal(bool({}, 'done'), false);
  assert.equal(bool({ done: true }, 'done'), true);
  assert.deepEqual(list({}, 'items'), []);
  assert.deepEqual(list({ items: 'x' }, 'items'), []);
  assert.deepEqual(obj({}, 'result'), {});
  assert.equal(num(obj({}, 'result'), 'open'), 0);
});

test('a view answer: its position and its counts', () => {
  assert.deepEqual(position({ position: { seq: '70', hash: 'ab' } }), { seq: 70, hash: 'ab' });
  assert.deepEqual(position({}), { seq: 0, hash: '' });
  const c = counts([{ key: 'noise', count: '2' }, { key: 'water', count: 5 }, { key: 'fees' }]);
  assert.equal(c.get('noise'), 2);
  assert.equal(c.get('water'), 5);
  assert.equal(c.get('fees'), 0);
});

test('an entity id with or without its kind names the same stream', () => {
  assert.equal(entityName('complaint', 'c-1'), 'complaint/c-1');
  assert.equal(entityName('complaint', 'complaint/2025-000085'), 'complaint/2025-000085');
  assert.equal(entityName('repair', 'complaint-like'), 'repair/complaint-like');
});
