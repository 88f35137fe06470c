import type {
  CrmConnector,
  CrmKind,
  FieldObject,
  FieldReport,
  FieldSpec,
  FieldWrite,
  WriteResult,
  WriteTarget,
} from '../../connectors/connector.js';
import { ConnectorError } from '../../connectors/connector-error.js';

/**
 * A CRM's write side for push tests: it keeps what was written per record, records every call,
 * and can misbehave the ways real CRMs do — a 207-style partial result (per-record rejections),
 * a whole-call refusal caused by one poisoned record, a merged id resolved to its survivor, an
 * id that vanishes from the results, a record deleted in the CRM, a field an admin deleted.
 * Reads come from whichever connector it is combined with (`withPushDouble`).
 */
export interface WriteCall {
  readonly target: WriteTarget;
  readonly writes: readonly FieldWrite[];
}

export interface PushDouble {
  readonly kind: CrmKind;
  readonly batchMax: number;
  readonly writeCalls: WriteCall[];
  readonly ensureCalls: { readonly specs: readonly FieldSpec[]; readonly dryRun: boolean }[];
  /** `${target}:${recordId}` → field → value, as the CRM now shows it. */
  readonly records: Map<string, Map<string, string | number | null>>;
  readonly fields: Set<string>;
  /** Per-record rejections (the record stays unwritten), by record id. */
  readonly reject: Map<string, string>;
  /** A record that makes the CRM refuse the whole call. */
  readonly poisoned: Set<string>;
  /** Merged ids: written to the survivor, reported with resolvedId. */
  readonly merged: Map<string, string>;
  /** Ids left out of the results (the CRM's merge bookkeeping lost them). */
  readonly vanish: Set<string>;
  /** Records deleted in the CRM. */
  readonly deleted: Set<string>;
  /** Called inside write() after the CRM applied it, before it answers (crash tests hang here). */
  onApplied?: (call: WriteCall) => Promise<void>;
  deleteField(object: FieldObject, name: string): void;
  value(target: WriteTarget, recordId: string, field: string): string | number | null | undefined;
  /** Mutating calls: every write call plus every ensureFields call that created something. */
  mutatingCalls(): number;
  writeCallsFor(target: WriteTarget): number;
  ensureFields: CrmConnector['ensureFields'];
  write: CrmConnector['write'];
}

const key = (target: WriteTarget, id: string) => `${target}:${id}`;

export function createPushDouble(kind: CrmKind = 'hubspot'): PushDouble {
  const batchMax = kind === 'hubspot' ? 100 : 200;
  let fieldCreatingCalls = 0;
  const double: PushDouble = {
    kind,
    batchMax,
    writeCalls: [],
    ensureCalls: [],
    records: new Map(),
    fields: new Set(),
    reject: new Map(),
    poisoned: new Set(),
    merged: new Map(),
    vanish: new Set(),
    deleted: new Set(),
    deleteField(object, name) {
      double.fields.delete(`${object}.${name}`);
    },
    value(target, recordId, field) {
      return double.records.get(key(target, recordId))?.get(field);
    },
    mutatingCalls: () => double.writeCalls.length + fieldCreatingCalls,
    writeCallsFor: (target) => double.writeCalls.filter((c) => c.target === target).length,

    async ensureFields(specs, { dryRun }): Promise<FieldReport> {
      double.ensureCalls.push({ specs, dryRun });
      const missing = specs.filter((s) => !double.fields.has(`${s.object}.${s.name}`));
      const existing = specs.filter((s) => double.fields.has(`${s.object}.${s.name}`));
      if (!dryRun) {
        for (const s of missing) double.fields.add(`${s.object}.${s.name}`);
        if (missing.length > 0) fieldCreatingCalls += 1;
      }
      const ref = (s: FieldSpec) => ({ object: s.object, name: s.name });
      return {
        created: missing.map(ref),
        existing: existing.map(ref),
        failed: [],
        notes: [],
        calls: dryRun || missing.length === 0 ? 0 : 1,
      };
    },

    async write(target, writes): Promise<readonly WriteResult[]> {
      // The contract the push stage relies on to count calls: never more than one batch.
      if (writes.length > batchMax) {
        throw new Error(`write() got ${writes.length} records; the ${kind} maximum is ${batchMax}.`);
      }
      const call = { target, writes };
      double.writeCalls.push(call);
      if (writes.some((w) => double.poisoned.has(w.recordId))) {
        throw new ConnectorError('invalid_request', 'The CRM refused the batch: one input is malformed.', {
          status: 400,
        });
      }
      const missingField = writes
        .flatMap((w) => Object.keys(w.values))
        .find((f) => target !== 'lead' && !double.fields.has(`${target}.${f}`));
      if (missingField !== undefined) {
        // HubSpot refuses the whole call for an unknown property; the connector reports it per record.
        return writes.map((w) => ({
          recordId: w.recordId,
          ok: false,
          code: 'field_missing' as const,
          field: missingField,
          reason: `Property "${missingField}" does not exist.`,
        }));
      }
      const results: WriteResult[] = [];
      for (const w of writes) {
        const rejection = double.reject.get(w.recordId);
        if (rejection !== undefined) {
          results.push({ recordId: w.recordId, ok: false, reason: rejection });
          continue;
        }
        if (double.deleted.has(w.recordId)) {
          results.push({ recordId: w.recordId, ok: false, reason: `Object not found: ${w.recordId}.` });
          continue;
        }
        const survivor = double.merged.get(w.recordId) ?? w.recordId;
        const stored = double.records.get(key(target, survivor)) ?? new Map();
        for (const [field, value] of Object.entries(w.values)) stored.set(field, value);
        double.records.set(key(target, survivor), stored);
        if (double.vanish.has(w.recordId)) continue;
        results.push({
          recordId: w.recordId,
          ok: true,
          ...(survivor !== w.recordId && { resolvedId: survivor }),
        });
      }
      await double.onApplied?.(call);
      return results;
    },
  };
  return double;
}

/** A connector reading from `base` and writing through the double. */
export function withPushDouble(base: CrmConnector, double: PushDouble): CrmConnector {
  return {
    ...base,
    kind: double.kind,
    ensureFields: (specs, opts) => double.ensureFields(specs, opts),
    write: (target, writes) => double.write(target, writes),
  };
}
