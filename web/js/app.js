// The dashboard's shell: sign-in, navigation by role, routing by the URL's #fragment, the
// language switch, the ledger position in the footer, and live updates.

import * as api from './api.js';
import { h, clear } from './dom.js';
import { num, str, list, obj, result } from './fields.js';
import { t, setLanguage, language } from './i18n.js';
import * as pages from './pages.js';
import { formsPage, hasForms } from './forms.js';

const ROUTES = [
  { id: 'overview', page: pages.overview },
  { id: 'complaints', page: pages.complaints },
  { id: 'repairs', page: pages.repairs },
  { id: 'visits', page: pages.visits, hidden: (me) => me.role === 'companyStaff' },
  { id: 'timebank', page: pages.timeBank, hidden: (me) => me.role === 'companyStaff' },
  { id: 'meetings', page: pages.meetings },
  { id: 'stars', page: pages.stars },
  { id: 'forms', page: formsPage, hidden: (me) => !hasForms(me.role) },
];

const $ = (id) => document.getElementById(id);
const ctx = {
  me: null, estates: [], estate: '', params: {}, seen: 0, route: 'overview',
  showPosition(p) {
    $('position').textContent = `${t('position')} ${p.seq} · ${t('position.hash')} ${p.hash.slice(0, 12)}`;
    $('position').dataset.seq = String(p.seq);
  },
  // An append answered at `seq`: later reads wait until the views have it.
  sawPosition(seq) { if (seq > ctx.seen) ctx.seen = seq; },
  rerender: () => render(),
};

function routeFromHash() {
  const id = location.hash.replace(/^#\/?/, '') || 'overview';
  return ROUTES.find((r) => r.id === id && !(r.hidden && ctx.me && r.hidden(ctx.me))) ? id : 'overview';
}

function drawChrome() {
  $('app-title').textContent = t('app.title');
  document.title = t('app.title');
  $('lang').textContent = t('lang.switch');
  $('signout').textContent = t('signout');
  $('signout').hidden = !ctx.me;
  $('who').textContent = ctx.me
    ? `${t('who')}：${t(`role.${ctx.me.role}`)} · ${ctx.me.actorId}${ctx.me.companyId ? ` · ${ctx.me.companyId}` : ''}${ctx.me.estates.length ? ` · ${ctx.me.estates.join('、')}` : ''}`
    : '';
  const nav = clear($('nav'));
  if (!ctx.me) return;
  nav.append(h('ul', {}, ROUTES.filter((r) => !(r.hidden && r.hidden(ctx.me))).map((r) =>
    h('li', {}, h('a', { href: `#/${r.id}`, 'data-route': r.id, 'aria-current': r.id === ctx.route ? 'page' : undefined }, t(`nav.${r.id}`))))));
}

function signInPage(message) {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false',
    'aria-describedby': 'token-error' });
  const form = h('form', { class: 'form panel signin', id: 'signin', novalidate: true },
    h('h1', {}, t('signin.title')), h('p', { class: 'muted' }, t('signin.help')),
    h('label', { for: 'token' }, t('signin.token')), input,
    h('div', { class: 'field-error', id: 'token-error', role: 'alert' }, message || ''),
    h('button', { class: 'primary', type: 'submit' }, t('signin.submit')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    api.setToken(input.value.trim());
    await start();
  });
  clear($('main')).append(form);
  input.focus();
}

let renderCount = 0;
async function render() {
  const mine = ++renderCount;
  ctx.route = routeFromHash();
  drawChrome();
  const main = $('main');
  main.setAttribute('aria-busy', 'true');
  try {
    const route = ROUTES.find((r) => r.id === ctx.route);
    const content = await route.page(ctx);
    if (mine !== renderCount) return;  // a later render won
    clear(main).append(...[content].flat(Infinity).filter(Boolean));
  } catch (err) {
    if (mine !== renderCount) return;
    if (err.status === 401) { signOut(t('signin.bad')); return; }
    clear(main).append(h('p', { class: 'form-error', role: 'alert' }, `${t('error')}: ${err.message}`));
  } finally {
    if (mine === renderCount) {
      main.setAttribute('aria-busy', 'false');
      main.dataset.rendered = String(mine);
    }
  }
}

// --- live updates: the subscription for the roles that read the log, polling the head for
// the others (the API keeps the raw stream from them). Redraws at most once a second. ---
let stopLive = null;
let redrawTimer = null;
function changed(seq) {
  ctx.sawPosition(seq);
  if (redrawTimer) return;
  redrawTimer = setTimeout(() => {
    redrawTimer = null;
    // Forms keep what is being typed; every other page redraws.
    if (ctx.route !== 'forms' && !document.querySelector('main details[open]')) render();
  }, 1000);
}

async function startLive() {
  if (stopLive) stopLive();
  const head = await api.get('head');
  ctx.sawPosition(num(head, 'seq'));
  if (ctx.me.readsRawLog) {
    $('live').textContent = t('live');
    stopLive = api.subscribe(num(head, 'seq') + 1, changed, () => { $('live').textContent = ''; });
  } else {
    $('live').textContent = t('live.poll');
    let last = num(head, 'seq');
    const timer = setInterval(async () => {
      try {
        const now = num(await api.get('head'), 'seq');
        if (now !== last) { last = now; changed(now); }
      } catch { /* the next poll tries again */ }
    }, 3000);
    stopLive = () => clearInterval(timer);
  }
}

// The estates this token may choose from, with their names where the register gives them.
async function loadEstates() {
  const me = ctx.me;
  try {
    if (me.role === 'companyStaff') {
      const r = result(await api.get('views/complaints', { limit: 1 }));
      const rp = result(await api.get('views/repairs', { limit: 1 }));
      const ids = new Set([...list(r, 'byEstate').map((c) => str(c, 'key')), ...list(rp, 'complianceByEstate').map((c) => str(c, 'key'))]);
      return [...ids].filter(Boolean).sort().map((id) => ({ id, name: '' }));
    }
    const reg = result(await api.get('views/registers', { limit: 1000 }));
    const named = new Map(list(reg, 'estates').map((e) => [str(e, 'estateId'), str(e, 'name')]));
    const ids = me.estates.length ? me.estates : [...named.keys()];
    return ids.map((id) => ({ id, name: named.get(id) || '' }));
  } catch {
    return me.estates.map((id) => ({ id, name: '' }));
  }
}

async function start() {
  if (!api.token()) { drawChrome(); signInPage(); return; }
  try {
    const me = await api.get('me');
    ctx.me = { role: str(me, 'role'), actorId: str(me, 'actorId'), companyId: str(me, 'companyId'),
      estates: list(me, 'estates').map((e) => str(e)), readsRawLog: me.readsRawLog === true };
  } catch (err) {
    api.setToken('');
    ctx.me = null;
    drawChrome();
    signInPage(err.status === 401 ? t('signin.bad') : err.message);
    return;
  }
  ctx.estates = await loadEstates();
  if (ctx.me.estates.length === 1) ctx.estate = ctx.me.estates[0];
  await render();
  startLive().catch(() => {});
}

function signOut(message) {
  if (stopLive) stopLive();
  stopLive = null;
  api.setToken('');
  ctx.me = null;
  ctx.estate = '';
  ctx.params = {};
  $('live').textContent = '';
  $('position').textContent = '';
  drawChrome();
  signInPage(message);
}

document.addEventListener('DOMContentLoaded', () => {
  setLanguage(localStorage.getItem('ledger.lang') || 'zh-CN');
  $('lang').addEventListener('click', () => {
    setLanguage(language() === 'en' ? 'zh-CN' : 'en');
    localStorage.setItem('ledger.lang', language());
    if (ctx.me) render(); else { drawChrome(); signInPage(); }
  });
  $('signout').addEventListener('click', () => signOut());
  window.addEventListener('hashchange', () => { ctx.params = {}; if (ctx.me) render(); });
  start();
});
