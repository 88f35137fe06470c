import { z } from 'zod';

/**
 * `runs --json` and `runs show --json` (DESIGN §7, §13 "Operations"): the run history as the
 * CLI prints it and the HTTP API will serve it. The zod schemas are the contract (tests parse
 * with them; the API can generate its OpenAPI from them); the builders are pure functions of
 * the run records the warehouse's run-history module reads.
 */
const STAGES = ['pull', 'route', 'compute', 'push'] as const;
type StageName = (typeof STAGES)[number];

const statusSchema = z.enum(['queued', 'running', 'succeeded', 'partial', 'deferred', 'failed', 'cancelled']);
const countsSchema = z.record(z.string(), z.number());

export const runStageSchema = z.object({
  stage: z.enum(STAGES),
  status: statusSchema,
  /** Null for the stage the run stopped in: only a stage that finished records its time. */
  durationMs: z.number().nullable(),
  counts: countsSchema,
});

export const runEntrySchema = z.object({
  runId: z.number().int(),
  connection: z.string(),
  status: statusSchema,
  trigger: z.enum(['schedule', 'cli', 'api', 'webhook', 'demo']),
  queuedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** From the start (or the queueing, for a run no worker started) to the finish; null while active. */
  durationMs: z.number().nullable(),
  stages: z.array(runStageSchema),
  pulled: z.object({
    owners: z.number(),
    pipelines: z.number(),
    deals: z.number(),
    leads: z.number(),
    deleted: z.number(),
    changed: z.number(),
  }),
  quarantined: z.number(),
  pushed: z.object({ calls: z.number(), records: z.number(), failed: z.number() }),
  cancelRequested: z.boolean(),
  error: z.string().nullable(),
});

export const runsDocumentSchema = z.array(runEntrySchema);

export const runDetailDocumentSchema = runEntrySchema.extend({
  options: z.object({
    full: z.boolean(),
    push: z.boolean(),
    dryRun: z.boolean(),
    asOf: z.string().nullable(),
  }),
  quarantinedRecords: z.array(
    z.object({ stream: z.string(), externalId: z.string().nullable(), reason: z.string() }),
  ),
  /** Every value the push wrote, rejected or previewed: old → new and the CRM's answer. */
  values: z.array(
    z.object({
      object: z.string(),
      recordId: z.string(),
      field: z.string(),
      from: z.string().nullable(),
      to: z.string().nullable(),
      outcome: z.enum(['written', 'rejected', 'preview']),
      reason: z.string().nullable(),
      attempt: z.number().int(),
    }),
  ),
});

export type RunStage = z.infer<typeof runStageSchema>;
export type RunEntry = z.infer<typeof runEntrySchema>;
export type RunDetailDocument = z.infer<typeof runDetailDocumentSchema>;
type RunStatus = z.infer<typeof statusSchema>;

/** What a run record carries (the warehouse's `sync_runs` row with its connection's name). */
export interface RunRecord {
  readonly id: number;
  readonly connection_name: string;
  readonly status: RunStatus;
  readonly trigger: RunEntry['trigger'];
  readonly options: Record<string, unknown>;
  readonly stage: string | null;
  readonly counts: Readonly<Record<string, number | undefined>>;
  readonly timings: Readonly<Record<string, number>>;
  readonly error: string | null;
  readonly queued_at: Date;
  readonly started_at: Date | null;
  readonly finished_at: Date | null;
  readonly cancel_requested_at: Date | null;
}

export interface RunDetailInputs {
  readonly quarantined: readonly { stream: string; externalId: string | null; reason: string }[];
  readonly values: readonly {
    object: string;
    recordId: string;
    field: string;
    previous: string | null;
    value: string | null;
    outcome: 'written' | 'rejected' | 'preview';
    reason: string | null;
    attempt: number;
  }[];
}

/** Which stage wrote each count; what no list names is compute's (metric and comp steps). */
const PULL_KEYS = ['owners', 'pipelines', 'deals', 'leads', 'deleted', 'changed', 'quarantined'];
const ROUTE_KEYS = ['routed', 'unrouted', 'rerouted', 'notRerouted'];
const PUSH_KEYS = ['pushedCalls', 'pushedRecords', 'pushFailed'];
const BOOKKEEPING = ['partialStages'];

function stageOfCount(key: string): StageName | null {
  if (BOOKKEEPING.includes(key)) return null;
  if (PULL_KEYS.includes(key)) return 'pull';
  if (ROUTE_KEYS.includes(key)) return 'route';
  if (PUSH_KEYS.includes(key)) return 'push';
  return 'compute';
}

const ENDED_EARLY = new Set<RunStatus>(['failed', 'deferred', 'cancelled']);

/**
 * Stages run in order and only a finished stage records its time, so the stages with a timing
 * are the finished ones and the first without one is where the run is, or where it stopped.
 */
function runStages(run: RunRecord): RunStage[] {
  const counts = new Map<StageName, Record<string, number>>(STAGES.map((s) => [s, {}]));
  for (const [key, value] of Object.entries(run.counts)) {
    const stage = stageOfCount(key);
    if (stage !== null && value !== undefined) (counts.get(stage) as Record<string, number>)[key] = value;
  }
  const stages: RunStage[] = [];
  for (const stage of STAGES) {
    const stageCounts = counts.get(stage) as Record<string, number>;
    const duration = run.timings[stage];
    if (duration !== undefined) {
      const partial =
        (stage === 'pull' && (stageCounts['quarantined'] ?? 0) > 0) ||
        (stage === 'push' && (stageCounts['pushFailed'] ?? 0) > 0);
      stages.push({
        stage,
        status: partial ? 'partial' : 'succeeded',
        durationMs: duration,
        counts: stageCounts,
      });
      continue;
    }
    if (ENDED_EARLY.has(run.status) && run.started_at !== null) {
      stages.push({ stage, status: run.status, durationMs: null, counts: stageCounts });
    } else if (run.status === 'running' && run.stage === stage) {
      stages.push({ stage, status: 'running', durationMs: null, counts: stageCounts });
    }
    break;
  }
  return stages;
}

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

export function runEntry(run: RunRecord): RunEntry {
  const c = run.counts;
  const n = (key: string) => c[key] ?? 0;
  const from = run.started_at ?? run.queued_at;
  return {
    runId: run.id,
    connection: run.connection_name,
    status: run.status,
    trigger: run.trigger,
    queuedAt: run.queued_at.toISOString(),
    startedAt: iso(run.started_at),
    finishedAt: iso(run.finished_at),
    durationMs: run.finished_at === null ? null : run.finished_at.getTime() - from.getTime(),
    stages: runStages(run),
    pulled: {
      owners: n('owners'),
      pipelines: n('pipelines'),
      deals: n('deals'),
      leads: n('leads'),
      deleted: n('deleted'),
      changed: n('changed'),
    },
    quarantined: n('quarantined'),
    pushed: { calls: n('pushedCalls'), records: n('pushedRecords'), failed: n('pushFailed') },
    cancelRequested: run.cancel_requested_at !== null,
    error: run.error,
  };
}

export function runsDocument(runs: readonly RunRecord[]): RunEntry[] {
  return runs.map(runEntry);
}

export function runDetailDocument(run: RunRecord, inputs: RunDetailInputs): RunDetailDocument {
  const o = run.options;
  return {
    ...runEntry(run),
    options: {
      full: o['full'] === true,
      push: o['push'] !== false,
      dryRun: o['dryRun'] === true,
      asOf: typeof o['asOf'] === 'string' ? o['asOf'] : null,
    },
    quarantinedRecords: inputs.quarantined.map((q) => ({ ...q })),
    values: inputs.values.map((v) => ({
      object: v.object,
      recordId: v.recordId,
      field: v.field,
      from: v.previous,
      to: v.value,
      outcome: v.outcome,
      reason: v.reason,
      attempt: v.attempt,
    })),
  };
}

/** `runs --csv`: one flat row per run, the table's columns. */
export function runsCsvRows(runs: readonly RunEntry[]): Record<string, string | number | boolean | null>[] {
  return runs.map((r) => ({
    runId: r.runId,
    connection: r.connection,
    trigger: r.trigger,
    status: r.status,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: r.durationMs,
    owners: r.pulled.owners,
    pipelines: r.pulled.pipelines,
    deals: r.pulled.deals,
    leads: r.pulled.leads,
    changed: r.pulled.changed,
    deleted: r.pulled.deleted,
    quarantined: r.quarantined,
    pushCalls: r.pushed.calls,
    pushed: r.pushed.records,
    rejected: r.pushed.failed,
    error: r.error,
  }));
}
