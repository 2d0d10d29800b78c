import { Type } from 'typebox';
import { ID_PATTERN } from '../../store/ids.js';
import { PageQuery, pageOf } from './page.js';

const NAME = {
  pattern: ID_PATTERN.source,
  description:
    '1-64 characters of A-Z a-z 0-9 _ -, starting with a letter or digit; never a model id',
};

export const AliasParams = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 64, ...NAME }) },
  { additionalProperties: false },
);

export const Alias = Type.Object(
  {
    name: Type.String(),
    model: Type.String({ description: 'Id of the model it points at' }),
    testAccuracy: Type.Union([Type.Number(), Type.Null()], {
      description: "That model's test accuracy (metrics.test_acc), null if it has none",
    }),
    links: Type.Object({ self: Type.String(), model: Type.String() }),
  },
  { title: 'Alias', additionalProperties: false },
);

export const ListAliasesQuery = Type.Object(PageQuery, { additionalProperties: false });

/** Aliases by name. */
export const AliasList = pageOf(Alias, 'AliasList');

export const PromoteBody = Type.Object(
  {
    model: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: ID_PATTERN.source,
      description: 'A model id, or another alias whose model to take',
    }),
    gate: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          "Refuse (409 PROMOTION_REFUSED) when the alias's current model has a higher test accuracy, or the candidate has none",
      }),
    ),
  },
  { title: 'AliasRequest', additionalProperties: false },
);

export const Promotion = Type.Object(
  {
    name: Type.String(),
    model: Type.String(),
    previous: Type.Union([Type.String(), Type.Null()], {
      description: 'The model the alias pointed at before, null if it was unset',
    }),
  },
  { title: 'Promotion', additionalProperties: false },
);
