import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/inference/errors.js';
import { parseInputTensor } from '../../src/inference/tensor-input.js';
import { readTfServingBody } from '../../src/inference/tf-serving-request.js';

const tensor = (data: unknown, shape: unknown) => ({
  name: 'images',
  datatype: 'FP32',
  shape,
  data,
});
const bytes = Array.from({ length: 784 }, (_, i) => i % 256);
const unit = bytes.map((v) => v / 255);

describe('parseInputTensor', () => {
  it('scales each image by its own range, as tailor instances are scaled', () => {
    const [a, b] = parseInputTensor(tensor([...bytes, ...unit], [2, 784]), 'inputs[0]');
    expect(a).toHaveLength(784);
    // [0, 255] image divided by 255; the [0, 1] one kept: both end equal.
    expect(Array.from(a as Float32Array)).toEqual(Array.from(Float32Array.from(unit)));
    expect(Array.from(b as Float32Array)).toEqual(Array.from(Float32Array.from(unit)));
  });

  it('reads nested [N, 28, 28, 1] data in row-major order', () => {
    const nested = [
      Array.from({ length: 28 }, (_, r) => bytes.slice(r * 28, (r + 1) * 28).map((v) => [v])),
    ];
    const [flat] = parseInputTensor(tensor(bytes, [1, 28, 28, 1]), 'in');
    const [fromNested] = parseInputTensor(tensor(nested, [1, 28, 28, 1]), 'in');
    expect(Array.from(fromNested as Float32Array)).toEqual(Array.from(flat as Float32Array));
  });

  it('locates a ragged nested level', () => {
    const nested = [
      Array.from({ length: 28 }, (_, r) => (r === 5 ? [[1]] : new Array(28).fill([0]))),
    ];
    const error = (() => {
      try {
        parseInputTensor(tensor(nested, [1, 28, 28, 1]), 'inputs[0]');
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(
      'inputs[0].data[0][5]: is an array of 1; shape [1, 28, 28, 1] needs an array of 28 here',
    );
  });

  it.each([
    [Number.NaN, /value 0 \(NaN\) is outside \[0, 255\]/],
    [Number.POSITIVE_INFINITY, /outside \[0, 255\]/],
    ['1', /the string "1"/],
    [true, /a boolean true/],
  ])('refuses %s as a value', (value, message) => {
    expect(() => parseInputTensor(tensor([value, ...bytes.slice(1)], [1, 784]), 'in')).toThrow(
      message,
    );
  });
});

describe('readTfServingBody', () => {
  it('unwraps named instances and the named columnar batch', () => {
    expect(readTfServingBody({ instances: [{ images: bytes }] })).toEqual({
      instances: [bytes],
      columnar: false,
    });
    expect(readTfServingBody({ inputs: { images: [bytes] } })).toEqual({
      instances: [bytes],
      columnar: true,
    });
  });

  it('refuses an object of other inputs by its place', () => {
    expect(() => readTfServingBody({ instances: [bytes, { pixels: bytes }] })).toThrow(
      /^instances\[1\]: is an object; the input 'images' is DT_FLOAT/,
    );
  });
});
