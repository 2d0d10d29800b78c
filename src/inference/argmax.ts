/**
 * Index of the largest value, the first one on a tie. The pool labels predictions with it and
 * the worker explains the same label with it, so the two always agree.
 */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) {
    if ((values[i] as number) > (values[best] as number)) best = i;
  }
  return best;
}
