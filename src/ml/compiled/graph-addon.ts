import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A graph (and its session, once started) inside TensorFlow; opaque to JavaScript. */
export type GraphHandle = { readonly __graph: unique symbol };

export type DType = 'float32' | 'int32' | 'bool';

export interface TensorValue {
  dtype: DType;
  shape: readonly number[];
  data: Float32Array | Int32Array;
}

export type Attr =
  | { kind: 'type'; value: DType }
  | { kind: 'shape' | 'ints'; value: readonly number[] }
  | { kind: 'int' | 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: TensorValue };

export interface Fetched {
  shape: number[];
  data: Float32Array | Int32Array;
}

/** native/tailor_graph.cc: TensorFlow's graph C API, one call per function. */
export interface GraphAddon {
  version(): string;
  createGraph(): GraphHandle;
  /** Returns the number of outputs; an input is `op:index`, an array of them a list input. */
  addOperation(
    graph: GraphHandle,
    type: string,
    name: string,
    inputs: readonly (string | readonly string[])[],
    attrs: Record<string, Attr>,
    control: readonly string[],
  ): number;
  /** d sum(ys) / d x for each x, as `op:index`. */
  addGradients(
    graph: GraphHandle,
    ys: readonly string[],
    xs: readonly string[],
    prefix: string,
  ): string[];
  /** `config` is a serialised ConfigProto. */
  startSession(graph: GraphHandle, config: Uint8Array | null): void;
  run(
    graph: GraphHandle,
    feeds: readonly (TensorValue & { name: string })[],
    fetches: readonly string[],
    targets: readonly string[],
  ): Fetched[];
  dispose(graph: GraphHandle): void;
}

const ADDON = join('native', 'build', 'tailor_graph.node');

let loaded: GraphAddon | Error | undefined;

/**
 * The addon that scripts/native-graph.sh builds next to tfjs-node's TensorFlow, or why it
 * cannot be used. It shares that library with tfjs-node, so both see one TensorFlow.
 */
export function loadGraphAddon(): GraphAddon | Error {
  if (loaded) return loaded;
  const path = findUp(dirname(fileURLToPath(import.meta.url)), ADDON);
  if (!path) {
    loaded = new Error(`${ADDON} is not built (scripts/native-graph.sh)`);
    return loaded;
  }
  try {
    loaded = createRequire(import.meta.url)(path) as GraphAddon;
  } catch (err) {
    loaded = new Error(`${ADDON} does not load: ${(err as Error).message.split('\n')[0]}`);
  }
  return loaded;
}

/** The project root holds native/build: from src/ml/compiled or dist/src/ml/compiled. */
function findUp(from: string, relative: string): string | undefined {
  for (let dir = from, i = 0; i < 6; dir = dirname(dir), i++) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}
