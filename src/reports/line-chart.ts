import { numericAxis, type PlotBox, valueAxis } from './axes.js';
import { html, type SafeHtml } from './html.js';
import { legend } from './legend.js';
import { seriesColour } from './palette.js';
import { linear, niceAxis, px } from './scale.js';

export interface Point {
  x: number;
  y: number;
}

export interface LineSeries {
  name: string;
  points: readonly Point[];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  /** Whole-number x ticks only (epochs, trials). */
  integerX?: boolean;
  /** Fixes the value axis instead of fitting it to the data, e.g. [0, 1] for accuracies. */
  yDomain?: readonly [number, number];
  formatY?: (value: number) => string;
  /** Value-axis tick labels, when they read otherwise than the values (in a scaled unit). */
  formatTick?: (value: number) => string;
  /** Text shown in place of the plot when no series has a point. */
  empty?: string;
}

// About the width a chart gets in a two-column layout on a laptop, so text is drawn near 1:1.
const WIDTH = 520;
const HEIGHT = 280;
const BOX: PlotBox = { left: 60, top: 14, width: WIDTH - 60 - 18, height: HEIGHT - 14 - 50 };

/**
 * Several series over a shared numeric x axis, one polyline with a marker per point each.
 * Points whose values are not finite (a diverged loss) are left out rather than drawn at an
 * arbitrary place. Each series is a `g.series` carrying its name, and each marker its x and
 * y, so a reader of the page (or a test) can find the numbers behind the picture.
 */
export function lineChart(opts: LineChartOptions): SafeHtml {
  const series = opts.series.map((s, index) => ({
    name: s.name,
    ...seriesColour(index),
    points: s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)),
  }));
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) {
    return html`<figure class="chart line-chart" data-chart="line">
<figcaption>${opts.title}</figcaption>
<p class="empty">${opts.empty ?? 'No data yet.'}</p>
</figure>`;
  }
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  const xAxis = niceAxis(Math.min(...xs), Math.max(...xs), 8, opts.integerX);
  const yAxis = opts.yDomain
    ? niceAxis(opts.yDomain[0], opts.yDomain[1], 5)
    : niceAxis(Math.min(...ys), Math.max(...ys), 5);
  const x = linear([xAxis.min, xAxis.max], [BOX.left, BOX.left + BOX.width]);
  const y = linear([yAxis.min, yAxis.max], [BOX.top + BOX.height, BOX.top]);
  const format = opts.formatY ?? ((v: number) => v.toFixed(yAxis.decimals));

  const lines = series.map(
    (s) => html`<g class="series" data-series="${s.name}">
<polyline fill="none" stroke="${s.colour}" stroke-width="2"${s.dashed ? html` stroke-dasharray="6 4"` : ''} points="${s.points.map((p) => `${px(x(p.x))},${px(y(p.y))}`).join(' ')}"/>
${s.points.map(
  (p) =>
    html`<circle class="point" cx="${px(x(p.x))}" cy="${px(y(p.y))}" r="3.5" fill="${s.colour}" data-x="${p.x}" data-y="${p.y}"><title>${s.name}: ${format(p.y)} at ${opts.xLabel} ${p.x}</title></circle>`,
)}
</g>`,
  );
  return html`<figure class="chart line-chart" data-chart="line">
<figcaption>${opts.title}</figcaption>
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${opts.title}">
${valueAxis(yAxis, y, BOX, opts.yLabel, opts.formatTick ?? format)}
${numericAxis(xAxis, x, BOX, opts.xLabel)}
${lines}
</svg>
${legend(series)}
</figure>`;
}
