import { parseArgs } from 'node:util';

export interface OptionDoc {
  name: string;
  type: 'string' | 'boolean';
  value?: string;
  help: string;
}

export class UsageError extends Error {
  readonly code = 'USAGE';
}

/** Parses argv against documented options; unknown options are a usage error. */
export function parseOptions(argv: string[], docs: readonly OptionDoc[], positionals = 0) {
  const options = Object.fromEntries(docs.map((d) => [d.name, { type: d.type }]));
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: positionals > 0 });
    if (parsed.positionals.length > positionals) {
      throw new UsageError(`unexpected argument '${parsed.positionals[positionals]}'`);
    }
    return parsed as {
      values: Record<string, string | boolean | undefined>;
      positionals: string[];
    };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message);
  }
}

export function formatOptions(docs: readonly OptionDoc[]): string {
  const flags = docs.map((d) => `  --${d.name}${d.value ? ` ${d.value}` : ''}`);
  const width = Math.max(...flags.map((f) => f.length)) + 2;
  return docs.map((d, i) => `${(flags[i] as string).padEnd(width)}${d.help}`).join('\n');
}

export function integerOption(
  values: Record<string, unknown>,
  name: string,
  { min = 1, fallback }: { min?: number; fallback?: number } = {},
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(`--${name} must be an integer >= ${min}, got '${raw}'`);
  }
  return n;
}

export function numberOption(values: Record<string, unknown>, name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--${name} must be a positive number, got '${raw}'`);
  }
  return n;
}

export function choiceOption<T extends string>(
  values: Record<string, unknown>,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (!(choices as readonly unknown[]).includes(raw)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}; got '${raw}'`);
  }
  return raw as T;
}
