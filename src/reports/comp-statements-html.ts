import type { ComponentLine, RepStatement, StatementsDocument } from '../comp/comp-model.js';

/**
 * `comp statements --html`: the statements of one period as a page a rep can check line by line.
 * It renders the very document `--json` prints (`compStatementsDocument`), so every figure on the
 * page is a figure of the JSON; nothing is recomputed here. Inline CSS only, no scripts, fonts or
 * images: it opens offline and can be mailed.
 */
const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const money = (value: number, currency: string): string =>
  `${value < 0 ? '−' : ''}${Math.abs(value).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`;
const pct = (value: number | null): string =>
  value === null ? '—' : `${(value * 100).toLocaleString('en-US', { maximumFractionDigits: 2 })}%`;
const times = (value: number | null): string =>
  value === null ? '—' : `× ${value.toLocaleString('en-US', { maximumFractionDigits: 4 })}`;

const KIND_LABEL: Record<string, string> = {
  manual: 'Adjustment',
  restatement: 'Restatement',
  clawback: 'Clawback',
  draw: 'Draw paid',
  draw_recovery: 'Draw recovered',
};

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f2d3d;margin:0;background:#f5f7fa}
main{max-width:860px;margin:0 auto;padding:28px 32px;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 4px;padding-top:16px;border-top:3px solid #1f2d3d}
h3{font-size:15px;margin:20px 0 6px;color:#3c4b5b}.sub{color:#5a6b7b;margin:0 0 12px}
.total{display:flex;justify-content:space-between;align-items:baseline;background:#e8f5ee;border-left:6px solid #2e8b57;padding:12px 16px;border-radius:6px;margin:12px 0}
.total b{font-size:26px;font-variant-numeric:tabular-nums}.closed{background:#eef2f7;border-left-color:#5a6b7b}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e3e8ee}
th{background:#f5f7fa}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tfoot td{font-weight:600;border-top:2px solid #c9d2dc}.neg{color:#b03a2e}.note{color:#5a6b7b;font-size:12px;margin:4px 0}
code{font-size:12px;background:#f5f7fa;padding:1px 4px;border-radius:3px;word-break:break-all}
`;

function measureText(c: ComponentLine, currency: string): string {
  if (c.measure === 'credited_amount') return money(c.credited, currency);
  const of = c.quota === null ? 'no quota' : `${money(c.credited, currency)} of ${money(c.quota, currency)}`;
  const who = c.measure === 'team_attainment' ? `team ${escapeHtml(c.team ?? '—')}: ` : '';
  return `${pct(c.value)} <span class="note">(${who}${of})</span>`;
}

function componentsTable(s: RepStatement, currency: string): string {
  const rows = s.components
    .map(
      (c) =>
        `<tr><td>${escapeHtml(c.name)}</td><td>${escapeHtml(c.measure)}</td><td>${measureText(c, currency)}</td><td class="n">${times(c.multiplier)}</td><td class="n">${money(c.payout, currency)}</td></tr>`,
    )
    .join('');
  return `<table class="components"><thead><tr><th>Component</th><th>Measure</th><th>Value</th><th class="n">Multiplier</th><th class="n">Payout</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function adjustmentsTable(s: RepStatement, currency: string): string {
  if (s.adjustments.length === 0) return '<p class="note">No adjustments this period.</p>';
  const rows = s.adjustments
    .map(
      (a) =>
        `<tr><td>${escapeHtml(KIND_LABEL[a.kind] ?? a.kind)}</td><td>${escapeHtml(a.dealId ?? '—')}</td><td>${escapeHtml(a.period)}</td><td>${escapeHtml(a.reason)}</td><td class="n${a.amount < 0 ? ' neg' : ''}">${money(a.amount, currency)}</td></tr>`,
    )
    .join('');
  return `<table class="adjustments"><thead><tr><th>Kind</th><th>Deal</th><th>About period</th><th>Reason</th><th class="n">Amount</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function creditsTable(s: RepStatement, currency: string): string {
  if (s.credits.length === 0)
    return '<p class="note">No closed-won deals credited to you in this period.</p>';
  const rows = s.credits
    .map(
      (d) =>
        `<tr><td>${escapeHtml(d.dealId)}</td><td>${escapeHtml(d.name)}</td><td>${escapeHtml(d.closeDate)}</td><td class="n">${money(d.amount, currency)}</td><td class="n">${pct(d.share)}</td><td class="n">${money(Math.round(d.amount * d.share * 100) / 100, currency)}</td></tr>`,
    )
    .join('');
  return `<table class="credits"><thead><tr><th>Deal</th><th>Name</th><th>Closed</th><th class="n">Amount</th><th class="n">Your share</th><th class="n">Credited</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function statementSection(s: RepStatement, currency: string, closed: boolean): string {
  const earned = Math.round(s.components.reduce((t, c) => t + Math.round(c.payout * 100), 0)) / 100;
  const adjusted = Math.round(s.adjustments.reduce((t, a) => t + Math.round(a.amount * 100), 0)) / 100;
  const draw =
    s.drawBalance === null
      ? ''
      : `<p class="note">Draw still owed after this statement: ${money(s.drawBalance, currency)}.</p>`;
  return `<section class="statement" data-rep="${escapeHtml(s.ownerEmail)}">
<h2>${escapeHtml(s.ownerEmail)}</h2>
<p class="sub">${escapeHtml(s.period.key)} (${escapeHtml(s.period.start)} to ${escapeHtml(s.period.end)}) · plan ${escapeHtml(s.plan.name)} · target incentive ${money(s.targetIncentive, currency)} · prorate ${pct(s.prorate)} (${s.workingDays.assigned} of ${s.workingDays.period} working days)</p>
<div class="total${closed ? ' closed' : ''}"><span>Total payout${closed ? ' (period closed)' : ''}</span><b class="total-amount" data-amount="${s.total.toFixed(2)}">${money(s.total, currency)}</b></div>
<h3>How it is made up</h3>
${componentsTable(s, currency)}
<table><tfoot><tr><td>Components</td><td class="n">${money(earned, currency)}</td></tr><tr><td>Adjustments</td><td class="n">${money(adjusted, currency)}</td></tr><tr><td>Total</td><td class="n">${money(s.total, currency)}</td></tr></tfoot></table>
<h3>Adjustments, restatements and clawbacks</h3>
${adjustmentsTable(s, currency)}
${draw}
<h3>Deals credited to you</h3>
${creditsTable(s, currency)}
<p class="note">Plan hash <code>${escapeHtml(s.plan.hash)}</code> · inputs hash <code>${escapeHtml(s.inputsHash)}</code>. If your payout changes, the inputs hash changes with it: compare two statements to see why.</p>
</section>`;
}

export function compStatementsHtml(document: StatementsDocument, title: string): string {
  const { period, currency, closed } = document;
  const body =
    document.statements.length === 0
      ? '<p>No statements for this period yet.</p>'
      : document.statements.map((s) => statementSection(s, currency, closed)).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body><main>
<h1>${escapeHtml(title)}</h1>
<p class="sub">${escapeHtml(period.start)} to ${escapeHtml(period.end)} · ${escapeHtml(currency)} · ${closed ? 'closed: these figures no longer change; later corrections appear in your next open statement' : 'open: figures follow the latest sync until the period is closed'}</p>
${body}
</main></body></html>
`;
}
