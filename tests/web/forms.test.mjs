// Which form field a server message names, so that the message is shown beside it.
//   node --test tests/web/forms.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldNamed } from '../../web/js/forms.js';

const complaint = ['complaintId', 'estateId', 'householdId', 'category', 'channel', 'summary'];

test('a field named by its path', () => {
  assert.equal(fieldNamed('data.summary is required and must not be empty', complaint), 'summary');
  assert.equal(fieldNamed('data.channel: "fax" is not one of hotline, opinionBook', complaint), 'channel');
});

test('the field mentioned first wins over others mentioned later', () => {
  const follow = ['subject', 'complaintId', 'satisfaction', 'comment'];
  assert.equal(fieldNamed('data.complaintId: unknown field; known fields of followUpRecorded are ' +
    'subject, satisfaction, comment', follow), 'complaintId');
});

test('a rule that names the thing without "Id" points at its id field', () => {
  assert.equal(fieldNamed('identity.household: a resident names only their own household ' +
    '(none is registered for person/p-1), not h-9', complaint), 'householdId');
});

test('a message that names no field names none', () => {
  assert.equal(fieldNamed('the bearer token is unknown or revoked', complaint), '');
  // Part of a longer word is not the field.
  assert.equal(fieldNamed('categoryless', complaint), '');
});
