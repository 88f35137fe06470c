import type { startHubspotSandbox } from '../../sandboxes/hubspot/index.js';
import type { startSalesforceSandbox } from '../../sandboxes/salesforce/index.js';
import type { createDb } from '../db.js';
import { ownerEmailsAndNames } from '../warehouse/owner-tables.js';
import type { DemoConnectionResult } from './demo-summary.js';

/**
 * What the demo shows as evidence beside its reports: the reps' names as the warehouse has them,
 * and the values each sandbox CRM received, named the way a rep would recognise the record.
 */
type Audit = DemoConnectionResult['audit'];

/** Email → name as the warehouse has it, the same names the attainment table prints. */
export async function ownerNames(
  db: ReturnType<typeof createDb>,
  connectionId: number,
): Promise<Map<string, string>> {
  const rows = await ownerEmailsAndNames(db, connectionId);
  // Joined exactly as the attainment report joins them (src/metrics/attainment.ts).
  return new Map(
    rows.flatMap((r) => {
      const name = [r.first_name, r.last_name].filter(Boolean).join(' ');
      return r.email && name ? [[r.email, name] as const] : [];
    }),
  );
}

export function withOwnerNames(audit: Audit, names: ReadonlyMap<string, string>): Audit {
  return {
    ...audit,
    flags: audit.flags.map((f) => ({
      ...f,
      ownerName: f.ownerEmail ? (names.get(f.ownerEmail) ?? null) : null,
    })),
  };
}

type Written = DemoConnectionResult['written'];

export function hubspotWritten(sandbox: Awaited<ReturnType<typeof startHubspotSandbox>>): Written {
  // Name each record the way a rep would recognise it: their own name, the deal's name.
  const userName = new Map(
    sandbox.data
      .users()
      .map((u) => [
        u.id,
        [u.properties.hs_given_name, u.properties.hs_family_name].filter(Boolean).join(' '),
      ]),
  );
  const name = (object: 'deals' | 'users', id: string) =>
    object === 'users' ? userName.get(id) : (sandbox.data.get('deals', id)?.properties.dealname ?? undefined);
  const sample = (object: 'deals' | 'users') =>
    [...sandbox.data.written(object)]
      .slice(0, 3)
      .map(([id, values]) => ({ object, id, name: name(object, id) || null, values: { ...values } }));
  return {
    records: sandbox.data.written('deals').size + sandbox.data.written('users').size,
    calls: sandbox.requests.filter((r) => r.mutating).length,
    sample: [...sample('users'), ...sample('deals')],
  };
}

export function salesforceWritten(sandbox: Awaited<ReturnType<typeof startSalesforceSandbox>>): Written {
  const byRecord = new Map<
    string,
    { object: string; id: string; name: string | null; values: Record<string, string | null> }
  >();
  for (const write of sandbox.data.fieldWrites) {
    if (!write.field.endsWith('__c')) continue;
    const key = `${write.object}/${write.id}`;
    const row = sandbox.data.get(write.object, write.id);
    const entry = byRecord.get(key) ?? {
      object: write.object,
      id: write.id,
      name: typeof row?.Name === 'string' ? row.Name : null,
      values: {},
    };
    entry.values[write.field] = write.value === null ? null : String(write.value);
    byRecord.set(key, entry);
  }
  const records = [...byRecord.values()];
  return {
    records: records.length,
    calls: sandbox.requests.filter((r) => r.mutating).length,
    sample: [
      ...records.filter((r) => r.object !== 'Opportunity').slice(0, 3),
      ...records.filter((r) => r.object === 'Opportunity').slice(0, 3),
    ],
  };
}
