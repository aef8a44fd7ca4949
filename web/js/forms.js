// The forms for each role's everyday events. A form sends one event, once (the event id makes a
// retry harmless); the server alone decides whether it is allowed. When it refuses, its message
// (problem+json) is shown beside the field it names, or above the form when it names none.

import * as api from './api.js';
import { h } from './dom.js';
import { t, term } from './i18n.js';
import { entityName } from './fields.js';
import { CATEGORIES, CHANNELS } from './pages.js';

const ALL = ['admin'];
const RESIDENTS = ['resident', 'communityWorker', 'ownersCommittee', 'admin'];

// A readable id no one else will choose: prefix, China-time date and a random tail.
function newId(prefix) {
  const d = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10).replaceAll('-', '');
  return `${prefix}-${d}-${crypto.randomUUID().slice(0, 8)}`;
}

const choice = (values, family) => values.map((v) => ({ value: v, label: term(family, v) }));

// Each form: who sees it, its fields, and the event it makes of their values.
function specs(ctx) {
  const estates = ctx.estates.map((e) => ({ value: e.id, label: e.name || e.id }));
  return [
    { id: 'fileComplaint', roles: RESIDENTS, fields: [
      { name: 'complaintId', value: newId('c-web') },
      { name: 'estateId', options: estates },
      { name: 'householdId', optional: true },
      { name: 'category', options: choice(CATEGORIES, 'cat') },
      { name: 'channel', options: choice(CHANNELS, 'channel') },
      { name: 'summary', kind: 'textarea' }],
    event: (v) => [entityName('complaint', v.complaintId || ''), 'complaintFiled', v] },
    { id: 'requestRepair', roles: ['resident', 'communityWorker', 'admin'], fields: [
      { name: 'repairId', value: newId('r-web') },
      { name: 'estateId', options: estates },
      { name: 'householdId', optional: true },
      { name: 'category', options: choice(CATEGORIES, 'cat') },
      { name: 'location' },
      { name: 'description', kind: 'textarea' }],
    event: (v) => [entityName('repair', v.repairId || ''), 'repairRequested', v] },
    { id: 'followUp', roles: ['resident', 'communityWorker', 'admin'], fields: [
      { name: 'subject', options: [{ value: 'complaintId', label: t('nav.complaints') }, { value: 'repairId', label: t('nav.repairs') }] },
      { name: 'complaintId', label: 'f.complaintId' },
      { name: 'satisfaction', options: choice(['satisfied', 'basicallySatisfied', 'dissatisfied'], 'sat') },
      { name: 'comment', kind: 'textarea', optional: true }],
    event: (v) => {
      const kind = v.subject === 'repairId' ? 'repair' : 'complaint';
      return [entityName(kind, v.complaintId || ''), 'followUpRecorded',
        { subject: { [v.subject]: v.complaintId }, satisfaction: v.satisfaction, comment: v.comment }];
    } },
    { id: 'companyStep', roles: ['companyStaff', 'admin'], fields: [
      { name: 'complaintId' },
      { name: 'action', options: [{ value: 'complaintAcknowledged', label: t('f.acknowledge') },
        { value: 'complaintReplied', label: t('f.replyAction') }, { value: 'complaintResolved', label: t('f.resolve') }] },
      { name: 'reply', kind: 'textarea', optional: true }],
    event: (v) => [entityName('complaint', v.complaintId || ''), v.action, v.action === 'complaintReplied'
      ? { complaintId: v.complaintId, reply: v.reply } : { complaintId: v.complaintId, note: v.reply }] },
    { id: 'completeRepair', roles: ['companyStaff', 'admin'], fields: [
      { name: 'repairId' }, { name: 'workerId', optional: true }, { name: 'note', kind: 'textarea', optional: true }],
    event: (v) => [entityName('repair', v.repairId || ''), 'repairCompleted', v] },
    { id: 'recordVisit', roles: ['communityWorker', 'admin'], fields: [
      { name: 'visitId', value: newId('v-web') },
      { name: 'householdId', label: 'f.visitHousehold' },
      { name: 'reason', label: 'f.visitReason', options: choice(['holiday', 'hospital', 'birthday', 'hardship'], 'reason') },
      { name: 'obligationIds', optional: true },
      { name: 'note', kind: 'textarea', optional: true }],
    event: (v) => [entityName('visit', v.visitId || ''), 'homeVisitRecorded', { ...v, visitorIds: [ctx.me.actorId],
      obligationIds: v.obligationIds ? v.obligationIds.split(/[\s,，]+/).filter(Boolean) : [] }] },
    { id: 'verifyHours', roles: ['communityWorker', 'admin'], fields: [
      { name: 'claimId' }, { name: 'note', kind: 'textarea', optional: true }],
    event: (v) => [entityName('claim', v.claimId || ''), 'volunteerHoursVerified', v] },
    { id: 'inspection', roles: ['streetAuditor', 'admin'], fields: [
      { name: 'sheetId', value: newId('s-web') },
      { name: 'companyId' },
      { name: 'estateId', options: [{ value: '', label: '—' }, ...estates], optional: true },
      { name: 'year', value: String(new Date().getFullYear()) },
      { name: 'score', value: '' }],
    event: (v) => [entityName('sheet', v.sheetId || ''), 'inspectionRecorded', {
      sheetId: v.sheetId, subject: { kind: 'company', id: v.companyId }, estateId: v.estateId,
      year: v.year === '' ? undefined : Number(v.year),
      items: [{ item: t('f.inspection'), score: v.score === '' ? undefined : Number(v.score), maxScore: 100 }],
      inspectorIds: [ctx.me.actorId] }] },
  ];
}

function control(field) {
  const id = `field-${field.name}`;
  const attrs = { id, name: field.name, 'aria-describedby': `${id}-error` };
  let input;
  if (field.options) {
    input = h('select', attrs, field.options.map((o) => h('option', { value: o.value }, o.label)));
  } else if (field.kind === 'textarea') {
    input = h('textarea', attrs);
  } else {
    input = h('input', { ...attrs, value: field.value ?? '' });
  }
  return h('div', { class: 'field', 'data-field': field.name },
    h('label', { for: id }, t(field.label || `f.${field.name}`)), input,
    h('div', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' }));
}

// The field a server message names: "data.summary is required", "householdId: a resident's
// own ...", "identity.household: ..." (a name without its "Id"). The name mentioned first wins;
// whole names before their stems.
export function fieldNamed(message, names) {
  const find = (word) => {
    const m = new RegExp(`(^|[^A-Za-z])${word}([^A-Za-z]|$)`).exec(message);
    return m ? m.index : -1;
  };
  for (const stems of [false, true]) {
    let best = '', at = Infinity;
    for (const name of names) {
      const word = stems ? name.replace(/Ids?$/, '') : name;
      if (stems && word === name) continue;
      const i = find(word);
      if (i >= 0 && (i < at || (i === at && name.length > best.length))) { best = name; at = i; }
    }
    if (best) return best;
  }
  return '';
}

function buildForm(ctx, spec) {
  const status = h('div', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
  const button = h('button', { class: 'primary', type: 'submit' }, t('f.submit'));
  const form = h('form', { class: 'form panel', id: `form-${spec.id}`, novalidate: true },
    h('h2', {}, t(`f.${spec.id}`)), spec.fields.map(control), status, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    status.replaceChildren();
    const values = {};
    for (const [k, v] of new FormData(form).entries()) if (v !== '') values[k] = v;
    const [stream, type, data] = spec.event(values);
    for (const k of Object.keys(data)) if (data[k] === undefined) delete data[k];
    button.disabled = true;
    try {
      const answer = await api.append(stream, type, data);
      const seq = Array.isArray(answer.seqs) ? answer.seqs[0] : '';
      status.replaceChildren(h('p', { class: 'ok', 'data-stream': stream }, `${t('f.sent', { seq })} · ${stream}`));
      ctx.sawPosition(Number(seq) || 0);
      // A new id for the next one, so that a second filing is not taken for a retry.
      for (const f of spec.fields) {
        if (f.value && /-web-/.test(f.value)) form.elements[f.name].value = f.value.replace(/-[0-9a-f]{8}$/, `-${crypto.randomUUID().slice(0, 8)}`);
      }
    } catch (err) {
      const message = err.message || t('error');
      const name = fieldNamed(message, spec.fields.map((f) => f.name));
      if (name) {
        const holder = form.querySelector(`[data-field="${name}"]`);
        holder.querySelector('.field-error').textContent = message;
        holder.querySelector('input,select,textarea').setAttribute('aria-invalid', 'true');
        holder.querySelector('input,select,textarea').focus();
        status.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, t('f.checkFields')));
      } else {
        status.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, message));
      }
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

export async function formsPage(ctx) {
  const mine = specs(ctx).filter((s) => s.roles.includes(ctx.me.role) || ALL.includes(ctx.me.role));
  if (!mine.length) return [h('h1', {}, t('f.title')), h('p', { class: 'muted' }, t('f.noForms'))];
  return [h('h1', {}, t('f.title')), mine.map((s) => buildForm(ctx, s))];
}

// Which roles have forms at all (for the navigation).
export function hasForms(role) {
  return ['resident', 'communityWorker', 'ownersCommittee', 'companyStaff', 'streetAuditor', 'admin'].includes(role);
}
