import type { TrialView, TuningJobView } from '../tuning/tuning-view.js';
import { fixed, percent, time } from './format.js';
import { html, type SafeHtml } from './html.js';
import { lineChart } from './line-chart.js';
import { type Link, page } from './page.js';
import { table } from './table.js';

export interface TuningReportLinks {
  self: string;
  model?: string;
  /** A trial's training job report. */
  trialReport: (jobId: string) => string;
}

/**
 * A tuning job as one HTML page: the best trial, every trial's val_acc curve on one chart
 * (weak trials' curves end where they were stopped), and the trials compared in a table
 * with their parameters, how each ended and why.
 */
export function tuningJobReport(job: TuningJobView, links: TuningReportLinks): string {
  const finished = job.status === 'completed' || job.status === 'failed';
  return page({
    title: `Tuning job ${job.id}`,
    badge: html`<span class="status ${job.status}">${job.status}</span>`,
    lead: `${job.search} search over ${Object.keys(job.space).join(', ')} on ${job.dataset}; created ${time(job.createdAt)}`,
    links: [
      { href: links.self, label: 'JSON resource' },
      ...(links.model ? [{ href: links.model, label: `model ${job.modelId}` }] : []),
    ] satisfies Link[],
    notice: finished
      ? undefined
      : html`This tuning job has not finished: ${job.trials.length} trials, ${job.counts.completed ?? 0} completed so far. Reload for more.`,
    sections: [
      { id: 'best', heading: 'Best trial', body: best(job, links) },
      { id: 'curves', heading: 'Trials compared', body: curves(job.trials) },
      { id: 'trials', heading: 'Trials', body: trials(job, links) },
    ],
  });
}

function best(job: TuningJobView, links: TuningReportLinks): SafeHtml {
  if (!job.best) return html`<p class="empty">No trial has run all its epochs yet.</p>`;
  const b = job.best;
  return html`<dl class="facts">
<dt>trial</dt><dd><a href="${links.trialReport(b.jobId)}">${b.trial}</a></dd>
<dt>parameters</dt><dd>${params(b.params)}</dd>
<dt>best val_acc</dt><dd>${fixed(b.bestValAcc)}</dd>
<dt>test accuracy</dt><dd>${percent(b.testAccuracy, 2)}</dd>
<dt>model</dt><dd>${links.model ? html`<a href="${links.model}">${job.modelId}</a>` : 'not registered yet'}</dd>
<dt>alias</dt><dd>${job.promoted ?? job.promote ?? '–'}</dd>
<dt>early stopping</dt><dd>${job.earlyStopping.rule} (from epoch ${job.earlyStopping.minEpochs})</dd>
</dl>`;
}

function curves(all: readonly TrialView[]): SafeHtml {
  return lineChart({
    title: 'val_acc per epoch, one line per trial',
    xLabel: 'epoch',
    yLabel: 'val_acc',
    integerX: true,
    yDomain: [0, 1],
    series: all.map((t) => ({
      name: `trial ${t.trial}`,
      points: t.history.map((h) => ({ x: h.epoch, y: h.val_acc })),
    })),
    empty: 'No trial has finished an epoch yet.',
  });
}

function trials(job: TuningJobView, links: TuningReportLinks): SafeHtml {
  return table(job.trials, [
    {
      header: 'trial',
      cell: (t) => html`<a href="${links.trialReport(t.jobId)}">${t.trial}</a>`,
      numeric: true,
    },
    { header: 'parameters', cell: (t) => params(t.params) },
    { header: 'status', cell: (t) => html`<span class="status ${t.status}">${t.status}</span>` },
    { header: 'epochs', cell: (t) => t.epochs, numeric: true },
    { header: 'best val_acc', cell: (t) => fixed(t.bestValAcc), numeric: true },
    { header: 'test acc', cell: (t) => percent(t.testAccuracy, 2), numeric: true },
    { header: 'why it ended', cell: (t) => t.reason ?? '' },
  ]);
}

function params(p: Record<string, number | string | boolean | undefined>): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}
