import type { TrainingJobView } from '../jobs/job-view.js';
import { html, type SafeHtml } from './html.js';
import { learningRatePlan, type StepsSource } from './learning-rate-plan.js';
import { lineChart } from './line-chart.js';
import { recipeParts } from './recipe-summary.js';

export const LEARNING_RATE_TITLE = 'Learning rate per epoch';

/**
 * The learning rate over all the job's epochs, worked out from its options as the run does,
 * so a queued job already shows the course it will take; and the recipe in one line.
 */
export function learningRateFigure(job: TrainingJobView): { chart: SafeHtml; recipe: SafeHtml } {
  const plan = learningRatePlan(job);
  const chart = lineChart({
    title: LEARNING_RATE_TITLE,
    xLabel: 'epoch',
    yLabel: 'learning rate',
    integerX: true,
    // From zero: a flat line then reads as the rate it is, not as noise around it.
    yDomain: [0, Math.max(...plan.rates.filter(Number.isFinite), 0)],
    formatY: (v) => String(Number(v.toPrecision(3))),
    series: [{ name: 'learning rate', points: plan.rates.map((y, i) => ({ x: i + 1, y })) }],
  });
  const recipe = html`<p class="recipe"><strong>Recipe:</strong> ${recipeParts(job.training, plan).join('; ')}.</p>
<p class="note">The rate at the first step of each epoch, at ${plan.stepsPerEpoch} steps per epoch ${STEPS_FROM[plan.stepsFrom]}.</p>`;
  return { chart, recipe };
}

const STEPS_FROM: Record<StepsSource, string> = {
  progress: '(as the job reported)',
  trainSize: '(trainSize ÷ batchSize, rounded up)',
  assumed:
    '(assumed until the job starts and reports its own; warm-up and a one-cycle rise depend on it most)',
};
