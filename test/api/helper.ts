import { Writable } from 'node:stream';
import pino from 'pino';
import { type App, type AppDeps, type AppOptions, buildApp } from '../../src/app.js';

export const testDeps = (overrides: Partial<AppDeps> = {}): AppDeps => ({
  version: '0.0.0-test',
  readiness: async () => ({}),
  ...overrides,
});

/** A pino destination that keeps each line as a parsed object, for assertions on logs. */
export function logSink() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { stream, lines };
}

export function capturingLogger() {
  const { stream, lines } = logSink();
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** Builds the app without listening; add test routes, then `await app.ready()`. */
export function buildTestApp(overrides: Partial<AppDeps> = {}, opts: AppOptions = {}): App {
  return buildApp(testDeps(overrides), { logger: false, ...opts });
}
