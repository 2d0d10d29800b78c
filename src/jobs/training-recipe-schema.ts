import Type from 'typebox';
import { SCHEDULES, type ScheduleName } from '../ml/schedule.js';

/** How the learning rate moves over the run (ml/schedule.ts); `learningRate` is its peak. */
export const ScheduleSchema = Type.Object(
  {
    // Optional so that a request can change one field of its preset's schedule.
    type: Type.Optional(
      Type.Unsafe<ScheduleName>(
        Type.Union(
          SCHEDULES.map((name) => Type.Literal(name)),
          { default: 'constant' },
        ),
      ),
    ),
    warmupEpochs: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
    stepEpochs: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    stepFactor: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    minLearningRate: Type.Optional(Type.Number({ minimum: 0, maximum: 10 })),
  },
  { additionalProperties: false },
);

/** Training-time augmentation (ml/augment.ts); every part is off unless set. */
export const AugmentSchema = Type.Object(
  {
    translate: Type.Optional(Type.Integer({ minimum: 0, maximum: 8, default: 0 })),
    flip: Type.Optional(Type.Boolean({ default: false })),
    erase: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0 })),
  },
  { additionalProperties: false },
);

/** Early stopping on val_acc; the best epoch's weights are tested and registered. */
export const PatienceSchema = Type.Object(
  {
    patience: Type.Integer({ minimum: 1, maximum: 1000 }),
    minDelta: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);

/** A combination of training fields that each pass the schema but not together. */
export class RecipeError extends Error {}

/** Checks what the schema cannot: fields that only mean something with others. */
export function checkRecipe(training: {
  optimizer: string;
  momentum?: number;
  nesterov?: boolean;
  schedule?: { type?: ScheduleName; warmupEpochs?: number };
  epochs: number;
}): void {
  if (training.optimizer !== 'sgd' && (training.momentum !== undefined || training.nesterov)) {
    throw new RecipeError(
      `training.momentum and training.nesterov apply to optimizer sgd only, not ${training.optimizer}`,
    );
  }
  if (training.nesterov && !training.momentum) {
    throw new RecipeError('training.nesterov needs training.momentum above 0 (0.9 is usual)');
  }
  const warmup = training.schedule?.warmupEpochs ?? 0;
  if (warmup >= training.epochs) {
    throw new RecipeError(
      `training.schedule.warmupEpochs (${warmup}) must be below training.epochs (${training.epochs})`,
    );
  }
}
