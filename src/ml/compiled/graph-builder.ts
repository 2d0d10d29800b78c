import type { Attr, DType, GraphAddon, GraphHandle, TensorValue } from './graph-addon.js';

export const attr = {
  type: (value: DType): Attr => ({ kind: 'type', value }),
  shape: (value: readonly number[]): Attr => ({ kind: 'shape', value }),
  ints: (value: readonly number[]): Attr => ({ kind: 'ints', value }),
  int: (value: number): Attr => ({ kind: 'int', value }),
  float: (value: number): Attr => ({ kind: 'float', value }),
  bool: (value: boolean): Attr => ({ kind: 'bool', value }),
  string: (value: string): Attr => ({ kind: 'string', value }),
  tensor: (value: TensorValue): Attr => ({ kind: 'tensor', value }),
};

const FLOAT = attr.type('float32');

/** A resource variable: its handle, the value read once per run, and how to set it. */
export interface GraphVariable {
  readonly name: string;
  readonly shape: readonly number[];
  readonly handle: string;
  readonly read: string;
  /** Placeholder fed with the new value when `assign` runs. */
  readonly initial: string;
  readonly assign: string;
}

/**
 * Adds operations to a TensorFlow graph with unique names. Tensors are referred to as
 * `op:index`, as the C API does.
 */
export class GraphBuilder {
  private readonly used = new Set<string>();

  constructor(
    readonly addon: GraphAddon,
    readonly graph: GraphHandle,
  ) {}

  /** Adds an op and returns its name (unique: a suffix is added when taken). */
  add(
    type: string,
    inputs: readonly (string | readonly string[])[],
    attrs: Record<string, Attr> = {},
    name: string = type,
    control: readonly string[] = [],
  ): string {
    let unique = name;
    for (let i = 1; this.used.has(unique); i++) unique = `${name}_${i}`;
    this.used.add(unique);
    this.addon.addOperation(this.graph, type, unique, inputs, attrs, control);
    return unique;
  }

  /** Adds an op and returns its first output. */
  out(
    type: string,
    inputs: readonly (string | readonly string[])[],
    attrs: Record<string, Attr> = {},
    name?: string,
  ) {
    return `${this.add(type, inputs, attrs, name)}:0`;
  }

  /** A float op with attribute T, the common case. */
  float(type: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, name?: string) {
    return this.out(type, inputs, { T: FLOAT, ...attrs }, name);
  }

  placeholder(name: string, shape: readonly number[], dtype: DType = 'float32'): string {
    return this.out('Placeholder', [], { dtype: attr.type(dtype), shape: attr.shape(shape) }, name);
  }

  constant(
    values: ArrayLike<number>,
    shape: readonly number[],
    dtype: 'float32' | 'int32' = 'float32',
  ) {
    const data = dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values);
    return this.out('Const', [], {
      dtype: attr.type(dtype),
      value: attr.tensor({ dtype, shape, data }),
    });
  }

  scalar(value: number): string {
    return this.constant([value], []);
  }

  variable(name: string, shape: readonly number[]): GraphVariable {
    const handle = this.out(
      'VarHandleOp',
      [],
      {
        dtype: FLOAT,
        shape: attr.shape(shape),
        shared_name: attr.string(name),
      },
      `${name}/handle`,
    );
    const read = this.out('ReadVariableOp', [handle], { dtype: FLOAT }, `${name}/read`);
    const initial = this.placeholder(`${name}/initial`, shape);
    const assign = this.assignTo(handle, initial, `${name}/assign`);
    return { name, shape, handle, read, initial, assign };
  }

  /** Writes `value` into the variable behind `handle`; returns the op's name. */
  assignTo(handle: string, value: string, name = 'AssignVariableOp'): string {
    return this.add('AssignVariableOp', [handle, value], { dtype: FLOAT }, name);
  }
}
