import { join } from 'node:path';
import { readConfig } from '../config.js';
import type { DataSource } from '../data/data-source.js';
import { runRecipeOf } from '../jobs/training-recipe.js';
import {
  BACKENDS,
  type BackendChoice,
  TRAINING_STEPS,
  type TrainingStepChoice,
} from '../ml/backend.js';
import type { BatchProgress } from '../ml/train.js';
import { fileCheckpoints } from '../store/checkpoints.js';
import { runTraining } from '../training/run.js';
import {
  choiceOption,
  formatOptions,
  integerOption,
  type OptionDoc,
  parseOptions,
  UsageError,
} from './option-table.js';
import { createProgressReporter } from './progress-bar.js';
import { jobFromFlags, TRAINING_OPTIONS } from './recipe-options.js';
import { readSpecFile } from './spec-file.js';
import { printEpoch, printTrainingResult } from './train-report.js';

const OPTIONS: OptionDoc[] = [
  ...TRAINING_OPTIONS,
  {
    name: 'spec',
    type: 'string',
    value: 'FILE',
    help: "Model spec JSON (default: the preset's, the seed notebook's CNN).",
  },
  {
    name: 'data-dir',
    type: 'string',
    value: 'DIR',
    help: 'Where Fashion-MNIST is looked for and downloaded to (env TAILOR_DATA_DIR, default ./data).',
  },
  {
    name: 'no-download',
    type: 'boolean',
    help: 'Fail instead of downloading Fashion-MNIST when it is not found.',
  },
  {
    name: 'train-images',
    type: 'string',
    value: 'FILE',
    help: 'Train on IDX files instead (with --train-labels, --test-images, --test-labels).',
  },
  { name: 'train-labels', type: 'string', value: 'FILE', help: 'IDX labels for --train-images.' },
  { name: 'test-images', type: 'string', value: 'FILE', help: 'IDX images used for validation.' },
  { name: 'test-labels', type: 'string', value: 'FILE', help: 'IDX labels for --test-images.' },
  {
    name: 'train-csv',
    type: 'string',
    value: 'FILE',
    help: 'Train on Kaggle-format CSV files instead (with --test-csv).',
  },
  { name: 'test-csv', type: 'string', value: 'FILE', help: 'CSV used for validation.' },
  {
    name: 'backend',
    type: 'string',
    value: 'NAME',
    help: `auto | ${BACKENDS.join(' | ')} (env TAILOR_BACKEND, default auto: the fastest that loads).`,
  },
  {
    name: 'step',
    type: 'string',
    value: 'MODE',
    help: 'auto | compiled | eager: on native TensorFlow, run each training step as one graph (env TAILOR_TRAINING_STEP, default auto: compiled where it builds).',
  },
  {
    name: 'workers',
    type: 'string',
    value: 'N',
    help: 'Data-parallel replicas (default: one per core, at most 2, on wasm; 1 otherwise).',
  },
  {
    name: 'checkpoint-dir',
    type: 'string',
    value: 'DIR',
    help: 'Where checkpoints go (default ./checkpoints/<date-time>).',
  },
  {
    name: 'resume',
    type: 'boolean',
    help: 'Continue from the newest epoch checkpoint in --checkpoint-dir.',
  },
  { name: 'json', type: 'boolean', help: 'Print the result as one JSON object on stdout.' },
  { name: 'help', type: 'boolean', help: 'Show this help.' },
];

export const TRAIN_HELP = `Usage: tailor train [options]

Trains a CNN (the seed notebook's by default) on Fashion-MNIST or on given IDX/CSV
files, split as the notebook does: the source's test files validate, and a balanced
test set is held out from its training files. Prints per-epoch metrics, best_val_acc,
the test accuracy and where the checkpoints went. Stop with Ctrl-C: the last finished
epoch stays resumable with --resume.

Options:
${formatOptions(OPTIONS)}`;

export async function trainCommand(
  argv: string[],
  out: NodeJS.WriteStream,
  err: NodeJS.WriteStream,
  signal?: AbortSignal,
): Promise<number> {
  const { values } = parseOptions(argv, OPTIONS);
  if (values.help) {
    out.write(`${TRAIN_HELP}\n`);
    return 0;
  }
  const env = readConfig();
  const job = jobFromFlags(
    values,
    values.spec ? await readSpecFile(values.spec as string) : undefined,
  );
  const { batchSize } = job.training;
  const checkpointDir =
    (values['checkpoint-dir'] as string | undefined) ??
    join(env.checkpointDir, new Date().toISOString().replace(/[:.]/g, '-'));
  if (values.resume && !values['checkpoint-dir']) {
    throw new UsageError('--resume needs --checkpoint-dir (the run to continue)');
  }
  const json = Boolean(values.json);
  let progress: ((p: BatchProgress) => void) | undefined;
  const report = json ? err : out;
  const result = await runTraining({
    source: dataSource(values, env.dataDir),
    spec: job.spec,
    ...job.training,
    ...runRecipeOf(job.training),
    backend: choiceOption<BackendChoice>(values, 'backend', ['auto', ...BACKENDS], env.backend),
    workers: integerOption(values, 'workers'),
    step: choiceOption<TrainingStepChoice>(values, 'step', TRAINING_STEPS, env.trainingStep),
    threads: env.trainingThreads,
    // The command line keeps its runs on local disk, whatever TAILOR_STORAGE_URL says.
    checkpoints: fileCheckpoints(checkpointDir),
    resume: Boolean(values.resume),
    signal,
    onData: (data) => {
      report.write(`Data: ${data.origin}\n`);
      report.write(
        `Train on ${data.train.count} samples, validate on ${data.val.count} samples, ` +
          `test on ${data.test.count} samples\n`,
      );
      progress = createProgressReporter(err, data.train.count, batchSize);
    },
    onEngine: (engine) => {
      const skipped = engine.skipped.length ? `; skipped ${engine.skipped.join(', ')}` : '';
      report.write(
        `Backend: ${engine.backend} x${engine.replicas} replica(s), ${engine.step} step${skipped}\n`,
      );
    },
    onBatch: (p) => {
      if (p.batch === 1) report.write(`Epoch ${p.epoch}/${p.epochs}\n`);
      progress?.(p);
    },
    onEpoch: (m) => printEpoch(report, m, batchSize),
  });
  printTrainingResult(report, result, checkpointDir);
  if (json) out.write(`${JSON.stringify(result)}\n`);
  return result.status === 'completed' ? 0 : 130;
}

function dataSource(values: Record<string, unknown>, dataDir: string): DataSource {
  const idx = ['train-images', 'train-labels', 'test-images', 'test-labels'] as const;
  const given = idx.filter((name) => values[name] !== undefined);
  if (given.length > 0) {
    const missing = idx.filter((name) => values[name] === undefined);
    if (missing.length > 0)
      throw new UsageError(`IDX training also needs --${missing.join(', --')}`);
    return {
      kind: 'idx',
      trainImages: values['train-images'] as string,
      trainLabels: values['train-labels'] as string,
      testImages: values['test-images'] as string,
      testLabels: values['test-labels'] as string,
    };
  }
  if (values['train-csv'] !== undefined || values['test-csv'] !== undefined) {
    if (!values['train-csv'] || !values['test-csv']) {
      throw new UsageError('CSV training needs both --train-csv and --test-csv');
    }
    return {
      kind: 'csv',
      train: values['train-csv'] as string,
      test: values['test-csv'] as string,
    };
  }
  return {
    kind: 'fashion-mnist',
    dataDir: (values['data-dir'] as string | undefined) ?? dataDir,
    download: !values['no-download'],
  };
}
