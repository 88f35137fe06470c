import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type CsvSpec, parseCsv, readCsv } from '../../src/imports/csv-import.js';
import { ImportFileError } from '../../src/imports/import-file-error.js';

const spec = {
  required: ['owner_email', 'amount'],
  optional: ['currency'],
  schema: z.object({ owner_email: z.string(), amount: z.coerce.number(), currency: z.string().optional() }),
} satisfies CsvSpec<z.ZodType>;

describe('parseCsv', () => {
  it('lists every bad row with its line instead of stopping at the first', () => {
    const result = parseCsv('owner_email,amount\na@x.io,10\nb@x.io\n\nc@x.io,1,2\nd@x.io,5\n', spec);
    expect(result.rows.map((r) => r.line)).toEqual([2, 6]);
    expect(result.problems).toEqual([
      { line: 3, reason: 'has 1 fields, the header has 2' },
      { line: 5, reason: 'has 3 fields, the header has 2' },
    ]);
  });

  it('refuses a wrong header as a domain error that names the expected columns', () => {
    const read = () => parseCsv('email,amount\na@x.io,1\n', spec);
    expect(read).toThrow(ImportFileError);
    expect(read).toThrow(
      'The header is wrong (missing column(s) owner_email; unknown column(s) email); expected owner_email,amount[,currency].',
    );
  });

  it('refuses a file it cannot read as a domain error', async () => {
    await expect(readCsv('/nonexistent/quotas.csv', spec)).rejects.toThrow(ImportFileError);
  });
});
