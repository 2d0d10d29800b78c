import { describe, expect, it } from 'vitest';
import { barChart } from '../../src/reports/bar-chart.js';
import { heatmap } from '../../src/reports/heatmap.js';
import { lineChart } from '../../src/reports/line-chart.js';

const HOSTILE = '<script>alert("x")</script>';

function occurrences(text: string, pattern: RegExp): number {
  return [...text.matchAll(pattern)].length;
}

describe('lineChart', () => {
  const chart = (series: { name: string; points: { x: number; y: number }[] }[]) =>
    lineChart({ title: 'Curves', xLabel: 'epoch', yLabel: 'loss', integerX: true, series }).markup;

  it('draws one group per series and one marker per point, with the values as data', () => {
    const svg = chart([
      { name: 'trial 1', points: [1, 2, 3].map((x) => ({ x, y: 1 / x })) },
      { name: 'trial 2', points: [1, 2].map((x) => ({ x, y: x / 10 })) },
      { name: 'trial 3', points: [{ x: 1, y: 0.5 }] },
    ]);
    expect(occurrences(svg, /<g class="series"/g)).toBe(3);
    expect(occurrences(svg, /<circle class="point"/g)).toBe(6);
    expect(svg).toContain('data-series="trial 2"');
    expect(svg).toContain('data-x="2" data-y="0.2"');
    expect(occurrences(svg, /<li>/g)).toBe(3);
  });

  it('leaves out points that are not finite', () => {
    const svg = chart([
      {
        name: 'loss',
        points: [
          { x: 1, y: Number.NaN },
          { x: 2, y: 0.4 },
          { x: 3, y: Infinity },
        ],
      },
    ]);
    expect(occurrences(svg, /<circle class="point"/g)).toBe(1);
    expect(svg).not.toContain('NaN');
  });

  it('says there is no data instead of drawing empty axes', () => {
    const svg = lineChart({
      title: 'Loss',
      xLabel: 'epoch',
      yLabel: 'loss',
      series: [{ name: 'train', points: [] }],
      empty: 'No epoch has finished yet.',
    }).markup;
    expect(svg).not.toContain('<svg');
    expect(svg).toContain('No epoch has finished yet.');
  });

  it('escapes series names, titles and axis labels', () => {
    const svg = lineChart({
      title: HOSTILE,
      xLabel: HOSTILE,
      yLabel: HOSTILE,
      series: [{ name: HOSTILE, points: [{ x: 1, y: 1 }] }],
    }).markup;
    expect(svg).not.toMatch(/<script/i);
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });
});

describe('lineChart tick labels', () => {
  it('labels ticks with formatTick and markers with formatY, keeping the values as data', () => {
    const svg = lineChart({
      title: 'Rate',
      xLabel: 'epoch',
      yLabel: 'rate (×10⁻³)',
      yDomain: [0, 0.002],
      formatY: (v) => `${v} exactly`,
      formatTick: (v) => `${v * 1000}k`,
      series: [{ name: 'rate', points: [{ x: 1, y: 0.002 }] }],
    }).markup;
    const ticks = [...svg.matchAll(/dominant-baseline="middle">([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(ticks).toEqual(['0k', '0.5k', '1k', '1.5k', '2k']);
    expect(svg).toContain('data-y="0.002"><title>rate: 0.002 exactly at epoch 1</title>');
  });
});

describe('heatmap', () => {
  const names = Array.from({ length: 10 }, (_, i) => `class ${i}`);
  const values = names.map((_, r) => names.map((_, c) => (r === c ? 90 : 1)));

  it('draws a cell per value with the count printed in it', () => {
    const svg = heatmap({
      title: 'Confusion',
      rowLabels: names,
      colLabels: names,
      values,
      rowTitle: 'true',
      colTitle: 'predicted',
    }).markup;
    expect(occurrences(svg, /<g class="cell/g)).toBe(100);
    expect(occurrences(svg, /<g class="cell diagonal"/g)).toBe(10);
    const printed = [...svg.matchAll(/dominant-baseline="central"[^>]*>(\d+)<\/text>/g)].map((m) =>
      Number(m[1]),
    );
    expect(printed.reduce((a, b) => a + b, 0)).toBe(10 * 90 + 90);
  });

  it('shades by row, so a small class with all its examples right is as dark as a big one', () => {
    const svg = heatmap({
      title: 'Confusion',
      rowLabels: ['a', 'b'],
      colLabels: ['a', 'b'],
      values: [
        [1000, 0],
        [0, 10],
      ],
      rowTitle: 'true',
      colTitle: 'predicted',
    }).markup;
    expect(occurrences(svg, /fill-opacity="1"/g)).toBe(2);
  });

  it('escapes class names and cuts long ones in the picture, keeping them whole in tooltips', () => {
    const long = `${HOSTILE} with a very long tail`;
    const svg = heatmap({
      title: 't',
      rowLabels: [long],
      colLabels: [long],
      values: [[3]],
      rowTitle: 'true',
      colTitle: 'predicted',
    }).markup;
    expect(svg).not.toMatch(/<script/i);
    expect(svg).toContain(
      '<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; with a very long tail</title>',
    );
    expect(svg).toContain('…');
  });
});

describe('barChart', () => {
  it('draws one bar per category from zero, with its value printed', () => {
    const svg = barChart({
      title: 'Per class',
      yLabel: 'images',
      bars: [
        { label: 'a', value: 10 },
        { label: 'b', value: 30 },
        { label: HOSTILE, value: 0, detail: HOSTILE },
      ],
    }).markup;
    expect(occurrences(svg, /<g class="bar"/g)).toBe(3);
    expect(svg).toContain('data-value="30"');
    expect(svg).not.toMatch(/<script/i);
    // The y axis starts at zero, so the empty bar has no height.
    expect(svg).toMatch(/data-value="0">\s*<rect [^>]*height="0"/);
  });
});
