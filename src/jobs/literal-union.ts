import { Type } from 'typebox';

/**
 * A schema of one of `values`, typed as their union (a plain Type.Union of literals built
 * from a list is typed as string). Kept as `anyOf` of constants, the form the OpenAPI
 * document has always shown.
 */
export function literalUnion<T extends string>(values: readonly T[]) {
  return Type.Unsafe<T>(Type.Union(values.map((v) => Type.Literal(v))));
}
