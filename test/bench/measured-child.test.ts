import { describe, expect, it } from 'vitest';
import { parseGnuTimeKb, parseVmHwmKb, runMeasured } from '../../bench/_measured-child.js';
import { hubspotKind, salesforceKind, tally } from '../../bench/_request-kinds.js';

describe('peak RSS readers (bench/_measured-child.ts)', () => {
  it('reads VmHWM from /proc/<pid>/status', () => {
    // Lines as Linux 6.x prints them (proc(5)): the high-water mark sits between VmLck/VmPin and VmRSS.
    const status = [
      'Name:\tnode',
      'VmPeak:\t 1234567 kB',
      'VmSize:\t 1200000 kB',
      'VmLck:\t       0 kB',
      'VmPin:\t       0 kB',
      'VmHWM:\t  245104 kB',
      'VmRSS:\t  200012 kB',
    ].join('\n');
    expect(parseVmHwmKb(status)).toBe(245104);
  });

  it('gives null for a zombie, whose status has no memory lines', () => {
    expect(parseVmHwmKb('Name:\tnode\nState:\tZ (zombie)\n')).toBeNull();
  });

  it("reads GNU time's %M, also after a signal line", () => {
    expect(parseGnuTimeKb('244352\n')).toBe(244352);
    expect(parseGnuTimeKb('Command terminated by signal 9\n51200\n')).toBe(51200);
    expect(parseGnuTimeKb('Command exited with non-zero status 1\n')).toBeNull();
  });

  it("measures the child's own peak, agreeing with the child's getrusage", async () => {
    // 96 MiB filled with ones, so every page is resident; the child reports its own maxRSS (KiB)
    // through process.resourceUsage(), an independent reading of the same kernel counter.
    const script =
      'const b = Buffer.alloc(96 * 2 ** 20, 1); process.stdout.write(String(process.resourceUsage().maxRSS + b[0] - 1));';
    const run = await runMeasured(process.execPath, ['-e', script], { env: process.env });
    expect(run.code).toBe(0);
    const ownMb = Number(run.stdout) / 1024;
    expect(run.peakRssMb).not.toBeNull();
    expect(run.peakRssMb!).toBeGreaterThanOrEqual(96);
    // The child reads its maxRSS just before it exits; anything after (exit handlers) is small.
    expect(Math.abs(run.peakRssMb! - ownMb) / ownMb).toBeLessThan(0.05);
  });
});

describe('request kinds (bench/_request-kinds.ts)', () => {
  it('names HubSpot endpoints with record ids folded', () => {
    expect(hubspotKind('GET', '/crm/v3/objects/deals')).toBe('GET /crm/v3/objects/deals');
    expect(hubspotKind('POST', '/crm/v3/objects/deals/batch/read')).toBe(
      'POST /crm/v3/objects/deals/batch/read',
    );
    expect(hubspotKind('GET', '/crm/v3/owners/123456')).toBe('GET /crm/v3/owners/:id');
    expect(hubspotKind('GET', '/crm/v3/objects/0-3')).toBe('GET /crm/v3/objects/0-3');
  });

  it('names Salesforce queries by their object and folds ids, not object names', () => {
    const q = (soql: string) => `/services/data/v62.0/query?q=${encodeURIComponent(soql)}`;
    expect(salesforceKind('GET', q("SELECT Id FROM OpportunityHistory WHERE OpportunityId IN ('006')"))).toBe(
      'query OpportunityHistory',
    );
    expect(salesforceKind('GET', '/services/data/v62.0/queryAll?q=SELECT+Id+FROM+Opportunity')).toBe(
      'queryAll Opportunity',
    );
    expect(salesforceKind('GET', '/services/data/v62.0/query/01gD0000002HU6KIAW-2000')).toBe('queryMore');
    expect(salesforceKind('GET', '/services/data/v62.0/sobjects/Opportunity/006D000000AbCdEIAV')).toBe(
      'GET /sobjects/Opportunity/:id',
    );
    // 18 letters, no digit: an object name, not an id.
    expect(salesforceKind('GET', '/services/data/v62.0/sobjects/OpportunityHistory/describe')).toBe(
      'GET /sobjects/OpportunityHistory/describe',
    );
  });

  it('tallies kinds, most frequent first', () => {
    expect(tally(['b', 'a', 'b', 'c', 'b', 'a'])).toEqual({ total: 6, byKind: { b: 3, a: 2, c: 1 } });
  });
});
