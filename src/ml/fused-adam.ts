import * as tf from '@tensorflow/tfjs-core';

interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/**
 * Adam with the same update as tf.train.adam (bias-corrected moments, epsilon outside the
 * square root), computed in one JavaScript pass over each variable. tfjs' Adam takes about
 * a dozen full-size tensor ops per step, each a trip through the backend; on the wasm and
 * cpu backends, whose tensors are plain memory, one pass is several times faster.
 * Saved state has tfjs Adam's layout: iterations, then first moments, then second moments.
 */
export class FusedAdam extends tf.Optimizer {
  static get className() {
    return 'Adam';
  }

  /**
   * tfjs' Optimizer answers `instanceof` for any object with minimize and applyGradients,
   * and a subclass inherits that: without this, every stock optimizer would pass for a
   * FusedAdam (and have its slots disposed after a checkpoint, or `update` called on it).
   */
  static override [Symbol.hasInstance](instance: unknown): boolean {
    return Object.prototype.isPrototypeOf.call(FusedAdam.prototype, instance as object);
  }

  private first: Float32Array[] = [];
  private second: Float32Array[] = [];
  private names: string[] = [];
  /** Each variable's shape: saved slots keep it, as tfjs' Adam (other backends) needs. */
  private shapes: number[][] = [];
  private steps = 0;

  constructor(
    /** Not readonly: a schedule sets it before each step (optimizer.ts setLearningRate). */
    public learningRate = 0.001,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-7,
  ) {
    super();
  }

  override applyGradients(gradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries = Array.isArray(gradients)
      ? gradients.map((g) => [g.name, g.tensor] as const)
      : Object.entries(gradients);
    this.update(
      entries.map(([name]) => tf.engine().registeredVariables[name] as tf.Variable),
      entries.map(([, g]) => g.dataSync() as Float32Array),
    );
  }

  /** The same step with gradients already in memory, one array per variable. */
  update(variables: tf.Variable[], gradients: Float32Array[]): void {
    this.steps++;
    const correct1 = 1 - this.beta1 ** this.steps;
    const correct2 = 1 - this.beta2 ** this.steps;
    variables.forEach((variable, i) => {
      this.names[i] = variable.name;
      this.shapes[i] = variable.shape;
      const g = gradients[i] as Float32Array;
      this.first[i] ??= new Float32Array(g.length);
      this.second[i] ??= new Float32Array(g.length);
      const w = variable.dataSync() as Float32Array;
      const next = new Float32Array(w.length);
      adamStep(w, g, this.first[i], this.second[i], next, this, correct1, correct2);
      const value = tf.tensor(next, variable.shape);
      variable.assign(value);
      value.dispose();
    });
    this.incrementIterations();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    return [
      { name: 'iter', tensor: tf.scalar(this.steps, 'int32') },
      ...this.first.map((m, i) => ({
        name: `${this.names[i]}/m`,
        tensor: tf.tensor(m, this.shapes[i]),
      })),
      ...this.second.map((v, i) => ({
        name: `${this.names[i]}/v`,
        tensor: tf.tensor(v, this.shapes[i]),
      })),
    ];
  }

  override async setWeights(weights: NamedTensor[]): Promise<void> {
    const [iter, ...slots] = weights;
    this.steps = iter ? (iter.tensor.dataSync()[0] as number) : 0;
    this.iterations_ = this.steps;
    const half = slots.length / 2;
    const copy = (s: NamedTensor) => Float32Array.from(s.tensor.dataSync());
    this.first = slots.slice(0, half).map(copy);
    this.second = slots.slice(half).map(copy);
    this.names = slots.slice(0, half).map((s) => s.name.replace(/\/m$/, ''));
    this.shapes = slots.slice(0, half).map((s) => s.tensor.shape);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
    };
  }
}

/** next = w − lr·m̂/(√v̂ + ε), updating m and v in place. A small function V8 optimises. */
function adamStep(
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  next: Float32Array,
  { learningRate, beta1, beta2, epsilon }: FusedAdam,
  correct1: number,
  correct2: number,
): void {
  const keep1 = 1 - beta1;
  const keep2 = 1 - beta2;
  for (let j = 0; j < w.length; j++) {
    const grad = g[j] as number;
    const mj = beta1 * (m[j] as number) + keep1 * grad;
    const vj = beta2 * (v[j] as number) + keep2 * grad * grad;
    m[j] = mj;
    v[j] = vj;
    next[j] =
      (w[j] as number) - (learningRate * (mj / correct1)) / (Math.sqrt(vj / correct2) + epsilon);
  }
}
