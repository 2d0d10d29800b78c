import { buildApp } from '../app.js';

export interface OpenApiOptions {
  /** `info.version` of the document; the package version. */
  version: string;
}

/**
 * The OpenAPI document as committed in `openapi/openapi.json`: built from the route schemas of
 * an app with stub services, pretty-printed with a trailing newline. Paths, their methods and
 * component schemas are sorted so that reordering plugin registration does not churn the file;
 * everything else keeps the order the schemas declare (property order is meaningful to readers).
 */
export async function generateOpenApi({ version }: OpenApiOptions): Promise<string> {
  const app = buildApp({ version, readiness: async () => ({}) }, { logger: false });
  try {
    await app.ready();
    const document = app.swagger();
    return `${JSON.stringify(sortSections(document), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

function sortSections<T extends { paths?: object; components?: { schemas?: object } }>(doc: T): T {
  const paths =
    doc.paths &&
    Object.fromEntries(
      sortedEntries(doc.paths).map(([path, item]) => [
        path,
        typeof item === 'object' && item !== null ? Object.fromEntries(sortedEntries(item)) : item,
      ]),
    );
  const schemas =
    doc.components?.schemas && Object.fromEntries(sortedEntries(doc.components.schemas));
  return {
    ...doc,
    ...(paths && { paths }),
    ...(schemas && { components: { ...doc.components, schemas } }),
  };
}

function sortedEntries(value: object): [string, unknown][] {
  return Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
