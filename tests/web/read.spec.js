// The dashboard in a real browser against a real ledgerd over a simulated district: each role's
// navigation and figures agree with the API's answers for the same token; the language switch;
// the star evaluation as it stood at an earlier date. (The forms: write.spec.js.)
const { test, expect } = require('@playwright/test');
const { ROLES, api, n, signIn, settled, go, figure } = require('./helpers');

const SHOTS = process.env.SCREENSHOT_DIR;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

// What each role's navigation offers: company staff never see the household and person pages.
const NAV = {
  admin: ['overview', 'complaints', 'repairs', 'visits', 'timebank', 'meetings', 'stars', 'forms'],
  streetAuditor: ['overview', 'complaints', 'repairs', 'visits', 'timebank', 'meetings', 'stars', 'forms'],
  communityWorker: ['overview', 'complaints', 'repairs', 'visits', 'timebank', 'meetings', 'stars', 'forms'],
  companyStaff: ['overview', 'complaints', 'repairs', 'meetings', 'stars', 'forms'],
  ownersCommittee: ['overview', 'complaints', 'repairs', 'visits', 'timebank', 'meetings', 'stars', 'forms'],
  resident: ['overview', 'complaints', 'repairs', 'visits', 'timebank', 'meetings', 'stars', 'forms'],
};
const ESTATE = { communityWorker: 'estate/e01', ownersCommittee: 'estate/e01', resident: 'estate/e01' };
const WEEK_MS = 7 * 24 * 3600 * 1000;

// The overview's four figures, asked of the API directly with the role's token.
async function expectedOverview(request, role) {
  const estate = ESTATE[role] || '';
  const out = {
    open: n((await api(request, role, 'views/complaints', { estate, limit: 1 })).result.open),
    overdueRepairs: n((await api(request, role, 'views/overdue-repairs', { estate, limit: 1 })).result.total),
  };
  // The overdue list's total is the repairs view's count of overdue repairs, read another way.
  expect(out.overdueRepairs).toBe(n((await api(request, role, 'views/repairs', { estate, limit: 1 })).result.overdue));
  if (role !== 'companyStaff') {
    const v = (await api(request, role, 'views/visits', { estate, status: 'due', limit: 10000 })).result;
    const now = typeof v.now === 'string' && !/^\d+$/.test(v.now) ? Date.parse(v.now) : n(v.now);
    out.visitsDue = (v.obligations || []).filter((o) => o.status === 'due' &&
      (typeof o.closesAt === 'string' && !/^\d+$/.test(o.closesAt) ? Date.parse(o.closesAt) : n(o.closesAt)) <= now + WEEK_MS).length;
    out.overdueResolutions = n((await api(request, role, 'views/meetings', { estate, limit: 1 })).result.overdueCount);
  }
  return out;
}

for (const role of ROLES) {
  test(`${role}: the navigation and the figures match the API`, async ({ page, request }) => {
    await page.setViewportSize(DESKTOP);
    await signIn(page, role);
    const routes = await page.locator('#nav a').evaluateAll((as) => as.map((a) => a.dataset.route));
    expect(routes).toEqual(NAV[role]);

    const want = await expectedOverview(request, role);
    expect(await figure(page, 'open')).toBe(want.open);
    expect(await figure(page, 'overdueRepairs')).toBe(want.overdueRepairs);
    if (want.visitsDue !== undefined) {
      expect(await figure(page, 'visitsDue')).toBe(want.visitsDue);
      expect(await figure(page, 'overdueResolutions')).toBe(want.overdueResolutions);
    } else {
      await expect(page.locator('[data-figure="visitsDue"]')).toHaveCount(0);
    }

    const estate = ESTATE[role] || '';
    await go(page, 'complaints');
    const c = (await api(request, role, 'views/complaints', { estate, limit: 50 })).result;
    expect(await figure(page, 'total')).toBe(n(c.total));
    expect(await figure(page, 'resolved')).toBe(n(c.resolved));
    await expect(page.locator('#complaint-list tbody tr')).toHaveCount((c.items || []).length);

    // A complaint's full history, corrections included, for the roles that read the log.
    if (['admin', 'streetAuditor', 'communityWorker'].includes(role) && (c.items || []).length) {
      const id = c.items[0].complaintId;
      const entity = id.startsWith('complaint/') ? id : `complaint/${id}`;
      const audit = (await api(request, role, 'views/audit', { entity, limit: 200 })).result;
      await page.locator('#complaint-list tbody tr').first().locator('summary').click();
      await expect(page.locator('#complaint-list tbody tr').first().locator('li[data-seq]'))
        .toHaveCount(audit.entries.length);
    }

    await go(page, 'repairs');
    const r = (await api(request, role, 'views/repairs', { estate, limit: 1 })).result;
    expect(await figure(page, 'open')).toBe(n(r.open));
    expect(await figure(page, 'overdue')).toBe(n(r.overdue));
    expect(await figure(page, 'done')).toBe(n(r.done));
    // The list: every overdue repair (oldest first), then those still within their limit.
    const late = (await api(request, role, 'views/overdue-repairs', { estate, limit: 100 })).result;
    const open = (await api(request, role, 'views/repairs', { estate, status: 'open', limit: 100 })).result;
    const ids = [...(late.items || []), ...(open.items || [])].map((i) => i.repairId);
    if (ids.length) {
      await expect(page.locator('#repair-list tbody tr td:first-child')).toHaveText(ids);
    }

    if (NAV[role].includes('timebank') && role !== 'resident') {
      await go(page, 'timebank');
      const tb = (await api(request, role, 'views/time-bank', { estate, limit: 50 })).result;
      expect(await figure(page, 'accounts')).toBe(n(tb.accounts));
      expect(await figure(page, 'refused')).toBe(n(tb.refusedCount));
    }

    // Every page draws without an error; a screenshot of each, at phone width too for the roles
    // with the most and the least to see (the others' pages are the same pages, narrowed).
    const widths = role === 'admin' || role === 'resident' ? [['desktop', DESKTOP], ['phone', PHONE]] : [['desktop', DESKTOP]];
    for (const [name, size] of widths) {
      await page.setViewportSize(size);
      for (const route of NAV[role]) {
        if (size === PHONE) await page.goto(`/#/${route}`); else await go(page, route);
        await settled(page);
        await expect(page.locator('main .form-error[role=alert]')).toHaveCount(0);
        // Nothing wider than the screen: wide tables scroll inside their panel.
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(size.width);
        if (SHOTS) await page.screenshot({ path: `${SHOTS}/${role}-${route}-${name}.png`, fullPage: true });
      }
    }
  });
}

test('English and back to Chinese; times in China Standard Time', async ({ page, request }) => {
  await signIn(page, 'admin');
  await expect(page.locator('#nav a[data-route="complaints"]')).toHaveText('投诉');
  await page.locator('#lang').click();
  await expect(page.locator('#nav a[data-route="complaints"]')).toHaveText('Complaints');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await go(page, 'complaints');
  await expect(page.locator('h1')).toHaveText('Complaints');
  await page.locator('#lang').click();
  await expect(page.locator('#nav a[data-route="complaints"]')).toHaveText('投诉');
  await expect(page.locator('h1')).toHaveText('投诉');
  // The newest complaint's filing time, written in China whatever the browser's zone.
  const first = (await api(request, 'admin', 'views/complaints', { limit: 1 })).result.items[0];
  const ms = /^\d+$/.test(String(first.filedAt)) ? Number(first.filedAt) : Date.parse(first.filedAt);
  const d = new Date(ms + 8 * 3600 * 1000);
  const hhmm = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  const written = `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${hhmm}`;
  await expect(page.locator('#complaint-list tbody tr').first()).toContainText(written);
});

test('the star evaluation redraws as it stood at an earlier date', async ({ page, request }) => {
  await signIn(page, 'streetAuditor');
  await go(page, 'stars');
  const year = Number(await page.locator('#stars-form [name=year]').inputValue());
  const now = (await api(request, 'streetAuditor', 'reports/star-evaluation', { year })).result;
  const score = (rows) => rows.map((r) => `${r.subjectName || r.subjectId} · ${Number(r.score).toFixed(1)}`);
  await expect(page.locator('#red-list li')).toHaveText(score(now.rows.filter((r) => r.list === 'red')));
  await expect(page.locator('#black-list li')).toHaveText(score(now.rows.filter((r) => r.list === 'black')));

  // Half-way through the year, the ledger held less of it.
  const asOf = `${year}-06-30`;
  const then = (await api(request, 'streetAuditor', 'reports/star-evaluation', { year, asOf: `${asOf}T23:59:59+08:00` })).result;
  expect(n(then.positionSeq)).toBeLessThan(n(now.positionSeq));
  await page.locator('#stars-form [name=asOf]').fill(asOf);
  await page.locator('#stars-form button[type=submit]').click();
  await expect(page.locator('#stars-position')).toContainText(String(n(then.positionSeq)));
  await expect(page.locator('#red-list li')).toHaveText(score(then.rows.filter((r) => r.list === 'red')));
  await expect(page.locator('#black-list li')).toHaveText(score(then.rows.filter((r) => r.list === 'black')));
  await expect(page.locator('#star-rows > tbody > tr')).toHaveCount(then.rows.length);
});

test('the token stays in this tab: never in a URL, gone after sign-out; an unknown one is refused', async ({ page }) => {
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  await signIn(page, 'resident');
  await go(page, 'complaints');
  const token = process.env.TOKEN_resident;
  expect(await page.evaluate(() => sessionStorage.getItem('ledger.token'))).toBe(token);
  expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(token);
  expect(urls.length).toBeGreaterThan(3);
  for (const u of urls) expect(u).not.toContain(token);

  await page.locator('#signout').click();
  await expect(page.locator('#signin')).toBeVisible();
  await expect(page.locator('#nav a')).toHaveCount(0);
  expect(await page.evaluate(() => sessionStorage.getItem('ledger.token'))).toBeNull();

  await page.locator('#token').fill('glt_not-a-token');
  await page.locator('#signin button[type=submit]').click();
  await expect(page.locator('#token-error')).toHaveText('令牌无效或已被撤销');
  await expect(page.locator('#nav a')).toHaveCount(0);
});

test('the keyboard alone signs in and moves between pages', async ({ page }) => {
  await page.goto('/');
  // The token field has the focus; Enter signs in.
  await page.keyboard.type(process.env.TOKEN_communityWorker);
  await page.keyboard.press('Enter');
  await expect(page.locator('#nav a').first()).toBeVisible();
  await settled(page);
  // Tab reaches the navigation (after the skip link and the header's buttons), Enter follows it.
  let reached = false;
  for (let i = 0; i < 12 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.dataset?.route === 'repairs');
  }
  expect(reached).toBeTruthy();
  await page.keyboard.press('Enter');
  await expect(page.locator('#nav a[data-route="repairs"][aria-current="page"]')).toBeVisible();
  await settled(page);
  await expect(page.locator('h1')).toHaveText('报修');
});
