import { Type } from 'typebox';

export const Liveness = Type.Object(
  { status: Type.Literal('ok') },
  { title: 'Liveness', additionalProperties: false, description: 'The process is alive' },
);

const Check = Type.Object(
  {
    ok: Type.Boolean(),
    detail: Type.Optional(Type.String({ description: 'Why the check failed' })),
  },
  { additionalProperties: false },
);

const Checks = Type.Record(Type.String(), Check, {
  description: 'One entry per dependency, keyed by check name',
});

export const Ready = Type.Object(
  { status: Type.Literal('ready'), checks: Checks },
  { title: 'Readiness', additionalProperties: false, description: 'Every dependency is usable' },
);

export const NotReady = Type.Object(
  { status: Type.Literal('not_ready'), checks: Checks },
  {
    title: 'NotReady',
    additionalProperties: false,
    description: 'At least one dependency is not usable',
  },
);
