import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// The README's screenshots (docs/screenshots/), taken on demand only: `npm run screenshots
// -- <roster-local binary>` (scripts/screenshots.sh) starts a fresh Roster, seeds it and runs
// e2e/screenshots.ts. The normal test run never picks that file up (it is not a *.spec.ts).
export default defineConfig({
  ...base,
  testMatch: 'screenshots.ts',
  timeout: 120_000,
  outputDir: 'test-results/screenshots',
  use: { ...base.use, viewport: { width: 1280, height: 860 }, screenshot: 'off', trace: 'off' },
});
