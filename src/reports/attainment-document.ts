import type { AttainmentReport } from '../metrics/attainment.js';
import { roundMoney, roundRatio } from './rounding.js';

/**
 * The `report attainment --json` document of DESIGN §7, exactly: camelCase, money to cents and
 * ratios to 6 decimals (`rounding.ts`) as JSON numbers (ratio 1 = 100%), `null` where undefined.
 * Beyond §7 it carries the pace the table and CSV show (weighted pipeline, closed + weighted),
 * so a script reading JSON sees the same figures a person reads.
 */
export interface AttainmentDocument {
  readonly period: { readonly start: string; readonly end: string };
  readonly currency: string | null;
  readonly asOf: string;
  readonly reps: readonly {
    readonly ownerEmail: string | null;
    readonly ownerName: string | null;
    readonly team: string | null;
    readonly quota: number | null;
    readonly closedWon: number;
    readonly attainment: number | null;
    readonly runRateProjection: number | null;
    readonly weightedPipeline: number;
    readonly closedPlusWeighted: number;
  }[];
  readonly team: {
    readonly quota: number | null;
    readonly closedWon: number;
    readonly attainment: number | null;
    readonly shareAtOrAbove100: number | null;
    readonly runRateProjection: number | null;
    readonly weightedPipeline: number;
    readonly closedPlusWeighted: number;
  };
  readonly teams: readonly {
    readonly name: string;
    readonly quota: number | null;
    readonly closedWon: number;
    readonly attainment: number | null;
    readonly explicitQuota: number | null;
    readonly attainmentVsExplicitQuota: number | null;
    readonly closedPlusWeighted: number;
  }[];
}

export function attainmentDocument(report: AttainmentReport): AttainmentDocument {
  return {
    period: { start: report.period.start, end: report.period.end },
    currency: report.currency,
    asOf: report.asOf,
    reps: report.reps.map((r) => ({
      ownerEmail: r.ownerEmail,
      ownerName: r.ownerName,
      team: r.team,
      quota: roundMoney(r.quota),
      closedWon: roundMoney(r.closedWon),
      attainment: roundRatio(r.attainment),
      runRateProjection: roundMoney(r.runRateProjection),
      weightedPipeline: roundMoney(r.weightedPipeline),
      closedPlusWeighted: roundMoney(r.closedPlusWeighted),
    })),
    team: {
      quota: roundMoney(report.team.quota),
      closedWon: roundMoney(report.team.closedWon),
      attainment: roundRatio(report.team.attainment),
      shareAtOrAbove100: roundRatio(report.team.shareAtOrAbove100),
      runRateProjection: roundMoney(report.team.runRateProjection),
      weightedPipeline: roundMoney(report.team.weightedPipeline),
      closedPlusWeighted: roundMoney(report.team.closedPlusWeighted),
    },
    teams: report.teams.map((t) => ({
      name: t.name,
      quota: roundMoney(t.quota),
      closedWon: roundMoney(t.closedWon),
      attainment: roundRatio(t.attainment),
      explicitQuota: roundMoney(t.explicitQuota),
      attainmentVsExplicitQuota: roundRatio(t.attainmentVsExplicitQuota),
      closedPlusWeighted: roundMoney(t.closedPlusWeighted),
    })),
  };
}
