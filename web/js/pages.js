// The pages: each asks the API for what it shows and draws it. Every figure comes from a view or
// report answer, read through fields.js; the page reports the ledger position it shows.

import * as api from './api.js';
import { h, table, barChart } from './dom.js';
import { num, str, bool, list, obj, time, position, result, entityName } from './fields.js';
import { t, term, dateTime, date, hours, isoDay, percent } from './i18n.js';

const WEEK_MS = 7 * 24 * 3600 * 1000;

// Asks a view or report, waiting until the views have applied what this tab last saw.
async function ask(ctx, path, params) {
  const answer = await api.get(path, { ...params, atLeast: ctx.seen || undefined });
  ctx.showPosition(position(answer));
  return result(answer);
}

function card(label, value, options = {}) {
  return h('div', { class: `card${options.alert && value > 0 ? ' alert' : ''}`, 'data-figure': options.id },
    h('span', { class: 'n', 'data-value': String(value) }, String(value)), h('span', {}, label));
}

function tag(kind, value) {
  return h('span', { class: `tag ${value}` }, term(kind, value));
}

// The estate a page is about: the token's only one, the one chosen, or none (all it reads).
function estateParam(ctx) {
  return ctx.estate || (ctx.me.estates.length === 1 ? ctx.me.estates[0] : '');
}

// For a page whose view needs one estate (company staff read meetings and the evaluation estate
// by estate): the estate chosen, else the first the token reads.
function oneEstate(ctx) {
  const estate = estateParam(ctx);
  if (estate || ctx.me.role !== 'companyStaff' || !ctx.estates.length) return estate;
  ctx.estate = ctx.estates[0].id;
  return ctx.estate;
}

function estateSelect(ctx, onChange) {
  if (ctx.estates.length <= 1) return null;
  const select = h('select', { name: 'estate', 'aria-label': t('c.estate') },
    ctx.me.role === 'companyStaff' || ctx.me.estates.length === 0
      ? h('option', { value: '' }, t('estates.all')) : null,
    ctx.estates.map((e) => h('option', { value: e.id, selected: e.id === ctx.estate },
      e.name ? `${e.name}（${e.id}）` : e.id)));
  select.addEventListener('change', () => { ctx.estate = select.value; onChange(); });
  return h('label', {}, t('c.estate'), select);
}

// --- 概览 overview -------------------------------------------------------------------------

// The four figures of the overview, each read from the view that defines it. Exported so that
// tests and the page agree on the definitions:
//   open complaints: complaints view "open"; overdue repairs: the overdue list's "total" (the
//   repairs view's "overdue", read from the open repairs alone rather than from every repair);
//   must-visits due this week: obligations with status "due" whose window closes within 7 days;
//   overdue resolutions: meetings view "overdueCount".
export async function overviewFigures(ctx) {
  const estate = estateParam(ctx);
  const figures = {};
  const jobs = [
    ask(ctx, 'views/complaints', { estate, limit: 1 }).then((r) => { figures.open = num(r, 'open'); }),
    ask(ctx, 'views/overdue-repairs', { estate, limit: 1 }).then((r) => { figures.overdueRepairs = num(r, 'total'); }),
  ];
  if (ctx.me.role !== 'companyStaff') {
    jobs.push(ask(ctx, 'views/visits', { estate, status: 'due', limit: 10000 }).then((r) => {
      const now = time(r, 'now');
      figures.visitsDue = list(r, 'obligations').filter((o) =>
        str(o, 'status') === 'due' && time(o, 'closesAt') <= now + WEEK_MS).length;
    }));
  }
  if (ctx.me.role !== 'companyStaff' || estate) {
    jobs.push(ask(ctx, 'views/meetings', { estate, limit: 1 }).then((r) => {
      figures.overdueResolutions = num(r, 'overdueCount');
    }));
  }
  await Promise.all(jobs);
  return figures;
}

export async function overview(ctx) {
  const f = await overviewFigures(ctx);
  const cards = h('div', { class: 'cards' },
    card(t('ov.open'), f.open, { id: 'open' }),
    card(t('ov.overdueRepairs'), f.overdueRepairs, { id: 'overdueRepairs', alert: true }),
    f.visitsDue !== undefined ? card(t('ov.visitsDue'), f.visitsDue, { id: 'visitsDue' }) : null,
    f.overdueResolutions !== undefined
      ? card(t('ov.overdueResolutions'), f.overdueResolutions, { id: 'overdueResolutions', alert: true }) : null);
  return [h('h1', {}, t('ov.title')), estateSelect(ctx, ctx.rerender), cards];
}

// --- 投诉 complaints ----------------------------------------------------------------------

const CATEGORIES = ['water', 'drainage', 'electricity', 'gas', 'heating', 'lighting', 'locks',
  'windowScreens', 'tiles', 'toiletLeak', 'roofLeak', 'flooding', 'handrails', 'cleaning',
  'repairDelay', 'sanitation', 'parking', 'noise', 'security', 'greening', 'fees', 'elevator', 'pets'];
export const CHANNELS = ['hotline', 'opinionBook', 'messageBox', 'replyBoard', 'wechatGroup', 'doorToDoor', 'forum'];
const COMPLAINT_STATUSES = ['filed', 'acknowledged', 'replied', 'resolved', 'reopened'];
export { CATEGORIES };

function options(values, family, chosen, blank = true) {
  return [blank ? h('option', { value: '' }, '—') : null,
    values.map((v) => h('option', { value: v, selected: v === chosen }, term(family, v)))];
}

async function complaintHistory(ctx, id, into) {
  into.replaceChildren(h('p', { class: 'muted' }, t('loading')));
  try {
    if (!ctx.me.readsRawLog) throw new Error('views only');
    const r = await ask(ctx, 'views/audit', { entity: entityName('complaint', id), limit: 200 });
    // Every event about the complaint, in ledger order; one that a correction names is struck
    // through, and the correction itself says which seq it corrects.
    into.replaceChildren(h('ol', { class: 'history' }, list(r, 'entries').map((e) => h('li', {
      class: list(e, 'correctedBy').length ? 'corrected' : undefined, 'data-seq': str(e, 'seq') },
    `#${num(e, 'seq')} · ${dateTime(time(e, 'occurredAt') || time(e, 'recordedAt'))} · ${str(e, 'type')} · ${str(e, 'actorId')}`,
    num(e, 'corrects') ? h('span', { class: 'tag warn' }, `${t('c.correction')} #${num(e, 'corrects')}`) : null))));
  } catch {
    into.replaceChildren(h('p', { class: 'muted' }, t('none')));
  }
}

function complaintSteps(item) {
  return h('ol', { class: 'history' },
    [['status.filed', 'filedAt'], ['status.acknowledged', 'acknowledgedAt'], ['status.replied', 'repliedAt'],
      ['status.resolved', 'resolvedAt']].filter(([, k]) => time(item, k)).map(([label, k]) =>
      h('li', {}, `${dateTime(time(item, k))} · ${t(label)}`)));
}

export async function complaints(ctx) {
  const p = ctx.params;
  const form = h('form', { class: 'filters', 'aria-label': t('c.filters') },
    ctx.estates.length > 1 ? h('label', {}, t('c.estate'), h('select', { name: 'estate' },
      h('option', { value: '' }, t('estates.all')),
      ctx.estates.map((e) => h('option', { value: e.id, selected: e.id === (p.estate ?? ctx.estate) }, e.name || e.id)))) : null,
    h('label', {}, t('c.category'), h('select', { name: 'category' }, options(CATEGORIES, 'cat', p.category))),
    h('label', {}, t('c.channel'), h('select', { name: 'channel' }, options(CHANNELS, 'channel', p.channel))),
    h('label', {}, t('c.status'), h('select', { name: 'status' }, options(COMPLAINT_STATUSES, 'status', p.status))),
    h('label', {}, t('c.from'), h('input', { type: 'date', name: 'from', value: p.from || '' })),
    h('label', {}, t('c.to'), h('input', { type: 'date', name: 'to', value: p.to || '' })),
    h('button', { class: 'primary', type: 'submit' }, t('c.apply')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    ctx.params = data;
    if (data.estate !== undefined) ctx.estate = data.estate;
    ctx.rerender();
  });
  const estate = p.estate ?? estateParam(ctx);
  const r = await ask(ctx, 'views/complaints', {
    estate, category: p.category, channel: p.channel, status: p.status,
    from: p.from ? `${p.from}T00:00:00+08:00` : '', to: p.to ? `${p.to}T23:59:59+08:00` : '', limit: 50,
  });
  const rows = list(r, 'items').map((item) => {
    const id = str(item, 'complaintId');
    const more = h('div', {});
    const details = h('details', {}, h('summary', {}, t('c.history')), complaintSteps(item), more);
    details.addEventListener('toggle', () => { if (details.open) complaintHistory(ctx, id, more); }, { once: true });
    return [id, dateTime(time(item, 'filedAt')), term('cat', str(item, 'category')),
      tag('status', str(item, 'status')), h('div', {}, str(item, 'summary'), details)];
  });
  const out = [h('h1', {}, t('c.title')), form,
    h('div', { class: 'cards' }, card(t('c.total'), num(r, 'total'), { id: 'total' }),
      card(t('c.open'), num(r, 'open'), { id: 'open' }), card(t('c.resolved'), num(r, 'resolved'), { id: 'resolved' }),
      card(t('c.reopened'), num(r, 'reopened'), { id: 'reopened' })),
    h('div', { class: 'panel' }, rows.length
      ? table([t('c.id'), t('c.filedAt'), t('c.category'), t('c.status'), t('c.summary')], rows, { id: 'complaint-list' })
      : h('p', { class: 'muted' }, t('none')))];
  if (estate) {
    const board = await ask(ctx, 'views/reply-board', { estate });
    const entries = list(board, 'entries').slice(-20).reverse();
    out.push(h('h2', {}, t('c.board')), h('div', { class: 'panel', id: 'reply-board' }, entries.length
      ? table([t('c.id'), t('c.repliedAt'), t('c.category'), t('c.reply')], entries.map((e) =>
        [str(e, 'complaintId'), dateTime(time(e, 'repliedAt')), term('cat', str(e, 'category')), str(e, 'reply')]))
      : h('p', { class: 'muted' }, t('none'))));
  }
  return out;
}

// --- 报修 repairs -------------------------------------------------------------------------

function limitText(item) {
  if (!bool(item, 'hasLimit')) return t('r.noLimit');
  if (num(item, 'limitNextMorningHour')) return t('r.nextMorning', { h: num(item, 'limitNextMorningHour') });
  return t('r.hours', { h: num(item, 'limitHours') });
}

export async function repairs(ctx) {
  const estate = estateParam(ctx);
  // Overdue ones first (oldest first), then those still within their limit.
  const [late, open, all] = await Promise.all([ask(ctx, 'views/overdue-repairs', { estate, limit: 100 }),
    ask(ctx, 'views/repairs', { estate, status: 'open', limit: 100 }), ask(ctx, 'views/repairs', { estate, limit: 1 })]);
  const now = time(all, 'now');
  const rows = list(late, 'items').concat(list(open, 'items')).map((item) => {
    const deadline = time(item, 'deadline');
    const left = deadline ? (deadline - now) / 3600000 : 0;
    return [str(item, 'repairId'), term('cat', str(item, 'category')), str(item, 'location') || str(item, 'description'),
      dateTime(time(item, 'requestedAt')), limitText(item), deadline ? dateTime(deadline) : '—',
      deadline ? h('span', { class: `tag ${left < 0 ? 'overdue' : 'due'}` },
        left < 0 ? `${t('r.past')} ${hours(-left)}` : `${t('r.left')} ${hours(left)}`) : '—'];
  });
  const months = list(all, 'complianceByMonth');
  return [h('h1', {}, t('r.title')), h('p', { class: 'muted' }, t('r.rules')), estateSelect(ctx, ctx.rerender),
    h('div', { class: 'cards' }, card(t('r.open'), num(all, 'open'), { id: 'open' }),
      card(t('r.overdue'), num(all, 'overdue'), { id: 'overdue', alert: true }),
      card(t('r.done'), num(all, 'done'), { id: 'done' }),
      h('div', { class: 'card', 'data-figure': 'rate' }, h('span', { class: 'n' }, percent(num(all, 'compliance.rate'))), h('span', {}, t('r.rate')))),
    h('h2', {}, `${t('r.open')} / ${t('r.overdue')}`),
    h('div', { class: 'panel' }, rows.length ? table([t('f.repairId'), t('c.category'), t('f.location'), t('c.filedAt'),
      t('r.limit'), t('r.deadline'), ''], rows, { id: 'repair-list' }) : h('p', { class: 'muted' }, t('none'))),
    h('h2', {}, t('r.byMonth')),
    h('div', { class: 'panel' }, barChart(months.map((m) => ({ label: str(m, 'key'), value: num(m, 'rate'),
      text: num(m, 'denominator') ? `${percent(num(m, 'rate'))} (${num(m, 'met')}/${num(m, 'denominator')})` : '—' })),
    { max: 1, left: 80, label: t('r.byMonth') })),
    h('p', { class: 'muted' }, str(all, 'complianceNote'))];
}

// --- 走访 visits --------------------------------------------------------------------------

function complianceRows(items) {
  return list(items).map((c) => [str(c, 'key'), num(c, 'met'), num(c, 'missed'), num(c, 'due'),
    bool(c, 'defined') ? percent(num(c, 'rate')) : '—']);
}

export async function visits(ctx) {
  const estate = estateParam(ctx);
  const r = await ask(ctx, 'views/visits', { estate, status: 'due', limit: 50 });
  const c = obj(r, 'compliance');
  const heads = ['', `#${t('v.met')}`, `#${t('v.missed')}`, `#${t('v.due')}`, `#${t('r.rate')}`];
  const householdOut = h('div', { id: 'household-out' });
  const householdForm = h('form', { class: 'filters' },
    h('label', {}, t('v.householdId'), h('input', { name: 'household', value: ctx.params.household || '' })),
    h('button', { class: 'primary', type: 'submit' }, t('v.show')));
  householdForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = new FormData(householdForm).get('household');
    try {
      const hv = await ask(ctx, 'views/household-visits', { household: id });
      householdOut.replaceChildren(table([t('ev.at'), t('f.visitReason'), t('f.note')],
        list(hv, 'visits').map((v) => [dateTime(time(v, 'visitedAt')), term('reason', str(v, 'reason')), str(v, 'note')])),
      table([t('f.obligationId'), t('f.visitReason'), t('m.deadline'), t('c.status')],
        list(hv, 'obligations').map((o) => [str(o, 'obligationId'), term('reason', str(o, 'reason')), str(o, 'windowTo'), tag('status', str(o, 'status'))])));
    } catch (err) {
      householdOut.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, err.message));
    }
  });
  return [h('h1', {}, t('v.title')), estateSelect(ctx, ctx.rerender),
    h('div', { class: 'cards' }, card(t('v.met'), num(c, 'met'), { id: 'met' }), card(t('v.missed'), num(c, 'missed'), { id: 'missed', alert: true }),
      card(t('v.due'), num(c, 'due'), { id: 'due' })),
    h('h2', {}, t('v.byEstate')), h('div', { class: 'panel' }, table(heads, complianceRows(obj(r).byEstate))),
    h('h2', {}, t('v.byTeam')), h('div', { class: 'panel' }, table(heads, complianceRows(obj(r).byTeam))),
    h('h2', {}, `${t('v.due')}`), h('div', { class: 'panel' }, table([t('f.obligationId'), t('f.visitReason'), t('v.householdId'), t('m.deadline')],
      list(r, 'obligations').map((o) => [str(o, 'obligationId'), term('reason', str(o, 'reason')), str(o, 'householdId'), str(o, 'windowTo')]))),
    h('h2', {}, t('v.household')), householdForm, householdOut];
}

// --- 志愿服务 time bank -------------------------------------------------------------------

const points = (centi) => (centi / 100).toFixed(2);

export async function timeBank(ctx) {
  const estate = estateParam(ctx);
  const out = [h('h1', {}, t('t.title')), estateSelect(ctx, ctx.rerender)];
  const statementOut = h('div', { id: 'statement-out' });
  const showStatement = async (person) => {
    try {
      const s = await ask(ctx, 'views/time-bank-statement', { person });
      statementOut.replaceChildren(h('div', { class: 'cards' }, card(t('t.balance'), points(num(s, 'balanceCenti')), { id: 'balance' }),
        card(t('t.earned'), points(num(s, 'earnedCenti')))),
      table([t('ev.at'), t('ev.type'), `#${t('t.earned')}`, `#${t('t.balance')}`, t('t.reason')],
        list(s, 'movements').map((m) => [dateTime(time(m, 'at')), str(m, 'kind'), points(num(m, 'amountCenti')),
          points(num(m, 'balanceAfterCenti')), str(m, 'reason') || str(m, 'description')])));
    } catch (err) {
      statementOut.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, err.message));
    }
  };
  if (ctx.me.role !== 'resident') {
    const r = await ask(ctx, 'views/time-bank', { estate, limit: 50 });
    out.push(h('div', { class: 'cards' },
      card(t('t.accounts'), num(r, 'accounts'), { id: 'accounts' }),
      card(t('t.verifiedHours'), num(r, 'claims.verified.hours').toFixed(1), { id: 'verifiedHours' }),
      card(t('t.refused'), num(r, 'refusedCount'), { id: 'refused' })),
    h('h2', {}, t('t.reconciliation')),
    h('p', { id: 'reconciliation', class: bool(r, 'reconciled') ? 'ok' : 'form-error' },
      `${t('t.totalEarned')} ${points(num(r, 'totalEarnedCenti'))} ${bool(r, 'reconciled') ? '=' : '≠'} ${t('t.circulation')} ${points(num(r, 'circulationCenti'))} ${bool(r, 'reconciled') ? '✓' : '✗'}`),
    h('h2', {}, t('t.refused')),
    h('div', { class: 'panel' }, table([t('ev.at'), t('t.person'), `#${t('t.spent')}`, `#${t('t.balance')}`, t('t.reason')],
      list(r, 'refused').map((x) => [dateTime(time(x, 'at')), str(x, 'payerId'), points(num(x, 'requestedCenti')),
        points(num(x, 'payerBalanceCenti')), str(x, 'reason')]))));
    const form = h('form', { class: 'filters' }, h('label', {}, t('t.person'), h('input', { name: 'person' })),
      h('button', { class: 'primary', type: 'submit' }, t('v.show')));
    form.addEventListener('submit', (e) => { e.preventDefault(); showStatement(new FormData(form).get('person')); });
    out.push(h('h2', {}, t('t.statement')), form, statementOut);
  } else {
    out.push(h('h2', {}, t('t.statement')), statementOut);
    await showStatement(ctx.me.actorId);
  }
  return out;
}

// --- 联席会议 joint meetings ----------------------------------------------------------------

export async function meetings(ctx) {
  const estate = oneEstate(ctx);
  const out = [h('h1', {}, t('m.title')), estateSelect(ctx, ctx.rerender)];
  if (!estate && ctx.me.role === 'companyStaff') return out;
  const r = await ask(ctx, 'views/meetings', { estate, limit: 50 });
  out.push(h('div', { class: 'cards' }, card(t('m.meetings'), num(r, 'meetingTotal'), { id: 'meetings' }),
    card(t('status.open'), num(r, 'openCount'), { id: 'openResolutions' }),
    card(t('status.overdue'), num(r, 'overdueCount'), { id: 'overdueResolutions', alert: true })),
  h('h2', {}, t('m.meetings')),
  h('div', { class: 'panel' }, table([t('ev.at'), t('c.estate'), t('m.title'), `#${t('m.resolutions')}`],
    list(r, 'meetings').map((m) => [str(m, 'heldOn'), str(m, 'estateId'), list(m, 'agenda').map((a) => str(a, 'title')).join('；'),
      list(m, 'resolutionIds').length]))),
  h('h2', {}, t('m.resolutions')),
  h('div', { class: 'panel' }, table([t('m.resolutions'), t('m.deadline'), t('c.status'), `#${t('m.progress')}`],
    list(r, 'open').concat(list(r, 'resolutions').filter((x) => str(x, 'status') === 'completed')).map((x) =>
      [str(x, 'text') || str(x, 'resolutionId'), str(x, 'dueDate') || '—',
        h('span', { class: `tag ${str(x, 'status')}` }, `${term('status', str(x, 'status'))}${num(x, 'daysOverdue') ? ` +${num(x, 'daysOverdue')}` : ''}`),
        `${num(x, 'percent')}%`]))));
  if (estate) {
    // The last twelve months by default (a report covers at most 366 days).
    const from = ctx.params.reportFrom || isoDay(Date.now() - 364 * 24 * 3600e3);
    const to = ctx.params.reportTo || isoDay(Date.now());
    const form = h('form', { class: 'filters noprint' },
      h('label', {}, t('c.from'), h('input', { type: 'date', name: 'reportFrom', value: from })),
      h('label', {}, t('c.to'), h('input', { type: 'date', name: 'reportTo', value: to })),
      h('button', { class: 'primary', type: 'submit' }, t('c.apply')),
      h('button', { class: 'plain', type: 'button', onclick: () => window.print() }, t('m.print')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      Object.assign(ctx.params, Object.fromEntries(new FormData(form).entries()));
      ctx.rerender();
    });
    const rep = await ask(ctx, 'reports/joint-meeting', { estate, from: `${from}T00:00:00+08:00`, to: `${to}T23:59:59+08:00` });
    const hl = obj(rep, 'headlines');
    const rate = (x) => (bool(x, 'defined') ? `${percent(num(x, 'rate'))} (${num(x, 'numerator')}/${num(x, 'denominator')})` : '—');
    out.push(h('h2', {}, t('m.report')), form, h('section', { class: 'panel report', id: 'joint-meeting-report' },
      h('h3', {}, `${str(rep, 'estateName') || str(rep, 'estateId')} · ${str(rep, 'firstDay')} — ${str(rep, 'lastDay')}`),
      table(['', '#'], [
        [t('c.total'), num(hl, 'complaintsFiled')], [t('c.open'), num(hl, 'complaintsUnresolved')],
        [t('sat.satisfied'), rate(obj(hl, 'complaintSatisfaction'))],
        [t('nav.repairs'), num(hl, 'repairsRequested')], [t('r.rate'), rate(obj(hl, 'repairCompliance'))],
        [t('r.overdue'), num(hl, 'repairsOverdue')], [t('nav.visits'), num(hl, 'homeVisits')],
        [t('v.met'), rate(obj(hl, 'mustVisitCompliance'))],
        [t('t.earned'), (num(hl, 'volunteerMinutesVerified') / 60).toFixed(1)],
        [t('status.open'), num(hl, 'resolutionsOpen')], [t('status.overdue'), num(hl, 'resolutionsOverdue')],
        [t('m.meetings'), num(hl, 'meetingsHeld')]]),
      h('p', { class: 'muted' }, `${t('position')} ${num(rep, 'positionSeq')} · ${str(rep, 'positionHash').slice(0, 16)}`),
      list(rep, 'notes').map((n) => h('p', { class: 'muted' }, str(n)))));
  }
  return out;
}

// --- 星级评价 star evaluation ---------------------------------------------------------------

export async function stars(ctx) {
  const nowYear = new Date(Date.now() + 8 * 3600e3).getUTCFullYear();
  const year = Number(ctx.params.year) || nowYear - 1;
  const asOf = ctx.params.asOf || '';
  const form = h('form', { class: 'filters', id: 'stars-form' },
    h('label', {}, t('s.year'), h('select', { name: 'year' },
      [0, 1, 2, 3].map((d) => nowYear - d).map((y) => h('option', { value: y, selected: y === year }, String(y))))),
    h('label', {}, t('s.asOf'), h('input', { type: 'date', name: 'asOf', value: asOf, 'aria-describedby': 'as-of-hint' }),
      h('span', { id: 'as-of-hint', class: 'muted' }, t('s.asOfNow'))),
    h('button', { class: 'primary', type: 'submit' }, t('c.apply')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    Object.assign(ctx.params, Object.fromEntries(new FormData(form).entries()));
    ctx.rerender();
  });
  const estate = oneEstate(ctx);
  const r = await ask(ctx, 'reports/star-evaluation', { year, estate: ctx.me.role === 'companyStaff' ? estate : '',
    asOf: asOf ? `${asOf}T23:59:59+08:00` : '' });
  const rows = list(r, 'rows');
  const twice = rows.filter((x) => bool(x, 'replacementRecommended') || (str(x, 'list') === 'black' && bool(x, 'blackListedLastYear')));
  const name = (x) => str(x, 'subjectName') || str(x, 'subjectId');
  const companies = rows.filter((x) => str(x, 'subjectKind') === 'company');
  return [h('h1', {}, `${t('s.title')} · ${year}`), form,
    h('p', { class: 'muted', id: 'stars-position' }, `${t('position')} ${num(r, 'positionSeq')}${asOf ? ` · ${t('s.asOf')} ${asOf}` : ''}`),
    twice.map((x) => h('p', { class: 'flag', role: 'alert' }, `⚠ ${name(x)}：${t('s.twice')}，${t('s.replace')}`)),
    h('div', { class: 'two' },
      h('div', { class: 'panel', id: 'red-list' }, h('h2', {}, t('s.red')),
        h('ul', {}, rows.filter((x) => str(x, 'list') === 'red').map((x) => h('li', {}, `${name(x)} · ${num(x, 'score').toFixed(1)}`)))),
      h('div', { class: 'panel', id: 'black-list' }, h('h2', {}, t('s.black')),
        h('ul', {}, rows.filter((x) => str(x, 'list') === 'black').map((x) => h('li', {}, `${name(x)} · ${num(x, 'score').toFixed(1)}`))))),
    h('h2', {}, t('s.chart')),
    h('div', { class: 'panel' }, barChart(companies.map((x) => ({ label: name(x), value: num(x, 'score'),
      text: `${num(x, 'score').toFixed(1)} ${'★'.repeat(num(x, 'stars'))}`,
      color: str(x, 'list') === 'black' ? '#333' : str(x, 'list') === 'red' ? '#b3261e' : '#6b6b78' })), { max: 100, label: t('s.chart') })),
    h('div', { class: 'panel' }, table([t('s.subject'), `#${t('s.score')}`, t('s.stars'), t('c.status'), t('s.components')],
      rows.map((x) => [name(x), num(x, 'score').toFixed(1), '★'.repeat(num(x, 'stars')) || '—',
        str(x, 'list') === 'none' ? '—' : tag('list', str(x, 'list')),
        h('details', {}, h('summary', {}, t('s.components')), table([t('s.components'), '#', `#${t('s.weight')}`, t('s.inputs')],
          list(x, 'figures').map((f) => [term('comp', str(f, 'name')), bool(f, 'hasData') ? num(f, 'value').toFixed(1) : '—',
            num(f, 'weight') ? num(f, 'weight') : '', str(f, 'inputs')])))]), { id: 'star-rows' })),
    h('p', { class: 'muted' }, str(r, 'notes'))];
}
