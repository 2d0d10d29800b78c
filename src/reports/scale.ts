/** Axis arithmetic shared by the charts: round tick steps and linear mappings. */

export interface NiceAxis {
  min: number;
  max: number;
  /** Tick values from `min` to `max`, `step` apart. */
  ticks: number[];
  /** Decimals that print every tick exactly (0 for integer steps). */
  decimals: number;
}

/**
 * Extends [min, max] to multiples of a round step (1, 2 or 5 times a power of ten) so that
 * about `count` ticks fall on readable values. `integer` keeps the step at 1 or more, for
 * axes such as epochs where fractional ticks would name nothing. An empty range is widened
 * around its value so a single point still gets an axis.
 */
export function niceAxis(min: number, max: number, count = 5, integer = false): NiceAxis {
  let lo = Number.isFinite(min) ? min : 0;
  let hi = Number.isFinite(max) ? max : lo;
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = integer ? 1 : lo === 0 ? 1 : Math.abs(lo) / 10;
    lo -= pad;
    hi += pad;
  }
  let step = roundStep((hi - lo) / Math.max(1, count));
  if (integer) step = Math.max(1, Math.round(step));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toFixed(decimals)));
  return { min: ticks[0] as number, max: ticks.at(-1) as number, ticks, decimals };
}

function roundStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/** Maps [d0, d1] onto [r0, r1]; a zero-width domain maps to the middle of the range. */
export function linear(
  [d0, d1]: readonly [number, number],
  [r0, r1]: readonly [number, number],
): (value: number) => number {
  const span = d1 - d0;
  return (value) => (span === 0 ? (r0 + r1) / 2 : r0 + ((value - d0) / span) * (r1 - r0));
}

/** Rounds a coordinate for the SVG source: sub-pixel digits only make the page larger. */
export function px(value: number): number {
  return Math.round(value * 10) / 10;
}
