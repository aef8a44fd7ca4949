// The dashboard's forms in a real browser against a real ledgerd: they append through the API,
// the pages follow live, and the server's refusals land beside the field they name. Run after
// the reading tests (playwright.config.js), so that the figures those compare do not move.
const { test, expect } = require('@playwright/test');
const { api, n, signIn, go, figure } = require('./helpers');

test('a complaint filed by a resident, resolved by company staff and followed up, counted live', async ({ browser, request }) => {
  const watch = await (await browser.newContext()).newPage();
  await signIn(watch, 'admin');
  const before = await figure(watch, 'open');

  const resident = await (await browser.newContext()).newPage();
  await signIn(resident, 'resident');
  await go(resident, 'forms');
  const form = resident.locator('#form-fileComplaint');
  const id = await form.locator('[name=complaintId]').inputValue();
  await form.locator('[name=category]').selectOption('noise');
  await form.locator('[name=channel]').selectOption('wechatGroup');
  await form.locator('[name=summary]').fill('夜间施工噪音扰民');
  await form.locator('button[type=submit]').click();
  await expect(form.locator('.ok')).toContainText(`complaint/${id}`);

  // The admin's overview, untouched, counts one more open complaint.
  await expect(watch.locator('[data-figure="open"] .n')).toHaveText(String(before + 1));
  const filed = (await api(request, 'admin', 'views/complaints', { limit: 1 })).result;
  expect(n(filed.open)).toBe(before + 1);

  // The resident sees it in their list.
  await go(resident, 'complaints');
  await expect(resident.locator('#complaint-list')).toContainText(id);

  const staff = await (await browser.newContext()).newPage();
  await signIn(staff, 'companyStaff');
  await go(staff, 'forms');
  const step = staff.locator('#form-companyStep');
  for (const [action, text] of [['complaintAcknowledged', ''], ['complaintReplied', '已协调施工方夜间停工'], ['complaintResolved', '']]) {
    await step.locator('[name=complaintId]').fill(id);
    await step.locator('[name=action]').selectOption(action);
    await step.locator('[name=reply]').fill(text);
    await step.locator('button[type=submit]').click();
    await expect(step.locator('.ok')).toContainText(`complaint/${id}`);
    await expect(step.locator('.ok')).toBeVisible();
    await step.locator('.ok').evaluate((el) => el.remove());
  }
  await expect(watch.locator('[data-figure="open"] .n')).toHaveText(String(before));

  // The reply is on the estate's public board.
  await go(resident, 'complaints');
  await expect(resident.locator('#reply-board')).toContainText('已协调施工方夜间停工');

  await go(resident, 'forms');
  const follow = resident.locator('#form-followUp');
  await follow.locator('[name=subject]').selectOption('complaintId');
  await follow.locator('[name=complaintId]').fill(id);
  await follow.locator('[name=satisfaction]').selectOption('satisfied');
  await follow.locator('button[type=submit]').click();
  await expect(follow.locator('.ok')).toContainText(`complaint/${id}`);
  // Read your writes: the views as of the head after the follow-up, not whatever they have
  // applied by now.
  const head = await api(request, 'admin', 'head');
  const atLeast = (head.head || head).seq;
  const items = (await api(request, 'admin', 'views/complaints', { estate: 'estate/e01', limit: 200, atLeast })).result.items;
  const mine = items.find((i) => i.complaintId === id);
  expect(mine.status).toBe('resolved');
  expect(mine.satisfaction).toBe('satisfied');
});

test("a bad field shows the server's message beside that field, and nothing is appended", async ({ page, request }) => {
  await signIn(page, 'resident');
  await go(page, 'forms');
  const form = page.locator('#form-fileComplaint');
  const id = await form.locator('[name=complaintId]').inputValue();
  // Nothing was appended: the complaint's stream does not exist.
  const nothing = async () => {
    const r = await request.get(`/v1/streams/${encodeURIComponent(`complaint/${id}`)}/events`,
      { headers: { Authorization: `Bearer ${process.env.TOKEN_admin}` } });
    expect(r.status()).toBe(404);
  };
  await form.locator('[name=summary]').fill('');
  await form.locator('button[type=submit]').click();
  const message = form.locator('[data-field="summary"] .field-error');
  await expect(message).toContainText('summary');
  await expect(form.locator('[name=summary]')).toHaveAttribute('aria-invalid', 'true');
  await expect(form.locator('[data-field="category"] .field-error')).toHaveText('');
  // The message is the server's own, word for word.
  const answer = await request.post(`/v1/streams/${encodeURIComponent('complaint/x-check')}/events`, {
    headers: { Authorization: `Bearer ${process.env.TOKEN_resident}` },
    data: { eventId: 'x-check', stream: 'complaint/x-check', type: 'complaintFiled',
      data: { complaintId: 'x-check', estateId: 'estate/e01', category: 'noise', channel: 'hotline' } },
  });
  expect(answer.status()).toBe(400);
  expect(await message.textContent()).toBe((await answer.json()).detail);
  await nothing();

  // A household that is not the resident's: the rule book's refusal, beside householdId.
  await form.locator('[name=summary]').fill('楼道灯坏了');
  await form.locator('[name=householdId]').fill('h-not-mine');
  await form.locator('button[type=submit]').click();
  await expect(form.locator('[data-field="householdId"] .field-error')).toContainText('h-not-mine');
  await expect(form.locator('[data-field="summary"] .field-error')).toHaveText('');
  await nothing();
});

