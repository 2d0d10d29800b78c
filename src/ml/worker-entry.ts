/**
 * How to start the worker module `name` that sits beside `moduleUrl`: the compiled JavaScript
 * in a build; the TypeScript source when running from sources (tests, tsx), where a small
 * bootstrap registers tsx's loader in the worker before importing it.
 */
export function workerEntry(moduleUrl: string, name: string): { url: URL | string; eval: boolean } {
  if (!moduleUrl.endsWith('.ts')) return { url: new URL(`./${name}.js`, moduleUrl), eval: false };
  const entry = new URL(`./${name}.ts`, moduleUrl).href;
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return { url: bootstrap, eval: true };
}
