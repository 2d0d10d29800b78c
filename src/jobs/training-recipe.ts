import { NO_AUGMENT } from '../ml/augment.js';
import type { Schedule } from '../ml/schedule.js';
import type { StepRecipe } from '../ml/step-recipe.js';
import type { Patience } from '../ml/train.js';
import type { TrainingOptions } from './training-job.js';

/** What a run needs of a job's training options beyond epochs, batches and optimizer. */
export interface RunRecipe {
  recipe: StepRecipe;
  schedule?: Schedule;
  earlyStopping?: Patience;
}

export function runRecipeOf(training: Partial<TrainingOptions>): RunRecipe {
  const { augment, schedule, earlyStopping } = training;
  return {
    recipe: {
      ...(augment ? { augment: { ...NO_AUGMENT, ...augment } } : {}),
      labelSmoothing: training.labelSmoothing,
      clipNorm: training.clipNorm,
      weightDecay: training.weightDecay,
      momentum: training.momentum,
      nesterov: training.nesterov,
    },
    ...(schedule ? { schedule } : {}),
    ...(earlyStopping ? { earlyStopping } : {}),
  };
}
