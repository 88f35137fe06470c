import {
  FLAG_Q_THRESHOLD,
  formatP,
  MIN_EXPECTED_FOR_FLAG,
  pPhrase,
  type RepAudit,
} from '../metrics/fairness-audit.js';
import type { LeadAudit } from '../metrics/lead-audit.js';
import { HIGH_SCORE, MEDIUM_SCORE } from '../metrics/lead-quality.js';
import {
  COLORS,
  chartReps,
  lorenzChart,
  MAX_BARS,
  qualityChart,
  receivedVsExpectedChart,
} from './audit-report-charts.js';

/**
 * `audit leads --html`: one self-contained page a sales manager can read without help. Inline
 * CSS and inline SVG only: it opens offline, prints, and can be mailed as an attachment.
 */
const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const pct = (value: number | null): string => (value === null ? '—' : `${Math.round(value * 100)}%`);
const num = (value: number | null, digits = 2): string => (value === null ? '—' : value.toFixed(digits));

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f2d3d;margin:0;background:#f5f7fa}
main{max-width:860px;margin:0 auto;padding:28px 32px;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #e3e8ee;padding-bottom:4px}
.sub{color:#5a6b7b;margin:0 0 16px}.verdict{padding:14px 16px;border-radius:6px;font-size:16px;margin:12px 0}
.ok{background:#e8f5ee;border-left:6px solid #2e8b57}.warn{background:#fdf1e6;border-left:6px solid #d9822b}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}.card{flex:1;min-width:150px;border:1px solid #e3e8ee;border-radius:6px;padding:10px 12px}
.card b{display:block;font-size:22px}.card span{color:#5a6b7b;font-size:13px}
.caption{color:#5a6b7b;font-size:13px;margin:4px 0 12px}.row{display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e3e8ee}
th{background:#f5f7fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
.flags li{margin:6px 0}.tag{display:inline-block;padding:1px 6px;border-radius:3px;color:#fff;font-size:12px}
.method p,.method li{line-height:1.5}.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
figure{margin:0}svg{max-width:100%;height:auto}
`;

/**
 * Who the cherry-picking finding is about: reps whose share of high-quality leads is more than
 * 2.5 standard errors from the team's (a z-test on proportions), so the report can name them.
 */
export function qualityOutliers(
  reps: readonly RepAudit[],
): { rep: RepAudit; better: boolean; share: number; team: number }[] {
  const inRotation = reps.filter((r) => r.inRotation);
  const known = (r: RepAudit) => r.tiers.high + r.tiers.medium + r.tiers.low;
  const n = inRotation.reduce((acc, r) => acc + known(r), 0);
  const team = n > 0 ? inRotation.reduce((acc, r) => acc + r.tiers.high, 0) / n : 0;
  if (team <= 0 || team >= 1) return [];
  return inRotation
    .filter((r) => known(r) > 0)
    .map((rep) => {
      const z = (rep.tiers.high - known(rep) * team) / Math.sqrt(known(rep) * team * (1 - team));
      return { rep, z, better: z > 0, share: rep.tiers.high / known(rep), team };
    })
    .filter((o) => Math.abs(o.z) > 2.5)
    .sort((a, b) => b.z - a.z);
}

/** 1/q rounded down to one significant digit (1 in 2,000,000), never below 20 (q < 0.05). */
function oneIn(q: number): string {
  const odds = Math.max(20, 1 / Math.max(q, 1e-12));
  const magnitude = 10 ** Math.floor(Math.log10(odds));
  return (Math.floor(odds / magnitude) * magnitude).toLocaleString('en-US');
}

const repName = (rep: RepAudit): string => rep.ownerName ?? rep.ownerEmail;

function verdict(result: LeadAudit): string {
  const { audit, leadFlags, offRotationFlags } = result;
  const over = audit.flags.filter((f) => f.direction === 'more').length;
  const under = audit.flags.length - over;
  const cherry = audit.cherryPicking.pValue !== null && audit.cherryPicking.pValue < FLAG_Q_THRESHOLD;
  const problems = [
    over > 0 && `${over} rep${over > 1 ? 's' : ''} got clearly more leads than their fair share`,
    under > 0 && `${under} rep${under > 1 ? 's' : ''} got clearly fewer`,
    leadFlags.length > 0 &&
      `${leadFlags.length} lead${leadFlags.length > 1 ? 's' : ''} went to ${offRotationFlags.length === 1 ? 'someone' : `${offRotationFlags.length} people`} outside the rotation`,
    cherry &&
      (qualityOutliers(audit.reps).some((o) => o.better)
        ? `${qualityOutliers(audit.reps)
            .filter((o) => o.better)
            .map((o) => repName(o.rep))
            .join(', ')} received noticeably better leads than the rest of the team`
        : 'some reps received a better mix of lead quality than others'),
  ].filter((p): p is string => typeof p === 'string');
  if (audit.totalLeads === 0) return `<div class="verdict ok">No leads were assigned in this period.</div>`;
  if (problems.length === 0) {
    return `<div class="verdict ok"><b>Fair.</b> Every rep received about the number of leads their capacity and availability entitle them to, and no rep got a noticeably better or worse mix of lead quality.</div>`;
  }
  return `<div class="verdict warn"><b>Needs a look:</b> ${escapeHtml(problems.join('; '))}. Details under “Flags” below the chart.</div>`;
}

function cards(result: LeadAudit): string {
  const { audit } = result;
  const inRotation = audit.reps.filter((r) => r.inRotation).length;
  const flags = audit.flags.length + result.offRotationFlags.length;
  const card = (value: string, text: string) => `<div class="card"><b>${value}</b><span>${text}</span></div>`;
  return `<div class="cards">${[
    card(String(audit.totalLeads), 'leads assigned'),
    card(String(inRotation), 'reps in the rotation'),
    card(num(audit.gini), 'Gini (0 = perfectly fair, 1 = one rep got all)'),
    card(String(flags), flags === 1 ? 'flag' : 'flags'),
  ].join('')}</div>`;
}

function flagList(result: LeadAudit): string {
  const { audit, offRotationFlags } = result;
  const tag = (color: string, text: string) => `<span class="tag" style="background:${color}">${text}</span>`;
  const items = audit.flags.map((flag) => {
    const rep = audit.reps.find((r) => r.ownerId === flag.ownerId);
    const name = rep ? repName(rep) : flag.ownerEmail;
    const color = flag.direction === 'more' ? COLORS.more : COLORS.fewer;
    return `<li>${tag(color, `${flag.direction} than fair share`)} <b>${escapeHtml(name)}</b> received <b>${flag.received}</b> leads; the fair share was <b>${flag.expected.toFixed(0)}</b> (${(flag.received / flag.expected).toFixed(2)}×). A gap this large happens by luck in fewer than 1 in ${oneIn(flag.qValue)} fair periods.<br><span class="caption">Evidence: ${escapeHtml(flag.reason)}.</span></li>`;
  });
  const cherry = audit.cherryPicking.pValue !== null && audit.cherryPicking.pValue < FLAG_Q_THRESHOLD;
  if (cherry) {
    const outliers = qualityOutliers(audit.reps);
    const who =
      outliers.length > 0
        ? outliers
            .map(
              (o) =>
                `<b>${escapeHtml(repName(o.rep))}</b>: ${Math.round(o.share * 100)}% high-quality leads against ${Math.round(o.team * 100)}% for the team`,
            )
            .join('; ')
        : 'no single rep stands out; the mix differs across several reps';
    items.push(
      `<li>${tag(COLORS.high, 'lead quality')} The mix of hot, warm and cold leads differs between reps by more than luck explains (cherry-picking test ${pPhrase(audit.cherryPicking.pValue!)}). ${who}.</li>`,
    );
  }
  for (const flag of offRotationFlags) {
    const rep = audit.reps.find((r) => r.ownerId === flag.ownerId);
    const name = rep ? repName(rep) : flag.ownerEmail;
    items.push(
      `<li>${tag(COLORS.outside, 'outside rotation')} <b>${escapeHtml(name)}</b> received <b>${flag.leadIds.length}</b> lead${flag.leadIds.length === 1 ? '' : 's'} while outside the rotation.<br><span class="caption">${escapeHtml(flag.reason)}.</span></li>`,
    );
  }
  if (items.length === 0) return '<p>No flags: nothing in this period needs explaining.</p>';
  return `<ul class="flags">${items.join('')}</ul>`;
}

function repTable(reps: readonly RepAudit[]): string {
  const rows = reps.map((rep) => {
    const status = !rep.inRotation
      ? 'outside rotation'
      : rep.flagged
        ? rep.received > rep.expected
          ? 'more than fair share'
          : 'fewer than fair share'
        : rep.expected < MIN_EXPECTED_FOR_FLAG
          ? 'too few leads to judge'
          : 'ok';
    return `<tr><td>${escapeHtml(rep.ownerName ?? rep.ownerEmail)}<br><span class="caption">${escapeHtml(rep.ownerEmail)}</span></td>
<td class="n">${rep.received}</td><td class="n">${rep.expected.toFixed(1)}</td><td class="n">${pct(rep.ratio)}</td>
<td class="n">${num(rep.avgQuality)}</td><td class="n">${rep.qValue === null ? '—' : formatP(rep.qValue)}</td><td>${status}</td></tr>`;
  });
  return `<table><thead><tr><th>Rep</th><th>Received</th><th>Fair share</th><th>Received ÷ fair share</th><th>Avg quality (1–3)</th><th>p-value*</th><th>Verdict</th></tr></thead><tbody>${rows.join('')}</tbody></table>
<p class="caption">* adjusted for testing every rep at once; below ${FLAG_Q_THRESHOLD} means a flag.</p>`;
}

function method(result: LeadAudit): string {
  const rotation =
    result.rotation === 'settings'
      ? 'the reps listed in the rep settings with a lead weight above 0, on the days they are available'
      : 'every active rep who received a lead in the period, all with the same weight (no rep settings have been imported yet)';
  return `<section class="method"><h2>How to read this report</h2>
<p><b>Fair share (expected).</b> Each day, the leads that came in that day are divided among the reps in the rotation who were available, in proportion to their lead weight. A rep's fair share is the total of those daily portions. So a rep on holiday for a week is not expected to get leads that week, and a rep with weight 2 is expected to get twice as many as a rep with weight 1. The rotation here is ${rotation}.</p>
<p><b>Flags.</b> Some unevenness is normal luck. A rep is flagged only when the gap between what they received and their fair share is too large to be luck: each rep is checked with an exact binomial test, and the results are corrected because many reps are checked at once (Benjamini–Hochberg, 5% false-alarm rate). Reps expected to get fewer than ${MIN_EXPECTED_FOR_FLAG} leads are not judged. Leads that went to someone outside the rotation (not listed, weight 0, or away that day) are flagged once per person, with how many and which leads (every lead is in the CSV audit trail).</p>
<p><b>p-value.</b> The chance of seeing a gap at least this large if leads had really been handed out fairly: below ${FLAG_Q_THRESHOLD} means luck is an unlikely explanation.</p>
<p><b>Lead quality.</b> Hot / Warm / Cold ratings (Salesforce) or a score of ${HIGH_SCORE} and up / ${MEDIUM_SCORE}–${HIGH_SCORE - 1} / below ${MEDIUM_SCORE} (HubSpot) make high / medium / low quality, worth 3 / 2 / 1 points; average quality is the mean of those points. The cherry-picking test asks whether some reps get a better mix of quality than others even when their counts are fair (${result.audit.cherryPicking.pValue === null ? 'not testable' : pPhrase(result.audit.cherryPicking.pValue)} this period; below ${FLAG_Q_THRESHOLD} means the mix differs by more than luck).</p>
<p><b>Whole-team measures.</b> Gini ${num(result.audit.gini, 3)} (0 = everyone got exactly their fair share), Jain's index ${num(result.audit.jain, 3)} (1 = perfectly fair), coefficient of variation ${num(result.audit.cv, 3)}, highest ÷ lowest ${num(result.audit.maxMinRatio)}; chi-square ${result.audit.chiSquare.statistic.toFixed(1)} on ${result.audit.chiSquare.dof} degrees of freedom, ${result.audit.chiSquare.pValue === null ? 'not testable' : pPhrase(result.audit.chiSquare.pValue)}; quality-weighted Gini ${num(result.audit.qualityWeighted.gini, 3)}. A lead counts for the first rep it was assigned to in the period; queues are not reps.</p></section>`;
}

export function renderAuditReport(result: LeadAudit): string {
  const { audit, period, connection } = result;
  const ratios = audit.reps.filter((r) => r.inRotation && r.ratio !== null).map((r) => r.ratio!);
  const truncated =
    audit.reps.length > MAX_BARS
      ? ` Showing the ${chartReps(audit.reps).length} reps furthest from their fair share; all reps are in the table below.`
      : '';
  const legend = [
    [COLORS.fair, 'within fair range'],
    [COLORS.more, 'flagged: more'],
    [COLORS.fewer, 'flagged: fewer'],
    [COLORS.outside, 'outside rotation'],
  ]
    .map(
      ([color, text]) =>
        `<span style="white-space:nowrap"><span class="swatch" style="background:${color}"></span>${text}</span>`,
    )
    .join(' &nbsp; ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Lead distribution audit ${escapeHtml(period.start)} – ${escapeHtml(period.end)}</title><style>${CSS}</style></head>
<body><main>
<h1>Was lead distribution fair?</h1>
<p class="sub">${escapeHtml(connection.name)} · ${escapeHtml(period.start)} to ${escapeHtml(period.end)} (${escapeHtml(connection.timeZone)}) · as of ${escapeHtml(result.asOf.toISOString().slice(0, 16).replace('T', ' '))} UTC</p>
${verdict(result)}
${cards(result)}
<h2>Leads received vs fair share</h2>
<p class="caption">Bars are the leads each rep received, most first; the dark tick is their fair share. ${legend}.${truncated}</p>
<figure id="chart-received">${receivedVsExpectedChart(audit.reps)}</figure>
<h2>Flags</h2>
${flagList(result)}
<div class="row"><figure id="chart-lorenz">${lorenzChart(ratios)}</figure>
<div style="flex:1;min-width:260px"><h2 style="margin-top:8px">How even was it?</h2>
<p>The closer the blue curve is to the dashed diagonal, the fairer the split. If the curve sags far below it, a few reps got a large part of the leads relative to their capacity.</p>
<p>Gini coefficient: <b>${num(audit.gini, 3)}</b> (0 = perfectly fair, 1 = one rep got everything).</p></div></div>
<h2>Lead quality per rep</h2>
<p class="caption">Share of each rep's leads by quality: high = Hot or score ≥ ${HIGH_SCORE}, medium = Warm or ${MEDIUM_SCORE}–${HIGH_SCORE - 1}, low = Cold or below ${MEDIUM_SCORE}. Similar bars mean nobody is being handed the best (or worst) leads.</p>
<figure id="chart-quality">${qualityChart(audit.reps)}</figure>
<h2>Every rep</h2>
${repTable(audit.reps)}
${method(result)}
</main></body></html>
`;
}
