import { type PlotBox, valueAxis } from './axes.js';
import { html, type SafeHtml } from './html.js';
import { ACCENT } from './palette.js';
import { linear, niceAxis, px } from './scale.js';

export interface Bar {
  label: string;
  value: number;
  /** Extra words for the tooltip, e.g. the share of the total. */
  detail?: string;
}

export interface BarChartOptions {
  title: string;
  bars: readonly Bar[];
  yLabel: string;
  formatValue?: (value: number) => string;
}

const HEIGHT = 300;
// Ten classes make a chart about as wide as a two-column layout gives it on a laptop.
const SLOT = 46;
const MAX_LABEL = 14;

/**
 * Vertical bars over named categories (class distributions), starting at zero so heights
 * compare honestly. Each bar is a `g.bar` with its label and value as data attributes and
 * the value printed above it.
 */
export function barChart(opts: BarChartOptions): SafeHtml {
  const format = opts.formatValue ?? ((v: number) => String(v));
  const longest = Math.min(MAX_LABEL, Math.max(1, ...opts.bars.map((b) => b.label.length)));
  const bottom = 20 + longest * 5;
  const box: PlotBox = {
    left: 64,
    top: 22,
    width: Math.max(1, opts.bars.length) * SLOT,
    height: HEIGHT - 22 - bottom,
  };
  const width = box.left + box.width + 16;
  const values = opts.bars.map((b) => (Number.isFinite(b.value) ? b.value : 0));
  const axis = niceAxis(0, Math.max(1, ...values), 5);
  const y = linear([0, axis.max], [box.top + box.height, box.top]);
  const base = box.top + box.height;

  const bars = opts.bars.map((bar, i) => {
    const value = values[i] as number;
    const x = box.left + i * SLOT + 8;
    const top = y(value);
    const label =
      bar.label.length > MAX_LABEL ? `${bar.label.slice(0, MAX_LABEL - 1)}…` : bar.label;
    return html`<g class="bar" data-label="${bar.label}" data-value="${bar.value}">
<rect x="${x}" y="${px(top)}" width="${SLOT - 16}" height="${px(base - top)}" fill="${ACCENT}"/>
<text class="bar-value" x="${x + (SLOT - 16) / 2}" y="${px(top - 5)}" text-anchor="middle">${format(bar.value)}</text>
<text class="bar-label" transform="translate(${x + (SLOT - 16) / 2 + 4} ${base + 10}) rotate(-40)" text-anchor="end">${label}</text>
<title>${bar.label}: ${format(bar.value)}${bar.detail ? ` (${bar.detail})` : ''}</title>
</g>`;
  });
  return html`<figure class="chart bar-chart" data-chart="bar">
<figcaption>${opts.title}</figcaption>
<svg viewBox="0 0 ${width} ${HEIGHT}" style="max-width:${width}px" role="img" aria-label="${opts.title}">
${valueAxis(axis, y, box, opts.yLabel, opts.formatValue)}
<line class="axis-line" x1="${box.left}" x2="${box.left + box.width}" y1="${base}" y2="${base}"/>
${bars}
</svg>
</figure>`;
}
