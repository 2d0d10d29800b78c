import { html, type SafeHtml } from './html.js';
import { type NiceAxis, px } from './scale.js';

/** The plotting area inside a chart's SVG, in user units. */
export interface PlotBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function tickLabel(value: number, axis: NiceAxis): string {
  return value.toFixed(axis.decimals);
}

/** A left value axis: grid lines across the plot, tick labels and the rotated axis name. */
export function valueAxis(
  axis: NiceAxis,
  y: (value: number) => number,
  box: PlotBox,
  label: string,
  format: (value: number) => string = (v) => tickLabel(v, axis),
): SafeHtml {
  const ticks = axis.ticks.map(
    (tick) => html`<g class="tick">
<line class="grid" x1="${box.left}" x2="${box.left + box.width}" y1="${px(y(tick))}" y2="${px(y(tick))}"/>
<text x="${box.left - 6}" y="${px(y(tick))}" text-anchor="end" dominant-baseline="middle">${format(tick)}</text>
</g>`,
  );
  const middle = px(box.top + box.height / 2);
  return html`<g class="axis y-axis">${ticks}
<line class="axis-line" x1="${box.left}" x2="${box.left}" y1="${box.top}" y2="${box.top + box.height}"/>
<text class="axis-label" transform="translate(14 ${middle}) rotate(-90)" text-anchor="middle">${label}</text>
</g>`;
}

/** A bottom numeric axis: tick marks, tick labels and the axis name. */
export function numericAxis(
  axis: NiceAxis,
  x: (value: number) => number,
  box: PlotBox,
  label: string,
): SafeHtml {
  const bottom = box.top + box.height;
  const ticks = axis.ticks.map(
    (tick) => html`<g class="tick">
<line class="tick-mark" x1="${px(x(tick))}" x2="${px(x(tick))}" y1="${bottom}" y2="${bottom + 5}"/>
<text x="${px(x(tick))}" y="${bottom + 18}" text-anchor="middle">${tickLabel(tick, axis)}</text>
</g>`,
  );
  return html`<g class="axis x-axis">${ticks}
<line class="axis-line" x1="${box.left}" x2="${box.left + box.width}" y1="${bottom}" y2="${bottom}"/>
<text class="axis-label" x="${px(box.left + box.width / 2)}" y="${bottom + 38}" text-anchor="middle">${label}</text>
</g>`;
}
