import { describe, expect, it } from 'vitest';
import { findChromium, needSharedData, requirement } from '../requirements.js';

// A suite whose requirements are absent on every machine: run by requirements.test.ts in a child
// vitest, once with CI=true (must fail) and once without (must skip and pass).
const browser = requirement(
  'Chromium for the fixture',
  findChromium(() => false),
  'nowhere to be found',
);
const data = needSharedData('no-such-dataset', ['nothing.csv']);

describe.skipIf(browser.missing || data.missing)('a suite needing both', () => {
  it('would run here', () => {
    expect(browser.found).not.toBeNull();
  });
});
