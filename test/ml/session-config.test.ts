import { describe, expect, it } from 'vitest';
import { loadGraphAddon } from '../../src/ml/compiled/graph-addon.js';
import { sessionConfig } from '../../src/ml/compiled/session-config.js';
import { RUN_NATIVE_TESTS } from '../support/native.js';

describe('the compiled step session config', () => {
  it('encodes intra- and inter-op threads as ConfigProto fields 2 and 5', () => {
    expect(sessionConfig(0)).toBeNull();
    expect(Array.from(sessionConfig(2) as Uint8Array)).toEqual([0x10, 2, 0x28, 2]);
    // 300 = 0b10_0101100: a two-byte varint, low 7 bits first.
    expect(Array.from(sessionConfig(300) as Uint8Array)).toEqual([
      0x10, 0xac, 0x02, 0x28, 0xac, 0x02,
    ]);
    expect(() => sessionConfig(-1)).toThrow(RangeError);
    expect(() => sessionConfig(1.5)).toThrow(RangeError);
  });

  it.skipIf(!RUN_NATIVE_TESTS)('is accepted by TensorFlow, and a broken one is refused', () => {
    const addon = loadGraphAddon();
    if (addon instanceof Error) throw addon;
    const start = (config: Uint8Array) => {
      const graph = addon.createGraph();
      try {
        addon.startSession(graph, config);
      } finally {
        addon.dispose(graph);
      }
    };
    expect(() => start(sessionConfig(1) as Uint8Array)).not.toThrow();
    // A length-delimited field whose length runs past the end.
    expect(() => start(Uint8Array.from([0x0a, 0x7f]))).toThrow(/session/);
  });
});
