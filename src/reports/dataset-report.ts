import { barChart } from './bar-chart.js';
import { count, percent } from './format.js';
import { html, type SafeHtml } from './html.js';
import { page, type Section } from './page.js';
import { table } from './table.js';

/** One split's counts, as `GET /v1/datasets/:id/stats` answers them. */
export interface SplitCountsView {
  count: number;
  perClass: readonly { label: number; className: string; count: number; fraction: number }[];
}

/** The body of `GET /v1/datasets/:id/stats`. */
export interface DatasetStatsView {
  id: string;
  classNames: readonly string[];
  splits: Readonly<Record<string, SplitCountsView>>;
}

export interface DatasetReportLinks {
  self: string;
  stats: string;
  /** The sample grid of a split: an image URL on this server. */
  samples: (split: string) => string;
}

const SPLIT_WORDS: Record<string, string> = {
  train: 'what a training job fits on',
  val: "the data set's test files, used for validation after each epoch",
  test: 'images per class drawn from the training files and held out for the final evaluation',
};

/**
 * A data set as one HTML page: for each split a training job makes, the images per class as
 * a bar chart and a table, and a grid of the first sample images of every class.
 */
export function datasetReport(stats: DatasetStatsView, links: DatasetReportLinks): string {
  const splits = Object.entries(stats.splits);
  const total = splits.reduce((sum, [, s]) => sum + s.count, 0);
  return page({
    title: `Data set ${stats.id}`,
    lead: `${count(total)} images in ${splits.length} splits, ${stats.classNames.length} classes`,
    links: [
      { href: links.self, label: 'JSON resource' },
      { href: links.stats, label: 'statistics (JSON)' },
    ],
    sections: splits.map(
      ([name, split]): Section => ({
        id: `split-${name}`,
        heading: `${name} split: ${count(split.count)} images`,
        body: splitSection(name, split, links.samples(name)),
      }),
    ),
  });
}

function splitSection(name: string, split: SplitCountsView, samples: string): SafeHtml {
  const about = SPLIT_WORDS[name];
  return html`${about ? html`<p>The ${name} split: ${about}.</p>` : ''}
<div class="figures">
${barChart({
  title: `Images per class in ${name}`,
  yLabel: 'images',
  formatValue: count,
  bars: split.perClass.map((c) => ({
    label: c.className,
    value: c.count,
    detail: `${percent(c.fraction)} of the split`,
  })),
})}
${table(
  split.perClass,
  [
    { header: 'label', cell: (c) => c.label, numeric: true },
    { header: 'class', cell: (c) => c.className },
    { header: 'images', cell: (c) => count(c.count), numeric: true },
    { header: 'share', cell: (c) => percent(c.fraction), numeric: true },
  ],
  { caption: `Class distribution of ${name}` },
)}
</div>
<h3>Samples from ${name}</h3>
${split.count === 0 ? html`<p class="empty">This split holds no images.</p>` : sampleGrid(name, split, samples)}`;
}

/**
 * The server's sample grid (one row per class) with the class names beside its rows. The
 * names sit in a grid of equal rows stretched to the image's height, so they line up with
 * the image's rows at any image size.
 */
function sampleGrid(name: string, split: SplitCountsView, src: string): SafeHtml {
  return html`<div class="sample-grid">
<ol class="grid-labels" style="grid-template-rows: repeat(${split.perClass.length}, 1fr)">${split.perClass.map(
    (c) => html`<li>${c.className}</li>`,
  )}</ol>
<img class="grid" src="${src}" alt="${`First images of each class in the ${name} split, one row per class`}">
</div>`;
}
