import type { TensorInfo } from '@tensorflow/tfjs-core';
import {
  type KernelArgs,
  matMul,
  runStock,
  transpose2d,
  type WasmBackend,
  withShape,
} from './heap.js';

/**
 * Stock wasm BatchMatMul runs XNNPACK only for untransposed operands; with transposeA or
 * transposeB (every dense layer's backward pass) it falls back to naive loops about ten
 * times slower. Here a transposed product is rewritten as an untransposed one by
 * physically transposing whichever operands cost least to move:
 *   A·Bᵀ = B·Aᵀ transposed, Aᵀ·B = Bᵀ·A transposed, Aᵀ·Bᵀ = (B·A)ᵀ.
 */
export function batchMatMul(args: KernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const a = inputs.a as TensorInfo;
  const b = inputs.b as TensorInfo;
  const transposeA = Boolean(attrs.transposeA);
  const transposeB = Boolean(attrs.transposeB);
  const plain = !transposeA && !transposeB;
  if (plain || a.dtype !== 'float32' || b.dtype !== 'float32' || !isMatrix(a) || !isMatrix(b)) {
    return runStock('BatchMatMul', backend, { a, b }, attrs);
  }
  const [ar, ac] = matrixDims(a);
  const [br, bc] = matrixDims(b);
  const m = transposeA ? ac : ar;
  const n = transposeB ? br : bc;
  const outShape = [...a.shape.slice(0, -2), m, n];
  const sizeA = ar * ac;
  const sizeB = br * bc;
  const sizeC = m * n;

  let result: TensorInfo;
  if (transposeA && transposeB) {
    result = transposedProduct(backend, b, a, [br, bc], [ar, ac]);
  } else if (transposeB) {
    // A·Bᵀ: move B, or compute B·Aᵀ and move the (often small) result.
    result =
      sizeB <= sizeA + sizeC
        ? productWithTransposed(backend, a, b, [ar, ac], [br, bc], 'b')
        : transposedProductOf(backend, b, a, [br, bc], [ar, ac], 'second');
  } else {
    result =
      sizeA <= sizeB + sizeC
        ? productWithTransposed(backend, a, b, [ar, ac], [br, bc], 'a')
        : transposedProductOf(backend, b, a, [br, bc], [ar, ac], 'first');
  }
  return withShape(result, outShape);
}

function isMatrix(t: TensorInfo): boolean {
  return t.shape.length >= 2 && t.shape.slice(0, -2).every((d) => d === 1);
}

function matrixDims(t: TensorInfo): [number, number] {
  return [t.shape[t.shape.length - 2] as number, t.shape[t.shape.length - 1] as number];
}

function transposedCopy(backend: WasmBackend, t: TensorInfo, [r, c]: [number, number]): TensorInfo {
  const out = backend.makeOutput([c, r], 'float32');
  // Views only after allocating: growing the heap detaches earlier views.
  transpose2d(
    backend.typedArrayFromHeap(withShape(t, [r, c])),
    backend.typedArrayFromHeap(out),
    r,
    c,
  );
  return out;
}

/** A·Bᵀ or Aᵀ·B by transposing the named operand first. */
function productWithTransposed(
  backend: WasmBackend,
  a: TensorInfo,
  b: TensorInfo,
  aDims: [number, number],
  bDims: [number, number],
  which: 'a' | 'b',
): TensorInfo {
  const moved = transposedCopy(backend, which === 'a' ? a : b, which === 'a' ? aDims : bDims);
  const out =
    which === 'a'
      ? matMul(backend, moved, withShape(b, bDims))
      : matMul(backend, withShape(a, aDims), moved);
  backend.disposeData(moved.dataId);
  return out;
}

/**
 * (P·Qᵀ)ᵀ or (Pᵀ·Q)ᵀ: P·Qᵀ with Q = A (A·Bᵀ = (B·Aᵀ)ᵀ), Pᵀ·Q with P = B (Aᵀ·B = (Bᵀ·A)ᵀ).
 * `transposeOf` says which factor of the product needs moving.
 */
function transposedProductOf(
  backend: WasmBackend,
  p: TensorInfo,
  q: TensorInfo,
  pDims: [number, number],
  qDims: [number, number],
  transposeOf: 'first' | 'second',
): TensorInfo {
  const which = transposeOf === 'second' ? 'b' : 'a';
  return thenTranspose(backend, productWithTransposed(backend, p, q, pDims, qDims, which));
}

/** (P·Q)ᵀ. */
function transposedProduct(
  backend: WasmBackend,
  p: TensorInfo,
  q: TensorInfo,
  pDims: [number, number],
  qDims: [number, number],
): TensorInfo {
  return thenTranspose(backend, matMul(backend, withShape(p, pDims), withShape(q, qDims)));
}

/** The transpose of a product, which is then freed. */
function thenTranspose(backend: WasmBackend, product: TensorInfo): TensorInfo {
  const [r, c] = product.shape.slice(-2) as [number, number];
  const out = transposedCopy(backend, product, [r, c]);
  backend.disposeData(product.dataId);
  return out;
}
