import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TRAINING_OPTIONS } from '../../src/cli/recipe-options.js';
import { TrainingJobRequestSchema, TrainingOptionsSchema } from '../../src/jobs/training-job.js';

// docs/training.md documents every training option: a field added to the schema or a flag
// added to `tailor train` without a line there fails here.
const DOC = readFileSync(new URL('../../docs/training.md', import.meta.url), 'utf8');

interface ObjectSchema {
  type?: unknown;
  properties?: Record<string, ObjectSchema>;
}

/** Every field of an object schema, a nested object's fields as `parent.child` after it. */
function fieldPaths(schema: ObjectSchema, prefix = ''): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, field]) => {
    const path = `${prefix}${name}`;
    const nested = field.type === 'object' && Object.keys(field.properties ?? {}).length > 0;
    return nested ? [path, ...fieldPaths(field, `${path}.`)] : [path];
  });
}

/** The rows of the table under "## Options": the field named in the first cell, and the cells. */
function optionRows(markdown: string): { field: string; cells: string[] }[] {
  const section = markdown.split(/^## /m).find((part) => part.startsWith('Options\n')) ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => ({
      field: /^\| `([^`]+)`/.exec(line)?.[1] ?? '',
      cells: line.split(' | '),
    }));
}

const documented = optionRows(DOC).map((row) => row.field);
const fields = [...fieldPaths(TrainingOptionsSchema as ObjectSchema), 'preset'];
const flags = TRAINING_OPTIONS.map((option) => `--${option.name}`);
/** `--step` must not pass for `--step-epochs`: a flag ends where no name character follows. */
const mentions = (text: string, flag: string) => new RegExp(`${flag}(?![\\w-])`).test(text);

describe('docs/training.md', () => {
  it('reads the nested objects and the request field the table must hold', () => {
    // Guards the walk itself: were it to miss nested fields, the checks below would pass idly.
    expect(fields).toEqual(
      expect.arrayContaining([
        'schedule.type',
        'schedule.minLearningRate',
        'augment.erase',
        'earlyStopping.patience',
        'preset',
      ]),
    );
    expect(Object.keys(TrainingJobRequestSchema.properties)).toContain('preset');
  });

  it('has a row in its options table for every training field, nested ones and preset', () => {
    expect(fields.filter((field) => !documented.includes(field))).toEqual([]);
  });

  it('has no row for a field the schema does not have, and no field twice', () => {
    expect(documented.filter((field) => !fields.includes(field))).toEqual([]);
    expect(documented.filter((field, i) => documented.indexOf(field) !== i)).toEqual([]);
  });

  it('mentions every flag of tailor train’s training options', () => {
    expect(flags.filter((flag) => !mentions(DOC, flag))).toEqual([]);
  });

  it('names in its CLI column only flags that tailor train has', () => {
    const named = optionRows(DOC).flatMap((row) => row.cells[3]?.match(/--[a-z][a-z-]*/g) ?? []);
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((flag) => !flags.includes(flag))).toEqual([]);
  });
});
