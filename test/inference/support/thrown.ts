import { InputError } from '../../../src/inference/errors.js';

/** The InputError an action throws (anything else, or nothing, fails the test). */
export function thrown(action: () => unknown): InputError {
  try {
    action();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}
