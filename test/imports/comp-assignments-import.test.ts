import { describe, expect, it } from 'vitest';
import { parseCompAssignments } from '../../src/imports/comp-assignments-import.js';
import { ImportFileError } from '../../src/imports/import-file-error.js';

const known = {
  ownerEmails: new Set(['ana@acme.example', 'bo@acme.example']),
  planNames: new Set(['AE 2027']),
};

describe('comp assign FILE.csv', () => {
  it('reads good rows with their overrides as cents', () => {
    const result = parseCompAssignments(
      'owner_email,plan,start,end,target_incentive,draw\n' +
        'Ana@Acme.example,AE 2027,2027-01-01,2027-12-31,,\n' +
        'bo@acme.example,AE 2027,2027-02-03,2027-12-31,24000.50,5000\n',
      known,
    );
    expect(result.problems).toEqual([]);
    expect(result.rows).toEqual([
      {
        line: 2,
        value: {
          ownerEmail: 'ana@acme.example',
          plan: 'AE 2027',
          start: '2027-01-01',
          end: '2027-12-31',
          targetIncentiveCents: null,
          drawCents: null,
        },
      },
      {
        line: 3,
        value: {
          ownerEmail: 'bo@acme.example',
          plan: 'AE 2027',
          start: '2027-02-03',
          end: '2027-12-31',
          targetIncentiveCents: 2_400_050n,
          drawCents: 500_000n,
        },
      },
    ]);
  });

  it('lists every bad row with its line; the good rows stay for --skip-invalid', () => {
    const result = parseCompAssignments(
      [
        'owner_email,plan,start,end,target_incentive',
        'ana@acme.example,AE 2027,2027-01-01,2027-06-30,', // 2 good
        'ana@acme.example,AE 2027,2027-06-30,2027-12-31,', // 3 overlaps line 2 on Jun 30
        'cy@acme.example,AE 2027,2027-01-01,2027-12-31,', // 4 unknown rep
        'bo@acme.example,SDR 2027,2027-01-01,2027-12-31,', // 5 unknown plan
        'bo@acme.example,AE 2027,2027-02-30,2027-12-31,', // 6 not a date
        'bo@acme.example,AE 2027,2027-03-01,2027-02-01,1.005', // 7 end before start, sub-cent
        'bo@acme.example,AE 2027,2027-07-01,2027-12-31,', // 8 good
      ].join('\n'),
      known,
    );
    expect(result.rows.map((r) => r.line)).toEqual([2, 8]);
    expect(result.problems).toEqual([
      {
        line: 3,
        reason: '2027-06-30..2027-12-31 overlaps line 2 for ana@acme.example; a rep has one plan on a day',
      },
      {
        line: 4,
        reason:
          'owner_email cy@acme.example is not a rep of this connection (sync first, or check the address)',
      },
      { line: 5, reason: 'plan "SDR 2027" is not added yet (comp plan add FILE.yaml first)' },
      { line: 6, reason: 'start is not a real calendar date' },
      {
        line: 7,
        reason:
          'target_incentive must be an amount such as 20000 or 20000.50 (at most cents); end must not be before start',
      },
    ]);
  });

  it('refuses a header without the plan column as a file error', () => {
    expect(() => parseCompAssignments('owner_email,start,end\n', known)).toThrow(ImportFileError);
  });
});
