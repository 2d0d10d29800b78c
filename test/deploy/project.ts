import { readFileSync } from 'node:fs';
import { readConfig } from '../../src/config.js';

const root = new URL('../../', import.meta.url);

/** A file of the repository, by its path from the repository root. */
export function readRepoFile(path: string): string {
  return readFileSync(new URL(path, root), 'utf8');
}

/** The repository root as a file-system path. */
export const repoRoot = decodeURIComponent(root.pathname);

/** The `tailor` commands the images and compose services run. */
export const SERVICE_COMMANDS = ['serve', 'worker', 'start'] as const;

/** The Dockerfile's runtime targets. */
export const TARGETS = ['cpu', 'gpu'] as const;

/**
 * Every environment variable src/config.ts reads, found by handing readConfig an
 * environment that records each lookup (all unset, so every default is taken).
 */
export function configVariables(): string[] {
  const seen = new Set<string>();
  const env = new Proxy<Record<string, string | undefined>>(
    {},
    {
      get(_target, key) {
        if (typeof key === 'string') seen.add(key);
        return undefined;
      },
    },
  );
  readConfig(env);
  return [...seen].sort();
}

/** The API port when PORT is unset. */
export const DEFAULT_PORT = readConfig({}).port;

export interface PackageJson {
  bin: Record<string, string>;
  engines: { node: string };
  optionalDependencies: Record<string, string>;
}

export const packageJson = JSON.parse(readRepoFile('package.json')) as PackageJson;

/** `case 'name':` labels of the CLI's command switch. */
export function cliCommands(): string[] {
  const source = readRepoFile('src/cli/run-cli.ts');
  return [...source.matchAll(/case '([a-z-]+)':/g)].map((match) => match[1] as string);
}
