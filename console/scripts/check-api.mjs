// Fails when src/api/schema.d.ts is not what openapi-typescript makes of the API's
// OpenAPI document today: the console's types cannot drift from the API.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const committed = 'src/api/schema.d.ts';
const dir = mkdtempSync(join(tmpdir(), 'roster-api-'));
try {
  const fresh = join(dir, 'schema.d.ts');
  execFileSync('npx', ['--no-install', 'openapi-typescript', '../shared/http/openapi.json', '--default-non-nullable', 'false', '-o', fresh], { stdio: 'ignore' });
  if (readFileSync(fresh, 'utf8') !== readFileSync(committed, 'utf8')) {
    console.error(`${committed} is stale: the OpenAPI document changed. Run \`npm run gen:api\` and commit the result.`);
    process.exit(1);
  }
  console.log(`${committed} matches ../shared/http/openapi.json`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
