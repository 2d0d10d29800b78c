/**
 * How the backends say a tensor could not be allocated, as they were seen to say it:
 * - tfjs on any backend, for a JS buffer: RangeError "Array buffer allocation failed", or
 *   "Invalid typed array length: N" for a tensor of more than 2^32 values;
 * - native TensorFlow: "Invalid TF_Status: 8 ... OOM when allocating tensor with shape[...]"
 *   (status 8 is RESOURCE_EXHAUSTED);
 * - WebAssembly: "Out of memory: Cannot allocate Wasm memory", "Maximum memory size
 *   exceeded" when its memory cannot grow, "Cannot enlarge memory arrays", "Aborted(OOM)".
 */
const OUT_OF_MEMORY = [
  /Array buffer allocation failed/,
  /Invalid typed array length/,
  /Invalid array length/,
  /OOM when allocating/,
  /RESOURCE_EXHAUSTED/,
  /Out of memory/i,
  /Maximum memory size exceeded/,
  /Cannot enlarge memory/,
  /Aborted\(OOM\)/,
];

/** Whether an error is a failed allocation: the same job on the same worker fails the same way. */
export function isOutOfMemory(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return OUT_OF_MEMORY.some((pattern) => pattern.test(message));
}

/** The reason a job that ran out of memory ends with, for its record and its caller. */
export function outOfMemoryReason(err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err)).split('\n').join(' ');
  return (
    `out of memory: the model or its batch does not fit in this worker's memory (${message.slice(0, 200)}); ` +
    'another attempt would fail the same way: use a smaller batchSize, fewer channels or neurons, ' +
    'or lower TAILOR_MAX_ACTIVATION_MB / TAILOR_MAX_MODEL_PARAMS so such jobs are refused when submitted'
  );
}
