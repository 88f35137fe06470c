/**
 * HubSpot's stage calculated properties of deals, derived from the deal's stage history at read
 * time, so an edit moves them as it moves HubSpot's. Each stage id has its own set
 * (knowledge.hubspot.com/properties/stage-calculated-properties, "Use stage calculated
 * properties", updated 2026-02-11): "Date entered [stage ID]: the date and time the record
 * entered the stage", "Date exited [stage ID]: the date and time the record exited the stage",
 * "Latest time in [stage ID]: the total time spent by the record in the stage since it last
 * entered the stage ... When a record is currently in a stage, it will have no value for this
 * property, unless it had previously been in that stage. In that case, its value will refer to
 * the previous time in the stage", "Cumulative time in [stage ID]" over every visit; "If a deal
 * ... is closed then reopened, the values will continue to update". So entered/exited describe
 * the LATEST visit: a re-entered stage keeps only its last entry.
 *
 * Internal names `hs_v2_date_entered_<stageId>` etc. (as public integrations read them); the
 * older `hs_date_entered_<stageId>` / `hs_date_exited_<stageId>` are served with the same values.
 * Times in a stage are milliseconds.
 */
import type { SandboxPipeline } from './generate-portal.js';

/** A stage change as the record keeps it (sandbox-record.ts `HistoryEntry`), oldest first. */
interface StageEntry {
  readonly value: string;
  readonly timestamp: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

type StageValue = 'entered' | 'exited' | 'latest' | 'cumulative';

const PREFIXES: readonly (readonly [
  prefix: string,
  value: StageValue,
  label: string,
  type: 'datetime' | 'number',
])[] = [
  ['hs_v2_date_entered_', 'entered', 'Date entered', 'datetime'],
  ['hs_v2_date_exited_', 'exited', 'Date exited', 'datetime'],
  ['hs_v2_latest_time_in_', 'latest', 'Latest time in', 'number'],
  ['hs_v2_cumulative_time_in_', 'cumulative', 'Cumulative time in', 'number'],
  ['hs_date_entered_', 'entered', 'Date entered (legacy)', 'datetime'],
  ['hs_date_exited_', 'exited', 'Date exited (legacy)', 'datetime'],
];

export interface StagePropertySpec {
  readonly name: string;
  readonly label: string;
  readonly type: 'datetime' | 'number';
}

/** Every stage calculated property of the portal's pipelines, for the property catalog. */
export function stagePropertySpecs(pipelines: readonly SandboxPipeline[]): StagePropertySpec[] {
  return pipelines.flatMap((pipeline) =>
    pipeline.stages.flatMap((stage) =>
      PREFIXES.map(([prefix, , label, type]) => ({
        name: `${prefix}${stage.id}`,
        label: `${label} "${stage.label} (${pipeline.label})"`,
        type,
      })),
    ),
  );
}

/** The value of a stage calculated property from the stage history; undefined when `name` is none. */
export function stageProperty(stageHistory: readonly StageEntry[], name: string): string | null | undefined {
  if (!name.startsWith('hs_')) return undefined;
  for (const [prefix, value] of PREFIXES) {
    if (!name.startsWith(prefix)) continue;
    return stageValue(stageHistory, name.slice(prefix.length), value);
  }
  return undefined;
}

function stageValue(entries: readonly StageEntry[], stageId: string, value: StageValue): string | null {
  let entered: number | null = null;
  let exited: number | null = null;
  let latest: number | null = null;
  let cumulative = 0;
  for (let k = 0; k < entries.length; k++) {
    if (entries[k]!.value !== stageId) continue;
    const from = entries[k]!.timestamp;
    entered = from;
    const next = entries[k + 1];
    if (next === undefined) continue;
    exited = next.timestamp;
    latest = next.timestamp - from;
    cumulative += latest;
  }
  if (entered === null) return null;
  switch (value) {
    case 'entered':
      return iso(entered);
    case 'exited':
      return exited === null ? null : iso(exited);
    case 'latest':
      return latest === null ? null : String(latest);
    case 'cumulative':
      return exited === null ? null : String(cumulative);
  }
}
