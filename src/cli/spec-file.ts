import { readFile } from 'node:fs/promises';
import { seedDictsToSpec } from '../ml/seed-dicts.js';
import { DEFAULT_SPEC, type ModelSpec } from '../ml/spec.js';
import { parseSpec } from '../ml/spec-parse.js';
import { UsageError } from './option-table.js';

/**
 * A model spec from a JSON file: our spec format, or the notebook's pair of dictionaries
 * `{ "conv_params": {...}, "fc_params": {...} }`. No file: the seed's default.
 */
export async function readSpecFile(path: string | undefined): Promise<ModelSpec> {
  if (!path) return DEFAULT_SPEC;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read spec ${path}: ${(err as Error).message}`);
  }
  if (json && typeof json === 'object' && ('conv_params' in json || 'fc_params' in json)) {
    return seedDictsToSpec(json);
  }
  return parseSpec(json);
}
