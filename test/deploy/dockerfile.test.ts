import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.js';
import {
  baseImage,
  copyParts,
  dockerignored,
  effective,
  environment,
  execForm,
  inherited,
  lineage,
  parseDockerfile,
  stage,
} from './dockerfile.js';
import {
  cliCommands,
  configVariables,
  DEFAULT_PORT,
  packageJson,
  readRepoFile,
  SERVICE_COMMANDS,
  TARGETS,
} from './project.js';

const dockerfile = parseDockerfile(readRepoFile('Dockerfile'));
const dockerignore = readRepoFile('.dockerignore');
/** ENV names the images may set besides tailor's own settings. */
const PLATFORM_ENV = ['NODE_ENV', 'TF_FORCE_GPU_ALLOW_GROWTH'];
/** The native tfjs backend each target installs, and the backend it defaults to. */
const NATIVE = {
  cpu: { stage: 'deps-cpu', pkg: '@tensorflow/tfjs-node', backend: 'auto' },
  gpu: { stage: 'deps-gpu', pkg: '@tensorflow/tfjs-node-gpu', backend: 'tensorflow-gpu' },
} as const;

function runs(target: string): string[] {
  return inherited(dockerfile, target, 'RUN').map((i) => i.args);
}

describe('Dockerfile stages', () => {
  it('has the build stage and the cpu and gpu targets, cpu being the default (last)', () => {
    const names = dockerfile.stages.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['build', 'deps-cpu', 'deps-gpu', ...TARGETS]));
    expect(dockerfile.stages.at(-1)?.name).toBe('cpu');
  });

  it('builds on Node >= the engines field, the cpu image on Debian bookworm', () => {
    const required = Number(/(\d+)/.exec(packageJson.engines.node)?.[1]);
    const node = Number(dockerfile.globalArgs.get('NODE_VERSION'));
    expect(node).toBeGreaterThanOrEqual(required);
    expect(baseImage(dockerfile, 'build')).toBe(`node:${node}-bookworm-slim`);
    expect(baseImage(dockerfile, 'cpu')).toBe(`node:${node}-bookworm-slim`);
  });

  it('bases the gpu image on CUDA 11.2 with cuDNN 8, what tfjs-node-gpu 4.22 needs', () => {
    expect(packageJson.optionalDependencies['@tensorflow/tfjs-node-gpu']).toMatch(/^4\.22\./);
    for (const target of ['gpu', 'deps-gpu']) {
      expect(baseImage(dockerfile, target)).toMatch(/^nvidia\/cuda:11\.2\.\d+-cudnn8-runtime-/);
    }
    // The gpu image runs the same Node as the build stage.
    const copies = inherited(dockerfile, 'gpu', 'COPY').map(copyParts);
    expect(copies).toContainEqual({
      from: 'toolchain',
      sources: ['/usr/local/bin/node'],
      destination: '/usr/local/bin/node',
    });
  });

  it('compiles with dev dependencies and ships production ones only, without unreviewed scripts', () => {
    const build = stage(dockerfile, 'build')
      .instructions.map((i) => i.args)
      .join('\n');
    expect(build).toMatch(/npm ci --ignore-scripts/);
    expect(build).toMatch(/npm run build/);
    expect(build).toMatch(/npm prune --omit=dev/);
  });
});

describe.each(TARGETS)('the %s image', (target) => {
  const env = environment(dockerfile, target);

  it('runs as an unprivileged user it creates', () => {
    const user = effective(dockerfile, target, 'USER')?.args.trim() ?? 'root';
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const name = user.split(':')[0] as string;
    expect(runs(target).some((run) => new RegExp(`useradd\\b.*\\b${name}\\b`).test(run))).toBe(
      true,
    );
  });

  it('starts the built CLI (package.json bin) under tini, serving the API by default', () => {
    const entrypoint = execForm(effective(dockerfile, target, 'ENTRYPOINT')?.args ?? '');
    expect(entrypoint.slice(0, 3)).toEqual(['/usr/bin/tini', '--', 'node']);
    const workdir = effective(dockerfile, target, 'WORKDIR')?.args.trim();
    expect(entrypoint[3]).toBe(`${workdir}/${packageJson.bin.tailor}`);
    const copies = inherited(dockerfile, target, 'COPY').map(copyParts);
    expect(copies).toContainEqual({ from: 'build', sources: ['/app/dist'], destination: './dist' });
    // package.json: `tailor version` reads it.
    expect(copies).toContainEqual({
      from: undefined,
      sources: ['package.json'],
      destination: './',
    });
    const cmd = execForm(effective(dockerfile, target, 'CMD')?.args ?? '');
    expect(cmd).toEqual(['serve']);
  });

  it('has a HEALTHCHECK on /healthz at the configured port, which it exposes', () => {
    const healthcheck = effective(dockerfile, target, 'HEALTHCHECK')?.args ?? '';
    expect(healthcheck).toMatch(/\bCMD\b/);
    const probe = execForm(healthcheck).join(' ');
    expect(probe).toContain('/healthz');
    expect(probe).toContain('process.env.PORT');
    expect(probe).toContain(`|| ${DEFAULT_PORT}`);
    expect(env.PORT).toBe(String(DEFAULT_PORT));
    expect(effective(dockerfile, target, 'EXPOSE')?.args.trim()).toBe(String(DEFAULT_PORT));
    // Reachable from other containers: the default HOST is loopback.
    expect(env.HOST).toBe('0.0.0.0');
  });

  it("sets only tailor's own settings (plus platform ones), all valid", () => {
    const known = configVariables();
    for (const name of Object.keys(env)) {
      expect([...known, ...PLATFORM_ENV], `ENV ${name}`).toContain(name);
    }
    const config = readConfig(env);
    expect(config.backend).toBe(NATIVE[target].backend);
    expect(config.port).toBe(DEFAULT_PORT);
  });

  it('declares volumes for the data and artifact directories, owned by its user', () => {
    const volumes = inherited(dockerfile, target, 'VOLUME').flatMap((i) => execForm(i.args));
    expect(volumes).toEqual(expect.arrayContaining([env.TAILOR_DATA_DIR, env.TAILOR_ARTIFACT_DIR]));
    const user = effective(dockerfile, target, 'USER')?.args.trim() as string;
    for (const dir of volumes) {
      expect(runs(target).some((run) => run.includes(`mkdir -p`) && run.includes(dir))).toBe(true);
    }
    expect(runs(target).some((run) => run.includes(`chown -R ${user}:`))).toBe(true);
  });

  it("has Debian's Fashion-MNIST where src/data looks for it", () => {
    const files = readRepoFile('src/data/fashion-mnist-files.ts');
    expect(files).toContain("'/usr/share/datasets/fashion-mnist'");
    const text = lineage(dockerfile, target)
      .flatMap((s) => s.instructions.map((i) => i.args))
      .join('\n');
    const installs = text.includes('dataset-fashion-mnist');
    const copies = inherited(dockerfile, target, 'COPY')
      .map(copyParts)
      .some((c) => c.destination === '/usr/share/datasets/fashion-mnist');
    expect(installs || copies).toBe(true);
  });

  it(`allows exactly one install script: ${NATIVE[target].pkg}'s`, () => {
    const { stage: depsStage, pkg } = NATIVE[target];
    expect(packageJson.optionalDependencies[pkg]).toBeDefined();
    const copies = inherited(dockerfile, target, 'COPY').map(copyParts);
    expect(copies).toContainEqual({
      from: depsStage,
      sources: ['/app/node_modules'],
      destination: './node_modules',
    });
    const deps = stage(dockerfile, depsStage)
      .instructions.map((i) => i.args)
      .join('\n');
    // npm's install-script allow list lives in .npmrc (a CLI --allow-scripts is refused in
    // a project), written for the rebuild only.
    expect(deps).toContain(`echo 'allow-scripts=${pkg}' > .npmrc`);
    expect(deps).toContain(`npm rebuild ${pkg}`);
    expect(deps).toContain('rm .npmrc');
    const other = target === 'cpu' ? NATIVE.gpu.pkg : NATIVE.cpu.pkg;
    expect(deps).toMatch(new RegExp(`rm -rf node_modules/${other}(?![\\w-])`));
  });
});

describe('the commands the images run', () => {
  it('are commands of the CLI', () => {
    const commands = cliCommands();
    for (const command of SERVICE_COMMANDS) expect(commands).toContain(command);
  });
});

describe('.dockerignore', () => {
  it('lets in everything the Dockerfile copies from the build context', () => {
    const sources = dockerfile.stages
      .flatMap((s) => s.instructions.filter((i) => i.keyword === 'COPY'))
      .map(copyParts)
      .filter((c) => c.from === undefined)
      .flatMap((c) => c.sources);
    expect(sources).toEqual(expect.arrayContaining(['package-lock.json', 'src']));
    for (const source of [...sources, 'src/cli.ts', 'src/cli/run-cli.ts']) {
      expect(dockerignored(source, dockerignore), source).toBe(false);
    }
  });

  it('keeps out host builds, data, secrets and git history', () => {
    const outside = [
      'node_modules/yaml/package.json',
      'src/node_modules/x.js',
      'dist/src/cli.js',
      '.git/config',
      '.env',
      'src/.env.local',
      '.npmrc',
      'src/.npmrc',
      'data/train-images-idx3-ubyte.gz',
      'artifacts/models/1/model.json',
      'checkpoints/run/latest.json',
      'test/deploy/dockerfile.test.ts',
      'docker-compose.yml',
    ];
    for (const path of outside) expect(dockerignored(path, dockerignore), path).toBe(true);
  });
});
