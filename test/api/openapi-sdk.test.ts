import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { buildTestApp } from './helper.js';

type Operation = { operationId?: string; tags?: string[] };
type Document = {
  paths: Record<string, Record<string, Operation>>;
  tags: { name: string }[];
  servers?: { url: string }[];
};

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

function operations(document: Document): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, operation]): [string, Operation] => [`${method} ${path}`, operation]),
  );
}

describe('OpenAPI document for SDK generators', () => {
  let app: App;
  let document: Document;

  beforeAll(async () => {
    app = buildTestApp({ version: '1.2.3' });
    await app.ready();
    document = app.swagger() as unknown as Document;
  });

  afterAll(() => app.close());

  it('gives every operation a unique camelCase operationId', () => {
    const all = operations(document);
    expect(all.length).toBeGreaterThan(40);
    const missing = all.filter(([, op]) => !op.operationId).map(([key]) => key);
    expect(missing, 'operations without operationId').toEqual([]);
    const ids = all.map(([, op]) => op.operationId as string);
    expect(new Set(ids).size, 'operationIds repeat').toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z0-9]*$/);
  });

  it('declares every tag an operation uses', () => {
    const declared = new Set(document.tags.map((tag) => tag.name));
    const used = new Set(operations(document).flatMap(([, op]) => op.tags ?? []));
    expect([...used].filter((tag) => !declared.has(tag))).toEqual([]);
  });

  it('names a relative server so the document holds for any host', () => {
    expect(document.servers).toEqual([{ url: '/' }]);
  });
});
