// Writes openapi/openapi.json from the route schemas; test/api/openapi-drift.test.ts fails
// when the committed file differs from what this generates.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pkg from '../package.json' with { type: 'json' };
import { generateOpenApi } from '../src/api/openapi.js';

const target = fileURLToPath(new URL('../openapi/openapi.json', import.meta.url));
await mkdir(new URL('../openapi/', import.meta.url), { recursive: true });
await writeFile(target, await generateOpenApi({ version: pkg.version }));
// `biome check .` covers the file too, so it is committed in biome's layout; the drift test
// compares parsed documents and so does not depend on the layout.
execFileSync('npx', ['biome', 'format', '--write', target], { stdio: 'inherit' });
process.stdout.write(`wrote ${target}\n`);
