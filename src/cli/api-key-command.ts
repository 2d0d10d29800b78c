import {
  type ApiKeyEntry,
  formatApiKeyEntry,
  generateApiKey,
  hashApiKey,
  isValidKeyName,
  type KeyLimits,
  MAX_PER_MINUTE,
  parseScopes,
  perMinute,
  SCOPES,
} from '../auth-keys.js';
import { formatOptions, type OptionDoc, parseOptions, UsageError } from './option-table.js';

const OPTIONS: OptionDoc[] = [
  {
    name: 'name',
    type: 'string',
    value: 'NAME',
    help: 'Who holds the key (1-64 of A-Z a-z 0-9 _ . -); shown in the API logs.',
  },
  {
    name: 'scopes',
    type: 'string',
    value: 'LIST',
    help: `Comma-separated scopes: ${SCOPES.join(', ')} (admin implies the others).`,
  },
  {
    name: 'predict-per-minute',
    type: 'string',
    value: 'N',
    help: `This key's prediction requests per minute, in place of TAILOR_RATE_LIMIT_PREDICT (0: no limit; at most ${MAX_PER_MINUTE}).`,
  },
  {
    name: 'jobs-per-minute',
    type: 'string',
    value: 'N',
    help: "This key's training jobs per minute (a tuning job counts one per trial), in place of TAILOR_RATE_LIMIT_JOBS (0: no limit).",
  },
  { name: 'help', type: 'boolean', help: 'Show this help.' },
];

/** The limit options and the fields of KeyLimits they set. */
const LIMIT_OPTIONS = [
  ['predict-per-minute', 'predictPerMinute'],
  ['jobs-per-minute', 'jobsPerMinute'],
] as const;

export const API_KEY_HELP = `Usage: tailor api-key --name NAME --scopes predict[,train,admin]
                     [--predict-per-minute N] [--jobs-per-minute N]

Creates a random API key and prints it once, with the TAILOR_API_KEYS entry that holds
only its SHA-256 hash (and the key's own rate limits, if given; without them the key has
the global ones). Add the entry to TAILOR_API_KEYS (entries separated by commas or
newlines) and restart the API; give the key to its holder. See docs/security.md.

Options:
${formatOptions(OPTIONS)}`;

/** Prints `key: …` and `entry: …` on stdout (easy to script) and what to do with them on stderr. */
export function apiKeyCommand(
  argv: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): number {
  const { values } = parseOptions(argv, OPTIONS);
  if (values.help) {
    out.write(`${API_KEY_HELP}\n`);
    return 0;
  }
  const name = values.name;
  if (typeof name !== 'string') throw new UsageError('--name is required');
  if (!isValidKeyName(name)) {
    throw new UsageError(`--name must be 1-64 characters of A-Z a-z 0-9 _ . -; got '${name}'`);
  }
  if (typeof values.scopes !== 'string') throw new UsageError('--scopes is required');
  let scopes: ReturnType<typeof parseScopes>;
  try {
    scopes = parseScopes(values.scopes.split(','));
  } catch (error) {
    throw new UsageError(`--scopes: ${(error as Error).message}`);
  }
  const limits = keyLimits(values);
  const key = generateApiKey();
  const entry: ApiKeyEntry = { name, scopes, sha256: hashApiKey(key) };
  if (limits !== undefined) entry.limits = limits;
  out.write(`key: ${key}\n`);
  out.write(`entry: ${formatApiKeyEntry(entry)}\n`);
  err.write(
    'The key is shown only now; the server keeps only its hash. Add the entry to\n' +
      'TAILOR_API_KEYS and restart the API; clients send the key as\n' +
      "'Authorization: Bearer <key>' or 'X-API-Key: <key>'.\n",
  );
  return 0;
}

/** The limits given on the command line; none: undefined. */
function keyLimits(values: Record<string, string | boolean | undefined>): KeyLimits | undefined {
  let limits: KeyLimits | undefined;
  for (const [option, field] of LIMIT_OPTIONS) {
    const raw = values[option];
    if (typeof raw !== 'string') continue;
    try {
      limits = { ...limits, [field]: perMinute(raw, `--${option}`) };
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  return limits;
}
