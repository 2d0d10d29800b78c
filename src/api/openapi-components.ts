type Json = unknown;
type Schemas = Record<string, Json>;

/**
 * Moves every schema that carries a `title` out of the operations into `components.schemas`
 * under that title, leaving a `$ref` in its place, so a generated client has a named type
 * (`TrainingJob`, `Model`, `PredictionResult`) instead of an anonymous inline one. Route
 * schemas stay inline for Fastify (validation and serialization are unchanged); only the
 * document is rewritten. Two different schemas under one title are a mistake in the
 * schemas and fail the build of the document. `documentedAs` gives the component of a title
 * whose route schema is looser than what the document promises (see `PredictionInstance`).
 */
export function hoistTitledSchemas<D extends { paths?: object; components?: object }>(
  document: D,
  documentedAs: Readonly<Record<string, unknown>> = {},
): D {
  const components = (document.components ?? {}) as { schemas?: Schemas };
  const schemas: Schemas = { ...components.schemas };
  const seen = new Map<string, string>();

  const visit = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(visit);
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value).map(([key, child]) => [key, visit(child)] as const);
    const copy = Object.fromEntries(entries) as Record<string, Json>;
    const title = copy.title;
    if (typeof title !== 'string' || !(isSchema(copy) || title in documentedAs)) return copy;
    const text = JSON.stringify(copy);
    const earlier = seen.get(title);
    if (earlier !== undefined && earlier !== text) {
      throw new Error(`two different schemas are titled ${title}`);
    }
    seen.set(title, text);
    schemas[title] = documentedAs[title] ?? copy;
    return { $ref: `#/components/schemas/${title}` };
  };

  const paths = visit(document.paths ?? {}) as object;
  return { ...document, paths, components: { ...components, schemas } };
}

/** A schema rather than, say, an operation or an example that happens to hold `title`. */
function isSchema(value: Record<string, Json>): boolean {
  return 'type' in value || 'allOf' in value || 'anyOf' in value || 'oneOf' in value;
}
