import type { AttainmentReport } from '../metrics/attainment.js';
import { roundMoney, roundRatio } from './rounding.js';

/**
 * `report attainment --csv`: one row per rep, per team and one for the whole connection, with
 * the figures of the JSON document rounded the same way (a column a scope lacks is empty).
 */
export function attainmentCsvRows(report: AttainmentReport) {
  const row = (scope: string, name: string | null, r: Partial<Record<string, number | string | null>>) => ({
    scope,
    name,
    ownerEmail: r.ownerEmail ?? null,
    team: r.team ?? null,
    quota: roundMoney((r.quota as number | null) ?? null),
    closedWon: roundMoney((r.closedWon as number | null) ?? null),
    attainment: roundRatio((r.attainment as number | null) ?? null),
    runRateProjection: roundMoney((r.runRateProjection as number | null) ?? null),
    closedPlusWeighted: roundMoney((r.closedPlusWeighted as number | null) ?? null),
    explicitQuota: roundMoney((r.explicitQuota as number | null) ?? null),
    attainmentVsExplicitQuota: roundRatio((r.attainmentVsExplicitQuota as number | null) ?? null),
  });
  return [
    ...report.reps.map((r) => row('rep', r.ownerName, { ...r })),
    ...report.teams.map((t) => row('team', t.name, { ...t })),
    row('all', null, { ...report.team }),
  ];
}
