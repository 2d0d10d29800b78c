import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../src/cli/option-table.js';
import { jobFromFlags, TRAINING_OPTIONS } from '../../src/cli/recipe-options.js';
import { PRESETS } from '../../src/jobs/presets.js';

// `tailor train`'s training flags become the job the API would queue for the same fields.

const job = (...argv: string[]) =>
  jobFromFlags(parseOptions(argv, TRAINING_OPTIONS).values, undefined);

describe('tailor train flags', () => {
  it('default to the notebook: no recipe field set', () => {
    expect(job().training).toEqual({ epochs: 1, batchSize: 50, optimizer: 'adam' });
  });

  it('start from a preset and override its fields one by one', () => {
    const { training, spec } = job('--preset', 'best', '--epochs', '4', '--erase', '0');
    expect(training).toEqual({
      ...PRESETS.best.training,
      epochs: 4,
      augment: { translate: 2, flip: true, erase: 0 },
    });
    expect(spec.dense.map((d) => d.dropout)).toEqual([0.3, 0.3, 0.3]);
  });

  it('take every recipe field', () => {
    const { training } = job(
      ...['--optimizer', 'sgd', '--momentum', '0.9', '--nesterov', '--schedule', 'step'],
      ...['--step-epochs', '3', '--step-factor', '0.5', '--warmup-epochs', '1'],
      ...['--label-smoothing', '0.1', '--clip-norm', '2', '--weight-decay', '0.001'],
      ...['--translate', '2', '--flip', '--patience', '3', '--min-delta', '0.01', '--epochs', '9'],
    );
    expect(training).toMatchObject({
      optimizer: 'sgd',
      momentum: 0.9,
      nesterov: true,
      schedule: { type: 'step', stepEpochs: 3, stepFactor: 0.5, warmupEpochs: 1 },
      labelSmoothing: 0.1,
      clipNorm: 2,
      weightDecay: 0.001,
      augment: { translate: 2, flip: true },
      earlyStopping: { patience: 3, minDelta: 0.01 },
    });
  });

  it("change one field of the preset's schedule", () => {
    const { training } = job('--preset', 'best', '--warmup-epochs', '1');
    expect(training.schedule).toEqual({ type: 'cosine', warmupEpochs: 1 });
    expect(job('--warmup-epochs', '0.5', '--epochs', '2').training.schedule).toEqual({
      type: 'constant',
      warmupEpochs: 0.5,
    });
  });

  it.each([
    [['--min-delta', '0.1'], /^--patience: /],
    [['--label-smoothing', '0.8'], /^--label-smoothing: /],
    [
      ['--schedule', 'linear'],
      /^--schedule must be one of constant, step, cosine, one-cycle; got 'linear'/,
    ],
    [['--translate', 'two'], /^--translate must be a number, got 'two'/],
    [['--preset', 'fast'], /^--preset must be one of notebook, best; got 'fast'/],
    [['--momentum', '0.9'], /apply to optimizer sgd only, not adam/],
  ])('refuse %j with a message naming the flag', (argv, message) => {
    expect(() => job(...argv)).toThrow(message);
  });
});
