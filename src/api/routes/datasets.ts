import multipart from '@fastify/multipart';
import {
  type FastifyPluginAsyncTypebox,
  TypeBoxValidatorCompiler,
} from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import {
  BUILT_IN_DATASET,
  DataSourceError,
  locateFashionMnist,
  NUM_CLASSES,
} from '../../data/index.js';
import {
  CSV_PARTS,
  type DatasetMeta,
  type DatasetPart,
  type DatasetStore,
  type DatasetUpload,
  formatOf,
  IDX_PARTS,
  isDatasetPart,
} from '../../store/dataset-store.js';
import { pageArray } from '../array-pages.js';
import { carriesAnswer } from '../error-codes.js';
import { ApiError } from '../errors.js';
import {
  DATASET_UPLOAD_LIMITS,
  Dataset,
  DatasetBody,
  DatasetIdParams,
  DatasetList,
  ListDatasetsQuery,
  MULTIPART,
} from '../schemas/datasets.js';
import { errorResponses } from '../schemas/error.js';
import { LOCATION, withHeaders } from '../schemas/response-headers.js';

export interface DatasetRoutesOptions {
  /** Uploaded data sets; without it only the built-in set is listed and uploads answer 503. */
  store?: DatasetStore;
  /** Where the built-in Fashion-MNIST is looked for (never downloaded by these routes). */
  dataDir: string;
  /** Searched after `dataDir`; defaults to the system directories `locateFashionMnist` knows. */
  systemDirs?: readonly string[];
  limits?: Partial<typeof DATASET_UPLOAD_LIMITS>;
}

const MAX_NAME = 200;

/** Training data sets: the built-in Fashion-MNIST and uploads in CSV or IDX form. */
const datasets: FastifyPluginAsyncTypebox<DatasetRoutesOptions> = async (app, opts) => {
  const limits = { ...DATASET_UPLOAD_LIMITS, ...opts.limits };
  // Uploads cut off by a kill leave staging directories; this API stages nothing yet.
  const removed = (await opts.store?.removeDeadUploads()) ?? [];
  if (removed.length > 0) {
    app.log.info({ removed }, 'removed staging directories of interrupted data set uploads');
  }
  // Registered here, so only these routes accept forms.
  await app.register(multipart, { limits });
  app.setValidatorCompiler((route) =>
    route.httpPart === 'body' && route.contentType === MULTIPART
      ? () => true
      : TypeBoxValidatorCompiler(route),
  );

  const store = (): DatasetStore => {
    if (!opts.store) {
      throw new ApiError('SERVICE_UNAVAILABLE', 'uploaded datasets are not available');
    }
    return opts.store;
  };

  const builtIn = async () => {
    const available = await locateFashionMnist({
      dataDir: opts.dataDir,
      systemDirs: opts.systemDirs,
      download: false,
    }).then(
      () => true,
      (err: unknown) => {
        if (err instanceof DataSourceError) return false;
        throw err;
      },
    );
    const counts = (perClass: number) => ({
      count: perClass * NUM_CLASSES,
      perClass: new Array<number>(NUM_CLASSES).fill(perClass),
    });
    return {
      id: BUILT_IN_DATASET,
      name: 'Fashion-MNIST',
      format: 'fashion-mnist' as const,
      builtIn: true,
      available,
      ...(available && {
        train: counts(6000),
        test: counts(1000),
        height: 28,
        width: 28,
        classes: NUM_CLASSES,
      }),
      links: { self: selfOf(BUILT_IN_DATASET) },
    };
  };

  app.get(
    '/v1/datasets',
    {
      schema: {
        tags: ['datasets'],
        summary: 'Data sets: the built-in Fashion-MNIST, then uploads newest first',
        querystring: ListDatasetsQuery,
        response: { 200: DatasetList, ...errorResponses(400, 500) },
      },
    },
    async (request) => {
      const uploaded = opts.store ? await opts.store.list() : [];
      const all = [await builtIn(), ...uploaded.map(view)];
      return pageArray(all, listKey, LIST_KEY, request.query);
    },
  );

  app.get(
    '/v1/datasets/:id',
    {
      schema: {
        tags: ['datasets'],
        summary: 'One data set with its image counts per class',
        params: DatasetIdParams,
        response: { 200: Dataset, ...errorResponses(400, 404, 500, 503) },
      },
    },
    async (request) => {
      const { id } = request.params;
      return id === BUILT_IN_DATASET ? builtIn() : view(await store().get(id));
    },
  );

  app.post(
    '/v1/datasets',
    {
      schema: {
        tags: ['datasets'],
        summary: 'Upload a data set as two Kaggle CSV files or four IDX files',
        description:
          'Each file is checked as it would be read for training, within limits on its size once gunzipped, its number of images and their size (413 DATASET_TOO_LARGE); each API key, and the server, keep a limited number of data sets (409 DATASET_QUOTA_EXCEEDED). docs/security.md lists the limits.',
        body: DatasetBody,
        response: {
          201: withHeaders(Dataset, LOCATION),
          ...errorResponses(400, 409, 413, 415, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const target = store();
      if (!request.isMultipart()) {
        throw new ApiError(
          'UNSUPPORTED_MEDIA_TYPE',
          `content type '${request.mediaType ?? 'none'}' is not accepted; send ${MULTIPART}`,
        );
      }
      const meta = await receive(request, target, limits.fileSize);
      reply.header('location', selfOf(meta.id));
      return reply.code(201).send(view(meta));
    },
  );
};

function selfOf(id: string): string {
  return `/v1/datasets/${encodeURIComponent(id)}`;
}

function view({ owner: _owner, ...meta }: DatasetMeta) {
  return { ...meta, builtIn: false, available: true, links: { self: selfOf(meta.id) } };
}

const FORM_RULE = `send '${CSV_PARTS.join("', '")}' (CSV) or '${IDX_PARTS.join("', '")}' (IDX) files, and optionally 'name'`;

/** Streams the form's files into a staged upload, then validates and publishes it. */
async function receive(
  request: FastifyRequest,
  store: DatasetStore,
  fileSize: number,
): Promise<DatasetMeta> {
  const upload = await store.begin(request.apiKey?.name);
  try {
    const { seen, name } = await readForm(request, upload, fileSize);
    const format = seen.size > 0 ? formatOf([...seen][0] as DatasetPart) : undefined;
    const expected = format === 'idx' ? IDX_PARTS : CSV_PARTS;
    const missing = format ? expected.filter((p) => !seen.has(p)) : [];
    if (!format || missing.length > 0) {
      throw badForm(
        format ? `missing part(s) '${missing.join("', '")}'` : 'the form holds no data files',
      );
    }
    return await upload.commit(name);
  } catch (err) {
    await upload.discard();
    throw err;
  }
}

/** Reads the form part by part, streaming each file into `upload`. */
async function readForm(request: FastifyRequest, upload: DatasetUpload, fileSize: number) {
  const seen = new Set<DatasetPart>();
  let name: string | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const field = part.fieldname;
        if (!isDatasetPart(field)) throw badForm(`unknown file part '${field}'`);
        if (seen.has(field)) throw badForm(`part '${field}' is sent twice`);
        const other = [...seen].find((p) => formatOf(p) !== formatOf(field));
        if (other) throw badForm(`part '${field}' (${formatOf(field)}) mixed with '${other}'`);
        seen.add(field);
        await upload.add(field, part.file);
      } else if (part.fieldname === 'name') {
        name = parseName(part.value);
      } else {
        throw badForm(`unknown form field '${part.fieldname}'`);
      }
    }
  } catch (err) {
    throw uploadError(err, fileSize);
  }
  return { seen, name };
}

function badForm(problem: string): ApiError {
  return new ApiError('BAD_REQUEST', `${problem}; ${FORM_RULE}`);
}

function parseName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (name.length === 0 || name.length > MAX_NAME) {
    throw new ApiError('BAD_REQUEST', `'name' must be 1-${MAX_NAME} characters`);
  }
  return name;
}

/**
 * busboy's limit errors with messages that say which limit and what to do. Its parse errors
 * (no boundary, a body that ends inside a part) carry no status; they are the client's
 * malformed form. Errors with a `syscall` are our disk failing and stay 500s.
 */
function uploadError(err: unknown, fileSize: number): unknown {
  const { code, syscall } = (err ?? {}) as Record<string, unknown>;
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return new ApiError(
        'PAYLOAD_TOO_LARGE',
        `an uploaded file is larger than ${fileSize / 1024 / 1024} MB`,
      );
    case 'FST_FILES_LIMIT':
      return new ApiError('PAYLOAD_TOO_LARGE', `too many files; ${FORM_RULE}`);
    case 'FST_INVALID_JSON_FIELD_ERROR':
      // @fastify/multipart answers 406, which is about the Accept header; this is a bad form.
      return new ApiError('BAD_REQUEST', 'a form field declared as application/json is not JSON');
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return new ApiError('PAYLOAD_TOO_LARGE', "too many form fields; only 'name' is read");
    default:
      if (carriesAnswer(err) || syscall !== undefined) return err;
      return new ApiError(
        'BAD_REQUEST',
        `the multipart form is malformed (${err instanceof Error ? err.message.slice(0, 200) : 'unreadable'}); send ${MULTIPART} with a boundary and whole parts`,
      );
  }
}

export default datasets;

/**
 * Where a data set sorts in the list: the built-in one first, then uploads newest first
 * (the time counted down from year 2286, so that newer sorts lower), ties by id.
 */
const LIST_KEY = /^(0|1\.\d{14}\.[A-Za-z0-9_-]{1,64})$/;

function listKey(dataset: { id: string; createdAt?: string | null }): string {
  if (dataset.id === BUILT_IN_DATASET) return '0';
  const left = 1e13 - Date.parse(dataset.createdAt ?? '');
  return `1.${String(left).padStart(14, '0')}.${dataset.id}`;
}
