import { defineConfig } from '@playwright/test';

// Runs against a console served in front of a running Roster server (see
// scripts/console-test.sh): BASE_URL is where the pages are, ROSTER_DATA_DIR the
// server's data dir (operator token, email outbox). Chromium comes from Debian.
export default defineConfig({
  testDir: 'e2e',
  timeout: 30_000,
  expect: { timeout: 7_000 },
  // One server, one test clock: tests that move the clock must not race the others.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: process.env.BASE_URL ?? 'http://127.0.0.1:4173',
    viewport: { width: 1280, height: 900 },
    trace: 'retain-on-failure',
    // The accessibility check injects axe-core as an inline script, which the server's
    // Content-Security-Policy (rightly) forbids to the app itself.
    bypassCSP: true,
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
