import type { ErrorDetail } from './errors.js';

/**
 * One issue as reported by a schema validator. Both TypeBox's compiler and Ajv report this
 * shape, with different `params` for `required` and `additionalProperties`
 * (https://fastify.dev/docs/latest/Reference/Validation-and-Serialization/#validation-messages-with-other-validation-libraries).
 */
export interface ValidationIssue {
  keyword?: string;
  instancePath?: string;
  schemaPath?: string;
  params?: Record<string, unknown>;
  message?: string;
}

/** Large invalid arrays would otherwise produce a response as large as the request. */
export const MAX_DETAILS = 20;

/**
 * Turns validator issues into details that name the offending field, as a JSON pointer
 * rooted at the request part: `/body/training/epochs`, `/querystring/limit`.
 */
export function validationDetails(
  issues: readonly ValidationIssue[],
  part: string,
  limit = MAX_DETAILS,
): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const seen = new Set<string>();
  for (const issue of issues) {
    for (const detail of issueDetails(issue, `/${part}${issue.instancePath ?? ''}`)) {
      const key = `${detail.path}\n${detail.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      details.push(detail);
      if (details.length === limit) return details;
    }
  }
  return details;
}

/** A short sentence for the error message: the first detail and how many more there are. */
export function summarize(details: readonly ErrorDetail[]): string {
  const [first, ...rest] = details;
  if (first === undefined) return 'request does not match the schema';
  const more = rest.length > 0 ? ` (and ${rest.length} more)` : '';
  return `${first.path} ${first.message}${more}`;
}

function issueDetails(issue: ValidationIssue, path: string): ErrorDetail[] {
  const params = issue.params ?? {};
  switch (issue.keyword) {
    case 'additionalProperties':
      return names(params.additionalProperties ?? params.additionalProperty).map((name) => ({
        path: `${path}/${escapePointer(name)}`,
        message: 'is not allowed',
      }));
    case 'required':
      return names(params.requiredProperties ?? params.missingProperty).map((name) => ({
        path: `${path}/${escapePointer(name)}`,
        message: 'is required',
      }));
    case 'boolean':
      // TypeBox also reports each unknown key against `additionalProperties: false`
      // ("schema is false"); the `additionalProperties` issue already names it.
      if (issue.schemaPath?.endsWith('/additionalProperties')) return [];
      break;
  }
  return [{ path, message: issue.message ?? 'is invalid' }];
}

function names(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return value === undefined ? [] : [String(value)];
}

/** RFC 6901: `~` and `/` inside a key are escaped. */
function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
