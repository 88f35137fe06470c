import * as echarts from 'echarts';
import type { RepAudit } from '../metrics/fairness-audit.js';

/**
 * The report's charts, rendered by echarts on the server to SVG strings that are inlined into
 * the HTML (no script, no network when the report is opened).
 */
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif';
export const COLORS = {
  fair: '#4a7fb5',
  more: '#d9822b',
  fewer: '#8e44ad',
  outside: '#c0392b',
  expected: '#1f2d3d',
  high: '#2e8b57',
  medium: '#f2c14e',
  low: '#d96c5f',
  unknown: '#b8c2cc',
} as const;

/** Past this many reps the bar charts show the most uneven ones, so labels stay legible. */
export const MAX_BARS = 30;

function render(option: echarts.EChartsCoreOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: FONT, fontSize: 12 }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

export function repColor(rep: RepAudit): string {
  if (!rep.inRotation) return COLORS.outside;
  if (rep.flagged) return rep.received > rep.expected ? COLORS.more : COLORS.fewer;
  return COLORS.fair;
}

/** The reps a bar chart shows: all, or the MAX_BARS furthest from their fair share. */
export function chartReps(reps: readonly RepAudit[]): RepAudit[] {
  if (reps.length <= MAX_BARS) return [...reps];
  const distance = (rep: RepAudit) =>
    rep.expected > 0 ? Math.abs(Math.log((rep.received + 0.5) / rep.expected)) : 99;
  return [...reps].sort((a, b) => distance(b) - distance(a)).slice(0, MAX_BARS);
}

const label = (rep: RepAudit): string => rep.ownerName ?? rep.ownerEmail;

/**
 * Legend entries one under the other: server-side rendering measures text with estimated font
 * metrics, so side-by-side entries drawn in the reader's wider system font ran into each other.
 */
const stackedLegend = (names: readonly string[], left: number, top: number) => ({
  data: [...names],
  orient: 'vertical' as const,
  left,
  top,
  itemGap: 6,
  backgroundColor: 'rgba(255,255,255,0.85)',
});

/** Most leads first, the order the bar lengths are read in; ties alphabetically. */
export function byReceived(reps: readonly RepAudit[]): RepAudit[] {
  return [...reps].sort((a, b) => b.received - a.received || label(a).localeCompare(label(b)));
}

/** Received (bars, coloured by verdict) against expected (a dark tick) per rep. */
export function receivedVsExpectedChart(reps: readonly RepAudit[]): string {
  const shown = byReceived(chartReps(reps));
  const height = Math.max(220, 60 + shown.length * 28);
  // The value is written past whichever ends later, the bar or the tick, so a tick at the end
  // of a bar never covers the number.
  const labelAt = (rep: RepAudit) => Math.max(rep.received, rep.expected);
  return render(
    {
      grid: { left: 150, right: 56, top: 20, bottom: 40 },
      legend: { show: false },
      xAxis: { type: 'value', name: 'leads', nameLocation: 'middle', nameGap: 26 },
      yAxis: {
        type: 'category',
        inverse: true,
        data: shown.map(label),
        axisLabel: { width: 140, overflow: 'truncate' },
      },
      series: [
        {
          name: 'Leads received',
          type: 'bar',
          barWidth: 16,
          itemStyle: { color: COLORS.fair },
          data: shown.map((rep) => ({ value: rep.received, itemStyle: { color: repColor(rep) } })),
        },
        {
          name: 'Fair share (expected)',
          type: 'scatter',
          symbol: 'rect',
          symbolSize: [4, 24],
          itemStyle: { color: COLORS.expected },
          data: shown.map((rep) => Number(rep.expected.toFixed(1))),
        },
        {
          name: 'Received (value)',
          type: 'scatter',
          symbolSize: 0,
          silent: true,
          data: shown.map((rep) => ({ value: labelAt(rep), received: rep.received })),
          label: {
            show: true,
            position: 'right',
            distance: 8,
            color: '#333',
            formatter: (p: { data: { received: number } }) => String(p.data.received),
          },
        },
      ],
    },
    760,
    height,
  );
}

/**
 * Lorenz curve of received ÷ expected: reps sorted from least to most favoured; with fair
 * shares the curve is the diagonal, and the area between them is half the Gini coefficient.
 */
export function lorenzChart(ratios: readonly number[]): string {
  const sorted = [...ratios].sort((a, b) => a - b);
  const total = sorted.reduce((a, b) => a + b, 0);
  const points: [number, number][] = [[0, 0]];
  let running = 0;
  sorted.forEach((ratio, i) => {
    running += ratio;
    points.push([((i + 1) / sorted.length) * 100, total > 0 ? (running / total) * 100 : 0]);
  });
  return render(
    {
      grid: { left: 60, right: 30, top: 20, bottom: 56 },
      // Top left of the plot is empty: a Lorenz curve never rises above the diagonal.
      legend: stackedLegend(['Actual distribution', 'Perfectly fair'], 70, 40),
      xAxis: {
        type: 'value',
        min: 0,
        max: 100,
        name: '% of reps (least favoured first)',
        nameLocation: 'middle',
        nameGap: 30,
        axisLabel: { formatter: '{value}%' },
      },
      yAxis: {
        type: 'value',
        min: 0,
        max: 100,
        name: '% of leads (capacity-adjusted)',
        nameLocation: 'middle',
        nameGap: 44,
        axisLabel: { formatter: '{value}%' },
      },
      series: [
        {
          name: 'Perfectly fair',
          type: 'line',
          data: [
            [0, 0],
            [100, 100],
          ],
          symbol: 'none',
          lineStyle: { type: 'dashed', color: '#888' },
          itemStyle: { color: '#888' },
        },
        {
          name: 'Actual distribution',
          type: 'line',
          data: points,
          symbol: sorted.length <= 40 ? 'circle' : 'none',
          symbolSize: 5,
          lineStyle: { width: 3, color: COLORS.fair },
          itemStyle: { color: COLORS.fair },
          areaStyle: { color: 'rgba(74,127,181,0.12)' },
        },
      ],
    },
    420,
    360,
  );
}

/** Share of each rep's leads by quality tier (stacked to 100%). */
export function qualityChart(reps: readonly RepAudit[]): string {
  // Longest green (high-quality share) first, then longest yellow: the order the eye reads.
  const share = (rep: RepAudit, tier: 'high' | 'medium') =>
    rep.received > 0 ? rep.tiers[tier] / rep.received : 0;
  const shown = chartReps(reps).sort(
    (a, b) => share(b, 'high') - share(a, 'high') || share(b, 'medium') - share(a, 'medium'),
  );
  const height = Math.max(220, 70 + shown.length * 28);
  const tiers = [
    ['high', 'High quality'],
    ['medium', 'Medium'],
    ['low', 'Low'],
    ['unknown', 'Not scored'],
  ] as const;
  return render(
    {
      grid: { left: 150, right: 40, top: 50, bottom: 40 },
      // Wide gaps: SSR estimates text widths, and the reader's font may be wider.
      legend: { top: 0, itemGap: 28, data: tiers.map(([, name]) => name) },
      xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      yAxis: {
        type: 'category',
        inverse: true,
        data: shown.map(label),
        axisLabel: { width: 140, overflow: 'truncate' },
      },
      series: tiers.map(([tier, name]) => ({
        name,
        type: 'bar',
        stack: 'quality',
        barWidth: 16,
        itemStyle: { color: COLORS[tier] },
        data: shown.map((rep) =>
          rep.received > 0 ? Number(((rep.tiers[tier] / rep.received) * 100).toFixed(1)) : 0,
        ),
      })),
    },
    760,
    height,
  );
}
