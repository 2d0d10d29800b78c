import { type TSchema, Type } from 'typebox';

/**
 * The one way every list pages: `limit` items from `cursor` on, and the `nextCursor` to
 * pass for the next page, absent on the last. A cursor does not shift when items are added
 * or removed, as an offset would.
 */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 128,
      description: 'The `nextCursor` of the previous page; omit it for the first page',
    }),
  ),
};

/** A page of `item`s, titled for the API document. */
export function pageOf<T extends TSchema>(item: T, title: string, extra = {}) {
  return Type.Object(
    {
      items: Type.Array(item),
      ...extra,
      nextCursor: Type.Optional(
        Type.String({ description: 'Pass as `cursor` for the next page; absent on the last' }),
      ),
    },
    { title },
  );
}
