import type { OptimizerName } from './optimizer.js';

/**
 * The seed notebook's training settings (`model.fit(..., epochs=1, batch_size=50)` after
 * `compile(optimizer='adam')`): the defaults of the API's schema, the CLI and tuning trials.
 */
export const TRAINING_DEFAULTS: {
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerName;
} = { epochs: 1, batchSize: 50, optimizer: 'adam' };
