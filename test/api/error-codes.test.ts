import { describe, expect, it } from 'vitest';
import { answerOfCode, carriesAnswer, ERROR_CODES } from '../../src/api/error-codes.js';
import { toErrorResponse } from '../../src/api/error-response.js';
import { ExplorationError } from '../../src/exploration/errors.js';
import { InputError } from '../../src/inference/errors.js';
import { JobsError } from '../../src/jobs/training-jobs.js';
import { StoreError } from '../../src/store/store-errors.js';

/** Errors below the API carry codes; one table in src/api gives their HTTP status. */
describe('the code table', () => {
  it.each([
    [new InputError('IMAGE_NOT_SUPPORTED', 'x'), 415, 'IMAGE_NOT_SUPPORTED'],
    [new InputError('IMAGE_TOO_LARGE', 'x'), 413, 'IMAGE_TOO_LARGE'],
    [new InputError('PIXEL_OUT_OF_RANGE', 'x'), 400, 'PIXEL_OUT_OF_RANGE'],
    [new JobsError('JOB_NOT_FOUND', 'no job 7'), 404, 'NOT_FOUND'],
    [new JobsError('QUEUE_UNAVAILABLE', 'down'), 503, 'QUEUE_UNAVAILABLE'],
    [new JobsError('JOB_FINISHED', 'over'), 409, 'JOB_FINISHED'],
    [new ExplorationError('IMAGE_NOT_FOUND', 'no image 9'), 404, 'NOT_FOUND'],
    [new ExplorationError('PICTURE_TOO_LARGE', 'too big'), 400, 'PICTURE_TOO_LARGE'],
    [new StoreError('NOT_FOUND', 'no model'), 404, 'NOT_FOUND'],
    [new StoreError('CONFLICT', 'taken'), 409, 'CONFLICT'],
  ])('%s answers %i %s', (error, statusCode, code) => {
    expect(toErrorResponse(error)).toMatchObject({ statusCode, code, message: error.message });
  });

  it('answers a failed integrity check as MODEL_INTEGRITY without the store’s paths', () => {
    const answer = toErrorResponse(new StoreError('INTEGRITY', 'models/7/weights.bin: sha256 …'));
    expect(answer).toMatchObject({ statusCode: 500, code: 'MODEL_INTEGRITY' });
    expect(answer.message).not.toMatch(/weights|sha256/);
  });

  it('lists every code it answers in the document’s enum, and none twice', () => {
    for (const code of ['QUEUE_UNAVAILABLE', 'INVALID_CURSOR', 'PICTURE_TOO_LARGE']) {
      expect(ERROR_CODES).toContain(code);
    }
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    // Renamed codes are never answered, so the document does not list them.
    for (const code of ['JOB_NOT_FOUND', 'IMAGE_NOT_FOUND', 'INTEGRITY']) {
      expect(ERROR_CODES).not.toContain(code);
    }
  });

  it('does not answer codes it does not know, nor inherited keys', () => {
    for (const code of ['ENOENT', 'toString', '__proto__', 'constructor']) {
      expect(answerOfCode(code)).toBeUndefined();
    }
    expect(carriesAnswer(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(false);
    expect(carriesAnswer(new InputError('IMAGE_CORRUPT', 'x'))).toBe(true);
  });
});
