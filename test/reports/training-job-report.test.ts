import { describe, expect, it } from 'vitest';
import { trainingJobReport } from '../../src/reports/training-job-report.js';
import { lineChartSeries } from './chart-values.js';
import { completedJob, HOSTILE, LINKS } from './job-fixture.js';

const count = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].length;

describe('trainingJobReport', () => {
  it('escapes hostile class names, reasons, errors and data set names', () => {
    const page = trainingJobReport(
      completedJob({ status: 'failed', state: 'failed', error: HOSTILE.error }),
      LINKS,
    );
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<img src=x/i);
    expect(page).not.toContain('<b>x</b>');
    expect(page).toContain('&lt;script&gt;alert(&quot;class&quot;)&lt;/script&gt;');
    expect(page).toContain('&quot;&gt;&lt;img src=x onerror=&quot;globalThis.pwned=1&quot;&gt;');
    expect(page).toContain('&lt;/td&gt;&lt;script&gt;alert(&quot;error&quot;)&lt;/script&gt;');
  });

  it('is a whole document with a colour scheme, the title and links back to the JSON', () => {
    const page = trainingJobReport(completedJob(), LINKS);
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain('<meta name="color-scheme" content="light dark">');
    expect(page).toContain('<title>Training job 42</title>');
    expect(page).toContain('<a href="/v1/training-jobs/42">JSON resource</a>');
    expect(page).toContain('<a href="/v1/models/42">model 42</a>');
    expect(page).not.toMatch(/<script|<link rel="stylesheet"|src="http/);
  });

  it('draws two curves per chart, the 10x10 matrix, a row per class and the macro row', () => {
    const page = trainingJobReport(completedJob(), LINKS);
    // Loss and accuracy, two curves each, and the learning rate: one point per epoch on each.
    expect(count(page, /<figure class="chart line-chart"/g)).toBe(3);
    expect(count(page, /<g class="series"/g)).toBe(5);
    expect(count(page, /<circle class="point"/g)).toBe(15);
    expect(count(page, /<g class="cell/g)).toBe(100);
    expect(page).toMatch(/<tfoot><tr><td>macro average<\/td>/);
    expect(page).toContain('<dt>calibration error (ECE)</dt><dd>0.0425</dd>');
  });

  it('shows well-formed mistakes with their images and drops malformed ones', () => {
    const page = trainingJobReport(completedJob(), LINKS);
    expect(count(page, /<figure class="sample"/g)).toBe(3);
    expect(count(page, /<img class="pixels" src="data:image\/png;base64,/g)).toBe(2);
    expect(page).toContain('image unavailable (3 bytes)');
  });

  it('says no mistakes are recorded when the evaluation holds none', () => {
    const job = completedJob();
    const test = { ...job.test, misclassified: undefined, calibrationError: undefined };
    const page = trainingJobReport({ ...job, test } as unknown as typeof job, LINKS);
    expect(page).toContain('No misclassified images are recorded for this job.');
    expect(page).not.toContain('calibration error');
  });

  it('says an unfinished job is not finished and shows its progress and partial history', () => {
    const job = completedJob();
    const page = trainingJobReport(
      {
        ...job,
        status: 'active',
        state: 'training',
        finishedAt: null,
        test: null,
        modelId: null,
        history: job.history.slice(0, 1),
        progress: { stage: 'training', epoch: 2, epochs: 5, batch: 7, batches: 20, history: [] },
      },
      { ...LINKS, model: undefined },
    );
    expect(page).toContain('This job has not finished: it is <strong>training</strong>.');
    expect(page).toContain('<dt>epoch</dt><dd>2 of 5</dd>');
    expect(page).toContain('<dt>batch</dt><dd>7 of 20</dd>');
    // One epoch: one point on each of the two curves of both charts.
    expect(lineChartSeries(page, 'Loss per epoch').train?.xs).toEqual([1]);
    expect(lineChartSeries(page, 'Accuracy per epoch').validation?.xs).toEqual([1]);
    // The learning rate is planned for all 5 epochs, at the 20 steps an epoch it reported.
    expect(lineChartSeries(page, 'Learning rate per epoch')['learning rate']?.xs).toEqual([
      1, 2, 3, 4, 5,
    ]);
    expect(page).toContain('at 20 steps per epoch (as the job reported)');
    expect(page).toContain('The test set is evaluated after the last epoch.');
  });

  it('plans a warm-up at the steps per epoch the running job reported', () => {
    const job = completedJob({
      training: {
        epochs: 4,
        batchSize: 50,
        optimizer: 'adam',
        learningRate: 0.01,
        schedule: { type: 'constant', warmupEpochs: 2 },
      },
      progress: { stage: 'training', epoch: 1, epochs: 4, batch: 3, batches: 8, history: [] },
    });
    const rate = lineChartSeries(trainingJobReport(job, LINKS), 'Learning rate per epoch');
    // Warm-up spans 2 x 8 = 16 steps: epoch 1 starts at step 0 (1/16 of the rate), epoch 2
    // at step 8 (9/16), and epochs 3 and 4 run at the full rate.
    const expected = [0.01 / 16, (0.01 * 9) / 16, 0.01, 0.01];
    expect(rate['learning rate']?.ys).toEqual(expected.map((v) => expect.closeTo(v, 15)));
  });

  it('says a job that ended without an evaluation did so', () => {
    const page = trainingJobReport(
      { ...completedJob(), status: 'cancelled', state: 'cancelled', test: null },
      LINKS,
    );
    expect(page).not.toContain('has not finished');
    expect(page).toContain('This job ended as cancelled without a test evaluation.');
  });
});
