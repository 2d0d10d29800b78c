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
  const top = Math.max(...plan.rates.filter(Number.isFinite), 0);
  // Ticks in a unit of the top rate's power of ten (0.5, 1, 1.5 ×10⁻³): labels such as
  // 0.0015 would run into the axis name.
  const exponent = top > 0 ? Math.min(0, Math.floor(Math.log10(top))) : 0;
  const chart = lineChart({
    title: LEARNING_RATE_TITLE,
    xLabel: 'epoch',
    yLabel: exponent === 0 ? 'learning rate' : `learning rate (×10${superscript(exponent)})`,
    integerX: true,
    // From zero: a flat line then reads as the rate it is, not as noise around it.
    yDomain: [0, top],
    formatY: significant,
    formatTick: (v) => significant(v / 10 ** exponent),
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

/** Three significant digits, without trailing zeros: 0.00128, 0.002, 1.5. */
function significant(value: number): string {
  return String(Number(value.toPrecision(3)));
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';

function superscript(n: number): string {
  return `${n < 0 ? '⁻' : ''}${[...String(Math.abs(n))].map((d) => SUPERSCRIPT[Number(d)]).join('')}`;
}
