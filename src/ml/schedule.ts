/**
 * Learning-rate schedules: the rate of every optimizer step as a pure function of the step's
 * index, so a run resumed at any batch continues the schedule exactly where it stopped.
 */
export const SCHEDULES = ['constant', 'step', 'cosine', 'one-cycle'] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

export interface Schedule {
  /** Absent: constant (after any warm-up). */
  readonly type?: ScheduleName;
  /**
   * Epochs (fractions allowed) over which the rate climbs linearly from near zero to its
   * peak. For one-cycle this is the rising phase, 30% of the run unless given.
   */
  readonly warmupEpochs?: number;
  /** step: the rate is multiplied by `stepFactor` every `stepEpochs` epochs. */
  readonly stepEpochs?: number;
  readonly stepFactor?: number;
  /** cosine and one-cycle: the rate the run ends at (default 0). */
  readonly minLearningRate?: number;
}

export const CONSTANT: Schedule = { type: 'constant' };
export const STEP_DEFAULTS = { stepEpochs: 10, stepFactor: 0.1 } as const;
/** One-cycle starts at peak/25, as Smith's policy and its common implementations do. */
const ONE_CYCLE_START = 1 / 25;
const ONE_CYCLE_RISE = 0.3;

export interface ScheduleClock {
  /** 0-based index of the optimizer step over the whole run. */
  step: number;
  stepsPerEpoch: number;
  epochs: number;
}

/** The learning rate of one step, for a peak (base) rate `peak`. */
export function learningRateAt(peak: number, schedule: Schedule, clock: ScheduleClock): number {
  const total = Math.max(1, clock.stepsPerEpoch * clock.epochs);
  const step = Math.min(clock.step, total - 1);
  const end = schedule.minLearningRate ?? 0;
  if (schedule.type === 'one-cycle') {
    const rise = Math.max(
      1,
      Math.round((schedule.warmupEpochs ?? clock.epochs * ONE_CYCLE_RISE) * clock.stepsPerEpoch),
    );
    const start = peak * ONE_CYCLE_START;
    if (step < rise) return start + (peak - start) * (step / rise);
    return cosine(peak, end, step - rise, total - rise);
  }
  const warmup = Math.round((schedule.warmupEpochs ?? 0) * clock.stepsPerEpoch);
  if (step < warmup) return (peak * (step + 1)) / warmup;
  switch (schedule.type ?? 'constant') {
    case 'constant':
      return peak;
    case 'step': {
      const every = schedule.stepEpochs ?? STEP_DEFAULTS.stepEpochs;
      const factor = schedule.stepFactor ?? STEP_DEFAULTS.stepFactor;
      return peak * factor ** Math.floor(Math.floor(step / clock.stepsPerEpoch) / every);
    }
    case 'cosine':
      return cosine(peak, end, step - warmup, total - warmup);
  }
}

/** Half a cosine from `from` at t = 0 down to `to` at t = span. */
function cosine(from: number, to: number, t: number, span: number): number {
  const progress = span <= 1 ? 1 : t / (span - 1);
  return to + ((from - to) * (1 + Math.cos(Math.PI * progress))) / 2;
}

/** The rate at each epoch's first step: what a report plots. */
export function epochRates(
  peak: number,
  schedule: Schedule,
  stepsPerEpoch: number,
  epochs: number,
): number[] {
  return Array.from({ length: epochs }, (_, e) =>
    learningRateAt(peak, schedule, { step: e * stepsPerEpoch, stepsPerEpoch, epochs }),
  );
}
