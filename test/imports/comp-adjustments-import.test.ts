import { describe, expect, it } from 'vitest';
import { parseCompAdjustments } from '../../src/imports/comp-adjustments-import.js';

const known = { ownerEmails: new Set(['ana@acme.example', 'bo@acme.example']) };

describe('comp adjust FILE.csv', () => {
  it('reads SPIFs and corrections (negative) as signed cents, every bad row listed', () => {
    const result = parseCompAdjustments(
      [
        'owner_email,period,amount,reason',
        'ana@acme.example,2027-q1,250.50,Q1 SPIF: first multi-year deal', // 2 good
        'bo@acme.example,2027-02,-120.05,Overpaid January expense', // 3 good
        'bo@acme.example,2027-Q5,10,Typo', // 4 no such quarter
        'cy@acme.example,2027-Q1,10,Who', // 5 unknown rep
        'ana@acme.example,2027-Q1,0,Nothing', // 6 zero
        'ana@acme.example,2027-Q1,250.50,Q1 SPIF: first multi-year deal', // 7 repeats 2
        'ana@acme.example,2027-Q1,1.001,', // 8 sub-cent and no reason
      ].join('\n'),
      known,
    );
    expect(result.rows.map((r) => [r.line, r.value.ownerEmail, r.value.period, r.value.amountCents])).toEqual(
      [
        [2, 'ana@acme.example', '2027-Q1', 25_050n],
        [3, 'bo@acme.example', '2027-02', -12_005n],
      ],
    );
    expect(result.problems).toEqual([
      { line: 4, reason: 'period must be a payout period such as 2026-Q3 or 2026-07' },
      {
        line: 5,
        reason:
          'owner_email cy@acme.example is not a rep of this connection (sync first, or check the address)',
      },
      { line: 6, reason: 'amount must not be 0' },
      { line: 7, reason: 'repeats line 2; give each adjustment its own reason' },
      {
        line: 8,
        reason:
          'amount must be an amount such as 500 or -120.50 (at most cents); reason must say why (the rep reads it on their statement)',
      },
    ]);
  });
});
