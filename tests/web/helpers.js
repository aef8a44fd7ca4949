// What the dashboard tests share: signing in as a role, and asking the API the same questions
// the page asks, with the same token, to compare figures.
const { expect } = require('@playwright/test');

const ROLES = ['admin', 'streetAuditor', 'communityWorker', 'companyStaff', 'ownersCommittee', 'resident'];

function tokenOf(role) {
  const token = process.env[`TOKEN_${role}`];
  if (!token) throw new Error(`TOKEN_${role} is not set; run the tests with tests/web/run.sh`);
  return token;
}

async function api(request, role, path, params = {}) {
  const qs = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v !== undefined)).toString();
  const r = await request.get(`/v1/${path}${qs ? `?${qs}` : ''}`, { headers: { Authorization: `Bearer ${tokenOf(role)}` } });
  expect(r.ok(), `${path}: ${await r.text()}`).toBeTruthy();
  return r.json();
}

// A number as the API may spell it (70 or "70").
const n = (v) => (v === undefined || v === null || v === '' ? 0 : Number(v));

async function signIn(page, role) {
  await page.goto('/');
  await page.locator('#token').fill(tokenOf(role));
  await page.locator('#signin button[type=submit]').click();
  await expect(page.locator('#nav a').first()).toBeVisible();
  await settled(page);
}

// Waits until the page finished drawing what it asked for.
async function settled(page) {
  await expect(page.locator('main[aria-busy="false"]')).toBeVisible();
}

async function go(page, route) {
  await page.locator(`#nav a[data-route="${route}"]`).click();
  await expect(page.locator(`#nav a[data-route="${route}"][aria-current="page"]`)).toBeVisible();
  await settled(page);
}

async function figure(page, id) {
  return Number(await page.locator(`[data-figure="${id}"] .n`).first().getAttribute('data-value'));
}

module.exports = { ROLES, tokenOf, api, n, signIn, settled, go, figure };
