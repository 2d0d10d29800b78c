import { TERMINAL_STATUSES } from '../jobs/job-status.js';
import type { TrainingJobView } from '../jobs/job-view.js';
import { count, fixed, percent, time } from './format.js';
import { heatmap } from './heatmap.js';
import { html, type Interpolation, type SafeHtml } from './html.js';
import { learningRateFigure } from './learning-rate-chart.js';
import { lineChart } from './line-chart.js';
import { misclassifiedGallery, readMisclassified } from './misclassified-gallery.js';
import { type Link, page, type Section } from './page.js';
import { table } from './table.js';

type Test = NonNullable<TrainingJobView['test']>;
type ClassRow = Test['perClass'][number];
type Transition = TrainingJobView['transitions'][number];

/** Where the report links to; the route builds them so the report knows no URL scheme. */
export interface JobReportLinks {
  self: string;
  events: string;
  model?: string;
  dataset: string;
  datasetReport: string;
}

/**
 * A training job as one HTML page: what it is and how it ended, the loss and accuracy
 * curves beside the learning-rate schedule and the recipe, the test evaluation (confusion
 * matrix, per-class metrics, calibration, mistakes) and its lifecycle. A job still running
 * shows what it has so far and says so.
 */
export function trainingJobReport(job: TrainingJobView, links: JobReportLinks): string {
  const finished = job.finishedAt !== null || TERMINAL_STATUSES.includes(job.status);
  return page({
    title: `Training job ${job.id}`,
    badge: html`<span class="status ${job.status}">${job.status}</span>`,
    lead: `Data set ${job.dataset}; created ${time(job.createdAt)}`,
    links: [
      { href: links.self, label: 'JSON resource' },
      { href: links.events, label: 'live events' },
      ...(links.model ? [{ href: links.model, label: `model ${job.modelId}` }] : []),
      { href: links.datasetReport, label: 'data set report' },
    ] satisfies Link[],
    notice: finished
      ? undefined
      : html`This job has not finished: it is <strong>${job.state}</strong>. The page shows what it has so far; reload it for more.`,
    sections: [
      { id: 'summary', heading: 'Summary', body: summary(job, links) },
      ...(finished ? [] : [{ id: 'progress', heading: 'Progress', body: progress(job) }]),
      { id: 'curves', heading: 'Training curves', body: curves(job) },
      { id: 'test', heading: 'Test evaluation', body: testSection(job, finished) },
      { id: 'lifecycle', heading: 'Lifecycle', body: lifecycle(job.transitions) },
    ] satisfies Section[],
  });
}

function facts(rows: readonly [string, Interpolation][]): SafeHtml {
  return html`<dl class="facts">${rows.map(([term, value]) => html`<dt>${term}</dt><dd>${value}</dd>`)}</dl>`;
}

function summary(job: TrainingJobView, links: JobReportLinks): SafeHtml {
  return facts([
    ['status', `${job.status} (state ${job.state})`],
    ['data set', html`<a href="${links.dataset}">${job.dataset}</a>`],
    ['model', links.model ? html`<a href="${links.model}">${job.modelId}</a>` : 'none (yet)'],
    ['backend', job.backend ?? '–'],
    ['attempts', job.attempts],
    ['created', time(job.createdAt)],
    ['started', time(job.startedAt)],
    ['finished', time(job.finishedAt)],
    ['epochs done', job.history.length],
    ['best val_acc', fixed(job.bestValAcc)],
    ['test accuracy', job.test ? percent(job.test.accuracy, 2) : '–'],
    ...(job.cancelRequestedAt
      ? [['cancel requested', time(job.cancelRequestedAt)] as [string, Interpolation]]
      : []),
    ...(job.error ? [['error', job.error] as [string, Interpolation]] : []),
  ]);
}

function progress(job: TrainingJobView): SafeHtml {
  const p = job.progress;
  if (!p) return html`<p class="empty">No progress reported yet: the job waits for a worker.</p>`;
  const of = (done?: number, total?: number) =>
    done === undefined ? '–' : total === undefined ? String(done) : `${done} of ${total}`;
  return facts([
    ['stage', p.stage],
    ['epoch', of(p.epoch, p.epochs)],
    ['batch', of(p.batch, p.batches)],
    ['batch loss', fixed(p.loss)],
    ['batch accuracy', fixed(p.acc)],
    ['images per second', p.imagesPerSecond === undefined ? '–' : Math.round(p.imagesPerSecond)],
  ]);
}

function curves(job: TrainingJobView): SafeHtml {
  const h = job.history;
  const rate = learningRateFigure(job);
  const empty = 'No epoch has finished yet.';
  const series = (
    train: (m: (typeof h)[number]) => number,
    val: (m: (typeof h)[number]) => number,
  ) => [
    { name: 'train', points: h.map((m) => ({ x: m.epoch, y: train(m) })) },
    { name: 'validation', points: h.map((m) => ({ x: m.epoch, y: val(m) })) },
  ];
  return html`<div class="figures">
${lineChart({
  title: 'Loss per epoch',
  xLabel: 'epoch',
  yLabel: 'loss',
  integerX: true,
  empty,
  series: series(
    (m) => m.loss,
    (m) => m.val_loss,
  ),
})}
${lineChart({
  title: 'Accuracy per epoch',
  xLabel: 'epoch',
  yLabel: 'accuracy',
  integerX: true,
  empty,
  series: series(
    (m) => m.acc,
    (m) => m.val_acc,
  ),
})}
${rate.chart}
</div>
${rate.recipe}
${table(
  h,
  [
    { header: 'epoch', cell: (m) => m.epoch, numeric: true },
    { header: 'loss', cell: (m) => fixed(m.loss), numeric: true },
    { header: 'acc', cell: (m) => fixed(m.acc), numeric: true },
    { header: 'val_loss', cell: (m) => fixed(m.val_loss), numeric: true },
    { header: 'val_acc', cell: (m) => fixed(m.val_acc), numeric: true },
    { header: 'seconds', cell: (m) => fixed(m.seconds, 1), numeric: true },
    { header: 'images/s', cell: (m) => Math.round(m.imagesPerSecond), numeric: true },
  ],
  { caption: 'Per-epoch metrics' },
)}`;
}

function testSection(job: TrainingJobView, finished: boolean): SafeHtml {
  const test = job.test;
  if (!test) {
    return html`<p class="empty">${
      finished
        ? `This job ended as ${job.status} without a test evaluation.`
        : 'The test set is evaluated after the last epoch.'
    }</p>`;
  }
  const names = test.perClass.map((c) => c.className ?? String(c.label));
  const className = (label: number) => names[label] ?? String(label);
  // Fields that workers before the calibration and mistake sampling did not record.
  const extra = test as Test & { calibrationError?: unknown; misclassified?: unknown };
  const calibration =
    typeof extra.calibrationError === 'number' ? extra.calibrationError : undefined;
  const mistakes = readMisclassified(extra.misclassified);
  return html`${facts([
    ['accuracy', `${percent(test.accuracy, 2)} of ${count(test.count)} test images`],
    ['macro F1', fixed(test.macro.f1)],
    ...(calibration === undefined
      ? []
      : [['calibration error (ECE)', fixed(calibration)] as [string, Interpolation]]),
  ])}
<div class="figures">
${heatmap({
  title: 'Confusion matrix (rows: true class, columns: predicted class; shade: share of the row)',
  rowLabels: names,
  colLabels: names,
  values: test.confusion,
  rowTitle: 'true class',
  colTitle: 'predicted class',
})}
</div>
<h3>Per-class metrics</h3>
${classTable(test)}
<h3>Misclassified test images</h3>
${
  mistakes && mistakes.length > 0
    ? misclassifiedGallery(mistakes, className)
    : html`<p class="empty">No misclassified images are recorded for this job.</p>`
}`;
}

function classTable(test: Test): SafeHtml {
  type Row = Pick<ClassRow, 'precision' | 'recall' | 'f1'> & { name: string; support?: number };
  const rows: Row[] = test.perClass.map((c) => ({ ...c, name: c.className ?? String(c.label) }));
  const macro: Row = { ...test.macro, name: 'macro average' };
  return table(
    rows,
    [
      { header: 'class', cell: (r) => r.name },
      { header: 'precision', cell: (r) => fixed(r.precision), numeric: true },
      { header: 'recall', cell: (r) => fixed(r.recall), numeric: true },
      { header: 'F1', cell: (r) => fixed(r.f1), numeric: true },
      { header: 'support', cell: (r) => (r.support === undefined ? '' : r.support), numeric: true },
    ],
    { footer: [macro] },
  );
}

function lifecycle(transitions: readonly Transition[]): SafeHtml {
  return table(
    transitions,
    [
      { header: 'state', cell: (t) => t.state },
      { header: 'at', cell: (t) => time(t.at) },
      { header: 'reason', cell: (t) => t.reason },
      { header: 'attempt', cell: (t) => t.attempt, numeric: true },
      { header: 'epoch', cell: (t) => t.epoch, numeric: true },
      { header: 'batch', cell: (t) => t.batch, numeric: true },
    ],
    { empty: 'No transitions are recorded.' },
  );
}
