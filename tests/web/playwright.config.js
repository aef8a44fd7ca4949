// Playwright drives Debian's Chromium (no browser download) against the ledgerd that run.sh
// started; LEDGER_URL says where.
const { defineConfig } = require('@playwright/test');
const { execSync } = require('child_process');

const chromium = process.env.CHROMIUM || execSync('command -v chromium', { shell: '/bin/sh' }).toString().trim();

module.exports = defineConfig({
  testDir: '.',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  workers: 2,
  fullyParallel: true,
  retries: 0,
  outputDir: process.env.SCREENSHOT_DIR ? `${process.env.SCREENSHOT_DIR}/../dashboard-test-results` : 'test-results',
  // The reading tests first, then the ones that append (their figures would move under them).
  projects: [
    { name: 'read', testMatch: 'read.spec.js' },
    { name: 'write', testMatch: 'write.spec.js', dependencies: ['read'] },
  ],
  use: {
    baseURL: process.env.LEDGER_URL,
    locale: 'zh-CN',
    // Not China: the dashboard must write China Standard Time whatever the browser's zone.
    timezoneId: 'America/Los_Angeles',
    launchOptions: { executablePath: chromium, args: ['--no-sandbox'] },
  },
});
