import { describe, expect, it } from 'vitest';
import { loadCompose } from './compose.js';
import { parseDockerfile } from './dockerfile.js';
import { configVariables, readRepoFile, SERVICE_COMMANDS, TARGETS } from './project.js';

const docs = readRepoFile('docs/deployment.md');
const dockerfile = parseDockerfile(readRepoFile('Dockerfile'));
const { variables: composeVariables } = loadCompose(readRepoFile('docker-compose.yml'));

/** Whether a Markdown table has a row for `name`. */
function hasRow(name: string): boolean {
  return docs.split('\n').some((line) => line.startsWith(`| \`${name}\` |`));
}

describe('docs/deployment.md', () => {
  it('has a row for every environment variable tailor reads', () => {
    for (const name of configVariables()) expect(hasRow(name), name).toBe(true);
  });

  it('has a row for every variable the compose file interpolates', () => {
    for (const name of composeVariables.keys()) expect(hasRow(name), name).toBe(true);
  });

  it('has a row for every build argument', () => {
    const stageArgs = dockerfile.stages.flatMap((s) =>
      s.instructions
        .filter((i) => i.keyword === 'ARG' && i.args.includes('='))
        .map((i) => i.args.split('=')[0] as string),
    );
    for (const name of [...dockerfile.globalArgs.keys(), ...stageArgs]) {
      expect(hasRow(name), name).toBe(true);
    }
  });

  it('names the build targets and the service commands', () => {
    for (const target of TARGETS) expect(docs).toContain(`--target ${target}`);
    for (const command of SERVICE_COMMANDS) expect(hasRow(command), command).toBe(true);
  });
});
