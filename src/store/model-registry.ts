import type { Redis } from 'ioredis';
import { CursorError } from '../redis/creation-index.js';
import { assertId, type IdKind } from './ids.js';
import { StoreError } from './store-errors.js';

/**
 * A registered model. One training job produces one model, so its id is the job's id and
 * records are never replaced. `version` numbers all models of the registry in the order
 * they were registered; it comes from one Redis counter, so it orders models from many
 * workers without relying on their clocks and never ties.
 */
export interface ModelVersion {
  id: string;
  version: number;
  jobId: string;
  /** ISO 8601, taken when the model was registered. */
  createdAt: string;
  spec: object;
  /** Free-form numbers such as val_acc and test_acc. */
  metrics: Record<string, number>;
  classNames: string[];
  /** Id of the model's files in the artifact store. */
  artifact: string;
  /** The artifact store's digest of those files, checked whenever they are loaded. */
  sha256: string;
  backend: string;
  /** The data set the model was trained on, when its registration recorded it. */
  dataset?: string;
  /** Its training options (split sizes among them), when its registration recorded them. */
  training?: Record<string, unknown>;
}

export type NewModelVersion = Omit<ModelVersion, 'version' | 'createdAt'>;

export interface ListOptions {
  /** 1-1000, default 20. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface ModelPage {
  /** Newest first. */
  items: ModelVersion[];
  /** Present when there are older models. */
  nextCursor?: string;
}

/** An alias and the model it points at. */
export interface AliasEntry {
  name: string;
  /** Model id. */
  model: string;
}

export interface PromoteOptions {
  /**
   * Refuse (PromotionRefusedError) when the alias's current model has a test accuracy
   * (`metrics.test_acc`) and the candidate's is lower or missing.
   */
  gate?: boolean;
}

export interface Promotion {
  name: string;
  model: string;
  /** The model the alias pointed at before, or null if it was unset. */
  previous: string | null;
}

/** A gated promotion found the candidate worse than the alias's current model. */
export class PromotionRefusedError extends Error {
  override readonly name = 'PromotionRefusedError';
  readonly code = 'PROMOTION_REFUSED';

  constructor(
    readonly alias: string,
    readonly candidate: { id: string; testAccuracy: number | undefined },
    readonly current: { id: string; testAccuracy: number },
  ) {
    const theirs = current.testAccuracy;
    const mine = candidate.testAccuracy;
    super(
      mine === undefined
        ? `'${alias}' stays on model '${current.id}' (test accuracy ${theirs}): candidate '${candidate.id}' has no test accuracy to compare`
        : `'${alias}' stays on model '${current.id}': candidate '${candidate.id}' has test accuracy ${mine}, below the current ${theirs}`,
    );
  }
}

/** An alias name that is a model id would never be reached: ids resolve first. */
export class AliasNameTakenError extends Error {
  override readonly name = 'AliasNameTakenError';
  readonly code = 'ALIAS_NAME_TAKEN';

  constructor(readonly alias: string) {
    super(`'${alias}' is a model id and cannot be an alias name; choose another name`);
  }
}

export interface ModelRegistry {
  /** Records a new model; StoreError CONFLICT if the id is already registered. */
  register(record: NewModelVersion): Promise<ModelVersion>;
  get(id: string): Promise<ModelVersion>;
  list(options?: ListOptions): Promise<ModelPage>;
  newest(): Promise<ModelVersion | undefined>;
  /** Points an alias at a model without a gate (see promote). */
  setAlias(name: string, id: string): Promise<void>;
  /**
   * Points alias `name` at model `id` in one atomic step, optionally behind the test
   * accuracy gate; concurrent promotions are serialised, so none passes a stale check.
   * StoreError NOT_FOUND for an unknown model, AliasNameTakenError when `name` is a model
   * id, PromotionRefusedError when the gate refuses.
   */
  promote(name: string, id: string, options?: PromoteOptions): Promise<Promotion>;
  getAlias(name: string): Promise<string | undefined>;
  /** Every alias that is set, by name. */
  listAliases(): Promise<AliasEntry[]>;
  deleteAlias(name: string): Promise<boolean>;
  /** Whether `name` is an alias that resolves to the newest model while unset. */
  isFallbackAlias(name: string): boolean;
  /**
   * A model id first, then an alias; a fallback alias (`default`, `production`) that is
   * unset means the newest model. An explicit id always wins, so creating an alias cannot hijack it.
   */
  resolve(idOrAlias: string): Promise<ModelVersion>;
}

export interface ModelRegistryOptions {
  redis: Redis;
  /** Start of every key, e.g. `tailor`; keys are `<prefix>:model:<id>`, ... */
  prefix: string;
  /**
   * Alias names that resolve to the newest model while unset; default `default` and
   * `production` (the one `POST /v1/predict` follows).
   */
  fallbackAliases?: readonly string[];
}

export const PRODUCTION_ALIAS = 'production';
const FALLBACK_ALIASES = ['default', PRODUCTION_ALIAS];

/**
 * Create-only insert, a sequence number and the index entry in one step. A MULTI cannot
 * make the writes depend on EXISTS, and WATCH is per connection, which an injected shared
 * client cannot promise, hence a script.
 * KEYS: record hash, index sorted set, sequence. ARGV: id, then field/value pairs.
 */
const REGISTER_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local version = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], 'version', version, unpack(ARGV, 2))
redis.call('ZADD', KEYS[2], version, ARGV[1])
return version
`;

/**
 * The alias move: the name check, the gate and the write in one step, so two concurrent
 * promotions are serialised by Redis and each compares against the target it replaces.
 * The current target's key is only known here, so it is built from the model key prefix
 * (as BullMQ's scripts build theirs); the deployment is a single Redis, never a cluster.
 * KEYS: aliases hash, candidate record, a record named like the alias.
 * ARGV: alias name, candidate id, '1' to gate, model key prefix.
 * Returns {'OK', previous or ''}, {'TAKEN'}, {'MISSING'} or {'REFUSED', current id}.
 */
const PROMOTE_SCRIPT = `
if redis.call('EXISTS', KEYS[3]) == 1 then return {'TAKEN'} end
if redis.call('EXISTS', KEYS[2]) == 0 then return {'MISSING'} end
local current = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[3] == '1' and current and current ~= ARGV[2] then
  local function testAcc(key)
    local metrics = redis.call('HGET', key, 'metrics')
    if not metrics then return nil end
    local value = cjson.decode(metrics)['test_acc']
    if type(value) ~= 'number' then return nil end
    return value
  end
  local theirs = testAcc(ARGV[4] .. current)
  local mine = testAcc(KEYS[2])
  if theirs and (not mine or mine < theirs) then return {'REFUSED', current} end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {'OK', current or ''}
`;

const SHA256_HEX = /^[0-9a-f]{64}$/;
const CURSOR = /^[1-9][0-9]{0,15}$/;
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

export function createModelRegistry(options: ModelRegistryOptions): ModelRegistry {
  const { redis, prefix } = options;
  if (!prefix) throw new StoreError('INVALID_ARGUMENT', 'registry key prefix must not be empty');
  const fallbackAliases = new Set(options.fallbackAliases ?? FALLBACK_ALIASES);
  const keys = {
    model: (id: string) => `${prefix}:model:${id}`,
    index: `${prefix}:models`,
    sequence: `${prefix}:models:seq`,
    aliases: `${prefix}:aliases`,
  };

  async function find(id: string): Promise<ModelVersion | undefined> {
    return fromHash(await redis.hgetall(keys.model(id)));
  }

  async function get(id: string): Promise<ModelVersion> {
    const record = await find(assertId(id, 'model'));
    if (!record) throw new StoreError('NOT_FOUND', `model '${id}' not found`);
    return record;
  }

  async function register(input: NewModelVersion): Promise<ModelVersion> {
    const record = { ...validate(input), createdAt: new Date().toISOString() };
    const version = await redis.eval(
      REGISTER_SCRIPT,
      3,
      keys.model(record.id),
      keys.index,
      keys.sequence,
      record.id,
      ...toFields(record),
    );
    if (version === 0) throw new StoreError('CONFLICT', `model '${record.id}' already exists`);
    return { ...record, version: Number(version) };
  }

  async function list(listOptions: ListOptions = {}): Promise<ModelPage> {
    const limit = listOptions.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new StoreError('INVALID_ARGUMENT', `limit must be an integer from 1 to ${MAX_LIMIT}`);
    }
    const { cursor } = listOptions;
    if (cursor !== undefined && !CURSOR.test(cursor)) {
      throw new CursorError('cursor must be a nextCursor returned by the same list');
    }
    // A version cursor, unlike an offset, does not shift when newer models arrive.
    const max = cursor === undefined ? '+inf' : `(${cursor}`;
    const reply = await redis.zrevrangebyscore(
      keys.index,
      max,
      '-inf',
      'WITHSCORES',
      'LIMIT',
      0,
      limit + 1,
    );
    const ids: string[] = [];
    for (let i = 0; i < reply.length; i += 2) ids.push(reply[i] as string);
    const page = ids.slice(0, limit);
    const items = await findMany(page);
    const last = reply[2 * page.length - 1];
    return ids.length > limit && last !== undefined ? { items, nextCursor: last } : { items };
  }

  async function findMany(ids: string[]): Promise<ModelVersion[]> {
    if (ids.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hgetall(keys.model(id));
    const replies = (await pipeline.exec()) ?? [];
    return replies.flatMap(([err, hash]) => {
      if (err) throw err;
      const record = fromHash(hash as Record<string, string>);
      return record ? [record] : [];
    });
  }

  async function newest(): Promise<ModelVersion | undefined> {
    const [id] = await redis.zrange(keys.index, -1, -1);
    return id === undefined ? undefined : find(id);
  }

  async function promote(
    name: string,
    id: string,
    promoteOptions: PromoteOptions = {},
  ): Promise<Promotion> {
    assertId(name, 'alias');
    assertId(id, 'model');
    const reply = (await redis.eval(
      PROMOTE_SCRIPT,
      3,
      keys.aliases,
      keys.model(id),
      keys.model(name),
      name,
      id,
      promoteOptions.gate ? '1' : '0',
      keys.model(''),
    )) as string[];
    const [outcome, other = ''] = reply;
    switch (outcome) {
      case 'OK':
        return { name, model: id, previous: other === '' ? null : other };
      case 'TAKEN':
        throw new AliasNameTakenError(name);
      case 'MISSING':
        throw new StoreError('NOT_FOUND', `cannot point alias '${name}' at unknown model '${id}'`);
      case 'REFUSED': {
        // Records never change once registered, so reading them after the script is safe.
        const [candidate, current] = await Promise.all([get(id), get(other)]);
        throw new PromotionRefusedError(
          name,
          { id, testAccuracy: testAccuracyOf(candidate) },
          { id: other, testAccuracy: testAccuracyOf(current) as number },
        );
      }
      default:
        throw new Error(`unexpected reply from the promote script: ${JSON.stringify(reply)}`);
    }
  }

  async function setAlias(name: string, id: string): Promise<void> {
    await promote(name, id);
  }

  async function getAlias(name: string): Promise<string | undefined> {
    return (await redis.hget(keys.aliases, assertId(name, 'alias'))) ?? undefined;
  }

  async function listAliases(): Promise<AliasEntry[]> {
    const all = await redis.hgetall(keys.aliases);
    return Object.entries(all)
      .map(([name, model]) => ({ name, model }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async function deleteAlias(name: string): Promise<boolean> {
    return (await redis.hdel(keys.aliases, assertId(name, 'alias'))) === 1;
  }

  async function resolve(idOrAlias: string): Promise<ModelVersion> {
    const name = assertId(idOrAlias, 'model');
    const [byId, target] = await Promise.all([find(name), redis.hget(keys.aliases, name)]);
    if (byId) return byId;
    if (target !== null) {
      const record = await find(target);
      if (!record) throw new StoreError('NOT_FOUND', `alias '${name}' points at missing model`);
      return record;
    }
    if (fallbackAliases.has(name)) {
      const record = await newest();
      if (!record) throw new StoreError('NOT_FOUND', 'no model has been registered yet');
      return record;
    }
    throw new StoreError('NOT_FOUND', `no model or alias named '${name}'`);
  }

  return {
    register,
    get,
    list,
    newest,
    setAlias,
    promote,
    getAlias,
    listAliases,
    deleteAlias,
    isFallbackAlias: (name) => fallbackAliases.has(name),
    resolve,
  };
}

/** `metrics.test_acc`, the figure the promotion gate compares. */
export function testAccuracyOf(model: ModelVersion): number | undefined {
  const value = model.metrics.test_acc;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function validate(input: NewModelVersion): NewModelVersion {
  const ids: [unknown, IdKind][] = [
    [input.id, 'model'],
    [input.jobId, 'job'],
    [input.artifact, 'artifact'],
  ];
  for (const [value, kind] of ids) assertId(value, kind);
  const invalid = (detail: string) =>
    new StoreError('INVALID_ARGUMENT', `model '${input.id}': ${detail}`);
  if (typeof input.sha256 !== 'string' || !SHA256_HEX.test(input.sha256)) {
    throw invalid('sha256 must be 64 lowercase hex digits');
  }
  if (typeof input.spec !== 'object' || input.spec === null) {
    throw invalid('spec must be an object');
  }
  const { metrics } = input;
  if (
    typeof metrics !== 'object' ||
    metrics === null ||
    !Object.values(metrics).every((value) => typeof value === 'number' && Number.isFinite(value))
  ) {
    throw invalid('metrics must all be finite numbers');
  }
  if (!Array.isArray(input.classNames) || !input.classNames.every((c) => typeof c === 'string')) {
    throw invalid('classNames must be an array of strings');
  }
  if (typeof input.backend !== 'string' || input.backend === '') {
    throw invalid('backend must be a non-empty string');
  }
  if (input.dataset !== undefined) assertId(input.dataset, 'dataset');
  const { training } = input;
  if (
    training !== undefined &&
    (typeof training !== 'object' || training === null || Array.isArray(training))
  ) {
    throw invalid('training must be an object');
  }
  return {
    id: input.id,
    jobId: input.jobId,
    spec: input.spec,
    metrics: input.metrics,
    classNames: input.classNames,
    artifact: input.artifact,
    sha256: input.sha256,
    backend: input.backend,
    ...(input.dataset !== undefined && { dataset: input.dataset }),
    ...(training !== undefined && { training }),
  };
}

/** Hash fields: strings as they are, structured values as JSON strings. */
function toFields(record: Omit<ModelVersion, 'version'>): string[] {
  return [
    'id',
    record.id,
    'jobId',
    record.jobId,
    'createdAt',
    record.createdAt,
    'spec',
    JSON.stringify(record.spec),
    'metrics',
    JSON.stringify(record.metrics),
    'classNames',
    JSON.stringify(record.classNames),
    'artifact',
    record.artifact,
    'sha256',
    record.sha256,
    'backend',
    record.backend,
    ...(record.dataset === undefined ? [] : ['dataset', record.dataset]),
    ...(record.training === undefined ? [] : ['training', JSON.stringify(record.training)]),
  ];
}

function fromHash(hash: Record<string, string>): ModelVersion | undefined {
  if (hash.id === undefined) return undefined;
  const id = hash.id;
  const field = (name: keyof ModelVersion): string => {
    const value = hash[name];
    if (value === undefined) {
      throw new StoreError('INTEGRITY', `model '${id}' has a record without ${name}`);
    }
    return value;
  };
  const json = (name: keyof ModelVersion) => {
    try {
      return JSON.parse(field(name));
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreError('INTEGRITY', `model '${id}' has malformed ${name}`, { cause: err });
    }
  };
  return {
    id,
    version: Number(field('version')),
    jobId: field('jobId'),
    createdAt: field('createdAt'),
    spec: json('spec'),
    metrics: json('metrics'),
    classNames: json('classNames'),
    artifact: field('artifact'),
    sha256: field('sha256'),
    backend: field('backend'),
    ...(hash.dataset !== undefined && { dataset: hash.dataset }),
    ...(hash.training !== undefined && { training: json('training') }),
  };
}
