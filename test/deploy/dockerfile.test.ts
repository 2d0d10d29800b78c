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
/** The native tfjs backend each target builds, how, and the backend it defaults to. */
const NATIVE = {
  cpu: { stage: 'deps-cpu', pkg: '@tensorflow/tfjs-node', variant: 'cpu', backend: 'auto' },
  gpu: {
    stage: 'deps-gpu',
    pkg: '@tensorflow/tfjs-node-gpu',
    variant: 'gpu',
    backend: 'tensorflow-gpu',
  },
} as const;
const NATIVE_SCRIPT = 'scripts/native-tensorflow.sh';

function runs(target: string): string[] {
  return inherited(dockerfile, target, 'RUN').map((i) => i.args);
}

/** Every instruction of a stage, joined. */
function stageText(name: string): string {
  return stage(dockerfile, name)
    .instructions.map((i) => i.args)
    .join('\n');
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

  it("bases the gpu image on a CUDA 12 runtime with cuDNN 9, what TensorFlow 2.21's GPU wheel needs", () => {
    expect(packageJson.optionalDependencies['@tensorflow/tfjs-node-gpu']).toMatch(/^4\.22\./);
    for (const target of ['gpu', 'deps-gpu']) {
      const image = baseImage(dockerfile, target);
      // nvidia/cuda tags name cuDNN 9 `cudnn` (cuDNN 8 ones say `cudnn8`); the wheel is
      // built against CUDA 12.5, so the runtime libraries must be 12.5 or later.
      const tag = /^nvidia\/cuda:12\.(\d+)\.\d+-cudnn9?-runtime-ubuntu(22|24)\.04$/.exec(image);
      expect(tag, image).not.toBeNull();
      expect(Number(tag?.[1])).toBeGreaterThanOrEqual(5);
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
    const build = stageText('build');
    expect(build).toMatch(/npm ci --ignore-scripts/);
    expect(build).toMatch(/npm run build/);
    expect(build).toMatch(/npm prune --omit=dev/);
  });

  it('runs no install script anywhere and downloads no libtensorflow 2.9.1', () => {
    const all = dockerfile.stages.flatMap((s) => s.instructions.map((i) => i.args)).join('\n');
    // Every npm command that installs into the project skips install scripts.
    for (const match of all.matchAll(/npm (ci|install|prune)\b[^;&|]*/g)) {
      if (match[0].includes(' -g ')) continue; // the global npm upgrade in toolchain
      expect(match[0]).toContain('--ignore-scripts');
    }
    expect(all).not.toMatch(/npm rebuild|allow-scripts|storage\.googleapis\.com|libtensorflow-/);
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

  it(`builds ${NATIVE[target].pkg} on TensorFlow 2.21 with ${NATIVE_SCRIPT} ${NATIVE[target].variant}`, () => {
    const { stage: depsStage, pkg, variant } = NATIVE[target];
    expect(packageJson.optionalDependencies[pkg]).toBeDefined();
    const copies = inherited(dockerfile, target, 'COPY').map(copyParts);
    expect(copies).toContainEqual({
      from: depsStage,
      sources: ['/app/node_modules'],
      destination: './node_modules',
    });
    expect(stage(dockerfile, depsStage).instructions.map((i) => copyParts(i))).toContainEqual({
      from: undefined,
      sources: [NATIVE_SCRIPT, 'scripts/native-graph.sh'],
      destination: './scripts/',
    });
    const deps = stageText(depsStage);
    // The compiled training step, against the same package's TensorFlow, shipped with it.
    expect(deps).toMatch(new RegExp(`bash scripts/native-graph.sh node_modules/${pkg}(?![\\w-])`));
    expect(copies).toContainEqual({
      from: depsStage,
      sources: ['/app/native/build'],
      destination: './native/build',
    });
    expect(deps).toMatch(new RegExp(`bash ${NATIVE_SCRIPT} ${variant}(?![\\w-])`));
    // A missing piece fails the script (the cpu stage then falls back to wasm, by choice).
    expect(deps).toContain('TAILOR_NATIVE_REQUIRED=1');
    const other = target === 'cpu' ? NATIVE.gpu.pkg : NATIVE.cpu.pkg;
    expect(deps).toMatch(new RegExp(`rm -rf node_modules/${other}(?![\\w-])`));
  });
});

describe(`${NATIVE_SCRIPT}, as the images call it`, () => {
  const script = readRepoFile(NATIVE_SCRIPT);

  it('pins TensorFlow 2.21.0 and tfjs-node 4.22, matching package.json', () => {
    expect(script).toMatch(/^TF_VERSION=2\.21\.0$/m);
    const tfjsNode = /^TFJS_NODE_VERSION=(\S+)$/m.exec(script)?.[1];
    expect(tfjsNode).toBe(packageJson.optionalDependencies['@tensorflow/tfjs-node']);
    expect(tfjsNode).toBe(packageJson.optionalDependencies['@tensorflow/tfjs-node-gpu']);
  });

  it('takes tensorflow-cpu, checksum pinned, for cpu and the tensorflow GPU wheel for gpu', () => {
    const cpu = /^ {2}cpu\)\n([\s\S]*?);;$/m.exec(script)?.[1] ?? '';
    const gpu = /^ {2}gpu\)\n([\s\S]*?);;$/m.exec(script)?.[1] ?? '';
    expect(cpu).toMatch(/DIST=tensorflow-cpu\n/);
    expect(cpu).toMatch(/PKG_NAME=@tensorflow\/tfjs-node\n/);
    expect(cpu).toMatch(/PINNED_SHA256=[0-9a-f]{64}\n/);
    expect(gpu).toMatch(/DIST=tensorflow\n/);
    expect(gpu).toMatch(/PKG_NAME=@tensorflow\/tfjs-node-gpu\n/);
    // Not readable offline: checked when the build passes TAILOR_TF_WHEEL_SHA256.
    expect(gpu).toMatch(/PINNED_SHA256=\n/);
    expect(script).toContain('TAILOR_TF_WHEEL_SHA256');
    const depsGpu = stage(dockerfile, 'deps-gpu').instructions;
    const args = depsGpu.filter((i) => i.keyword === 'ARG').map((i) => i.args.split('=')[0]);
    expect(args).toContain('TAILOR_TF_WHEEL_SHA256');
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
    expect(sources).toContain(NATIVE_SCRIPT);
    expect(sources).toEqual(
      expect.arrayContaining(['scripts/native-graph.sh', 'native/tailor_graph.cc']),
    );
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
      // Only the script the deps stages run: not setup, tests or build caches.
      'scripts/setup.sh',
      'scripts/test.sh',
      '.cache/native/tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl',
      // The addon as built for the host: each image builds its own.
      'native/build/tailor_graph.node',
    ];
    for (const path of outside) expect(dockerignored(path, dockerignore), path).toBe(true);
  });
});
