import { describe, expect, it } from 'vitest';
import { type DatasetStatsView, datasetReport } from '../../src/reports/dataset-report.js';

const HOSTILE = '<script>alert(1)</script>';

function stats(classNames: string[]): DatasetStatsView {
  const split = (perClass: number) => ({
    count: perClass * classNames.length,
    perClass: classNames.map((className, label) => ({
      label,
      className,
      count: perClass,
      fraction: 1 / classNames.length,
    })),
  });
  return { id: 'ds-1', classNames, splits: { train: split(50), val: split(10), test: split(5) } };
}

const links = {
  self: '/v1/datasets/ds-1',
  stats: '/v1/datasets/ds-1/stats',
  samples: (split: string) => `/v1/datasets/ds-1/samples.png?split=${split}&perClass=5`,
};

describe('datasetReport', () => {
  it('draws a bar per class and a table row per class for each split', () => {
    const page = datasetReport(stats(['a', 'b', 'c']), links);
    expect([...page.matchAll(/<figure class="chart bar-chart"/g)]).toHaveLength(3);
    expect([...page.matchAll(/<g class="bar"/g)]).toHaveLength(9);
    expect(page).toContain('<h2>train split: 150 images</h2>');
    expect(page).toContain('<h2>test split: 15 images</h2>');
  });

  it('embeds each split’s sample grid from the server, with the URL escaped for HTML', () => {
    const page = datasetReport(stats(['a']), links);
    expect(page).toContain('src="/v1/datasets/ds-1/samples.png?split=val&amp;perClass=5"');
  });

  it('escapes hostile class names everywhere they appear', () => {
    const page = datasetReport(stats([HOSTILE, 'b']), links);
    expect(page).not.toMatch(/<script/i);
    expect(page).toContain('<li>&lt;script&gt;alert(1)&lt;/script&gt;</li>');
  });

  it('says an empty split holds no images instead of loading a grid', () => {
    const empty = stats(['a']);
    empty.splits = { ...empty.splits, test: { count: 0, perClass: [] } };
    const page = datasetReport(empty, links);
    expect(page).toContain('This split holds no images.');
    expect([...page.matchAll(/<img class="grid"/g)]).toHaveLength(2);
  });
});
