import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { generateOpenApi } from '../../src/api/openapi.js';

describe('openapi/openapi.json', () => {
  it('matches the document generated from the route schemas', async () => {
    const committed = await readFile(
      new URL('../../openapi/openapi.json', import.meta.url),
      'utf8',
    );
    const generated = await generateOpenApi({ version: pkg.version });
    expect(
      JSON.parse(committed),
      'openapi/openapi.json is out of date: run `npm run openapi` and commit the result',
    ).toStrictEqual(JSON.parse(generated));
  });
});
