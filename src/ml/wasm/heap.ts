import {
  type DataType,
  getKernel,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

/**
 * The parts of tfjs-backend-wasm's BackendWasm that our kernels use. Outputs live on the
 * wasm heap; JS reads and writes them through typed-array views of that heap.
 */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  disposeData(dataId: object): boolean;
}

export interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  backend: WasmBackend;
  attrs: NamedAttrMap;
}

/** Kernels as registered before we replaced any, so replacements can delegate to them. */
const originals = new Map<string, KernelFunc>();

export function rememberOriginal(kernelName: string): void {
  if (originals.has(kernelName)) return;
  const config = getKernel(kernelName, 'wasm');
  if (config) originals.set(kernelName, config.kernelFunc);
}

/** Runs a stock wasm kernel directly (outside the engine, so no tape and no tracking). */
export function runStock(
  kernelName: string,
  backend: WasmBackend,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const kernel = originals.get(kernelName) ?? getKernel(kernelName, 'wasm')?.kernelFunc;
  if (!kernel) throw new Error(`wasm kernel ${kernelName} is not registered`);
  // biome-ignore lint/suspicious/noExplicitAny: tfjs' KernelFunc takes its own backend type.
  return kernel({ inputs, backend: backend as any, attrs }) as TensorInfo;
}

/** The same heap data seen with another shape of equal size (no copy). */
export function withShape(info: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/** A float32 matrix product on the heap through the stock (XNNPACK) kernel: [m,k] x [k,n]. */
export function matMul(backend: WasmBackend, a: TensorInfo, b: TensorInfo): TensorInfo {
  return runStock('BatchMatMul', backend, { a, b }, { transposeA: false, transposeB: false });
}

/**
 * Transposes a [rows, cols] matrix into dst ([cols, rows]) in cache-sized tiles:
 * a plain double loop strides through memory on every write.
 */
export function transpose2d(
  src: Float32Array,
  dst: Float32Array,
  rows: number,
  cols: number,
  srcOffset = 0,
  dstOffset = 0,
): void {
  const T = 32;
  for (let r0 = 0; r0 < rows; r0 += T) {
    const r1 = Math.min(r0 + T, rows);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(c0 + T, cols);
      for (let r = r0; r < r1; r++) {
        let s = srcOffset + r * cols + c0;
        let d = dstOffset + c0 * rows + r;
        for (let c = c0; c < c1; c++) {
          dst[d] = src[s++] as number;
          d += rows;
        }
      }
    }
  }
}
