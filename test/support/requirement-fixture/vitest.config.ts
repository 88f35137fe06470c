import { defineConfig } from 'vitest/config';

// Only for requirements.test.ts: runs the fixture suite that the main config never collects.
export default defineConfig({
  test: { include: ['test/support/requirement-fixture/*.fixture.ts'], pool: 'forks', maxWorkers: 1 },
});
