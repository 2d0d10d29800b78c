import {
  getKernel,
  type KernelFunc,
  registerGradient,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
// tfjs-core's own entry registers no gradients; tfjs-layers' Node bundle registers them
// all. Ours must override after those.
import '@tensorflow/tfjs-layers';
// The stock kernels must be registered first: the replacements delegate to them.
import '@tensorflow/tfjs-backend-wasm';
import { batchMatMul } from './batch-mat-mul.js';
import { batchNormGradConfig } from './batch-norm-grad.js';
import {
  BATCH_NORM_TRAINING,
  BATCH_NORM_TRAINING_GRAD,
  batchNormTraining,
  batchNormTrainingGrad,
  batchNormTrainingGradConfig,
} from './batch-norm-training.js';
import { conv2dBackpropFilter } from './conv2d-backprop-filter.js';
import { conv2dBackpropInput } from './conv2d-backprop-input.js';
import { rememberOriginal } from './heap.js';
import { maxPoolGrad } from './max-pool-grad.js';
import { mean, sum } from './reduce.js';

const replacements: Record<string, KernelFunc> = {
  BatchMatMul: batchMatMul as unknown as KernelFunc,
  Conv2DBackpropFilter: conv2dBackpropFilter as unknown as KernelFunc,
  Conv2DBackpropInput: conv2dBackpropInput as unknown as KernelFunc,
  MaxPoolGrad: maxPoolGrad as unknown as KernelFunc,
  Mean: mean as unknown as KernelFunc,
  Sum: sum as unknown as KernelFunc,
};

let registered = false;

/**
 * Makes the wasm backend able to train CNNs, and fast at it. Idempotent; call before or
 * after the backend is initialised. A replaced kernel keeps its setupFunc, which binds the
 * wasm entry points the stock kernel (still used underneath) needs.
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  for (const [kernelName, kernelFunc] of Object.entries(replacements)) {
    rememberOriginal(kernelName);
    const stock = getKernel(kernelName, 'wasm');
    if (stock) unregisterKernel(kernelName, 'wasm');
    registerKernel({ ...stock, kernelName, backendName: 'wasm', kernelFunc });
  }
  registerGradient(batchNormGradConfig);
  for (const [kernelName, kernelFunc] of [
    [BATCH_NORM_TRAINING, batchNormTraining],
    [BATCH_NORM_TRAINING_GRAD, batchNormTrainingGrad],
  ] as const) {
    registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: kernelFunc as unknown as KernelFunc,
    });
  }
  registerGradient(batchNormTrainingGradConfig);
}
