/**
 * Series colours: the Okabe-Ito set, which stays distinguishable under the common colour
 * vision deficiencies and reads on light and dark backgrounds alike. Black is left out
 * because it vanishes on a dark page.
 */
const COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442'];

/** The colour of the i-th series; past the palette, colours repeat and `dashed` tells apart. */
export function seriesColour(index: number): { colour: string; dashed: boolean } {
  return {
    colour: COLOURS[index % COLOURS.length] as string,
    dashed: Math.floor(index / COLOURS.length) % 2 === 1,
  };
}

/** The one hue of heatmap cells and bars; intensity comes from opacity. */
export const ACCENT = '#0072B2';
