import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/inference/errors.js';
import { DecoderBusyError, ImageDecoder } from '../../src/inference/image-decoder.js';
import { toModelInput, toModelInputs } from '../../src/inference/model-input.js';
import { GIF_BYTES } from './support/crafted-bytes.js';
import { encodeJpeg, encodePng, imageAt, loadTestImages } from './support/fashion-images.js';
import { blackPng, manyScanJpeg } from './support/hostile-images.js';

const FULL = 4096 * 4096;
const pathOf = (i: number) => `files[${i}]`;
const decoders: ImageDecoder[] = [];
const decoderWith = (options: ConstructorParameters<typeof ImageDecoder>[0]) => {
  const decoder = new ImageDecoder(options);
  decoders.push(decoder);
  return decoder;
};

afterEach(async () => {
  await Promise.all(decoders.splice(0).map((decoder) => decoder.close()));
});

let png: Buffer;
let jpeg: Buffer;
beforeAll(async () => {
  const garment = imageAt(await loadTestImages(), 0);
  png = encodePng(garment, 28, 28);
  jpeg = encodeJpeg(garment, 28, 28);
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('the image decoder', () => {
  it('gives what decoding on the calling thread gives, in order, errors located alike', async () => {
    const decoder = decoderWith({});
    const images = [png, jpeg, blackPng(300, 40)];
    for (const invert of ['auto', true, false] as const) {
      const inThreads = await decoder.toModelInputs(images, { invert }, pathOf);
      expect(inThreads).toEqual(toModelInputs(images, { invert }, pathOf));
    }
    const corrupt = Buffer.concat([png.subarray(0, 40), png.subarray(60)]);
    const error = await rejection(decoder.toModelInputs([png, corrupt], {}, pathOf));
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'IMAGE_CORRUPT', path: 'files[1]' });
    // Refused from its header on this thread: never queued.
    const gif = await rejection(decoder.toModelInputs([GIF_BYTES], {}, pathOf));
    expect(gif).toMatchObject({ code: 'IMAGE_NOT_SUPPORTED', path: 'files[0]' });
    expect(await decoder.toModelInputs([], {}, pathOf)).toEqual([]);
  });

  it('ends a decode that exceeds the time budget, answering 413 naming it, and keeps working', async () => {
    // 100 scans, the most accepted, over a 4096x4096 image: a second or more of jpeg-js.
    const slow = manyScanJpeg(4096, 4096, 99);
    const started = performance.now();
    toModelInput(slow);
    const fullDecode = performance.now() - started;

    const decoder = decoderWith({ workers: 1, timeoutMs: 100 });
    await decoder.toModelInputs([png], {}, pathOf); // the thread is up
    const cutAt = performance.now();
    const error = await rejection(decoder.toModelInputs([png, slow], {}, pathOf));
    const elapsed = performance.now() - cutAt;
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'IMAGE_TOO_COMPLEX', path: 'files[1]' });
    expect(error.message).toBe(
      'files[1]: decoding took longer than the budget of 100 ms per image; send a smaller or simpler PNG or JPEG (the model sees 28x28)',
    );
    expect(elapsed).toBeLessThan(fullDecode);
    // The ended thread was replaced.
    expect(await decoder.toModelInputs([jpeg], {}, pathOf)).toEqual(
      toModelInputs([jpeg], {}, pathOf),
    );
  });

  it('refuses a request while the pixels waiting would exceed the queue bound', async () => {
    const decoder = decoderWith({ workers: 1, maxQueuedPixels: FULL });
    const large = blackPng(4096, 4096);
    // Over the bound alone, but nothing waits: admitted. The 28x28 PNG counts as 64x64.
    const first = decoder.toModelInputs([large, png], {}, pathOf);
    const busy = await rejection(decoder.toModelInputs([png], {}, pathOf));
    expect(busy).toBeInstanceOf(DecoderBusyError);
    expect(busy.message).toBe(
      'image decoding is at capacity (16,781,312 pixels waiting, limit 16,777,216); retry in 2 s',
    );
    expect((busy as DecoderBusyError).retryAfterSeconds).toBe(2);
    expect(await first).toHaveLength(2);
    expect(await decoder.toModelInputs([png], {}, pathOf)).toHaveLength(1);
  });

  it('drops the waiting images of a request once one of them failed', async () => {
    const decoder = decoderWith({ workers: 1, maxQueuedPixels: FULL });
    const large = blackPng(4096, 4096);
    const corrupt = Buffer.concat([png.subarray(0, 40), png.subarray(60)]);
    const failed = await rejection(decoder.toModelInputs([corrupt, large, large], {}, pathOf));
    expect(failed).toMatchObject({ code: 'IMAGE_CORRUPT', path: 'files[0]' });
    // Nothing of that request is left waiting, so the next one is taken, not refused as busy.
    expect(await decoder.toModelInputs([png], {}, pathOf)).toHaveLength(1);
  });

  it('refuses what still waits when closed', async () => {
    const decoder = decoderWith({ workers: 1 });
    const waiting = rejection(decoder.toModelInputs([blackPng(4096, 4096)], {}, pathOf));
    await decoder.close();
    expect((await waiting).message).toMatch(/closed/);
    expect((await rejection(decoder.toModelInputs([png], {}, pathOf))).message).toMatch(/closed/);
  });
});
