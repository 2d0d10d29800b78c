import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.js';
import {
  buildTarget,
  containerPorts,
  loadCompose,
  serviceCommand,
  serviceEnvironment,
  serviceMounts,
} from './compose.js';
import { environment, parseDockerfile } from './dockerfile.js';
import {
  configVariables,
  DEFAULT_PORT,
  readRepoFile,
  repoRoot,
  SERVICE_COMMANDS,
} from './project.js';

const COMPOSE_FILE = 'docker-compose.yml';
const { file: compose } = loadCompose(readRepoFile(COMPOSE_FILE));
const dockerfile = parseDockerfile(readRepoFile('Dockerfile'));
const services = compose.services;

/** The tailor services, the command each runs and the image target each is built from. */
const TAILOR_SERVICES = {
  api: { command: 'serve', target: 'cpu' },
  'worker-gpu': { command: 'worker', target: 'gpu' },
  'worker-cpu': { command: 'worker', target: 'cpu' },
} as const;
type TailorService = keyof typeof TAILOR_SERVICES;
const TAILOR_NAMES = Object.keys(TAILOR_SERVICES) as TailorService[];
const WORKERS: TailorService[] = ['worker-gpu', 'worker-cpu'];

function service(name: string) {
  const found = services[name];
  if (!found) throw new Error(`${COMPOSE_FILE} has no service '${name}'`);
  return found;
}

/** What the container sees: the image's ENV overlaid with the service's environment. */
function containerEnv(name: TailorService): Record<string, string> {
  return {
    ...environment(dockerfile, TAILOR_SERVICES[name].target),
    ...serviceEnvironment(service(name)),
  };
}

describe(COMPOSE_FILE, () => {
  it('has redis, minio with its bucket, the api and a gpu and a cpu worker', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['api', 'minio', 'minio-bucket', 'redis', ...WORKERS].sort(),
    );
  });

  it.each(TAILOR_NAMES)('%s runs its tailor command from the right image target', (name) => {
    const { command, target } = TAILOR_SERVICES[name];
    const args = serviceCommand(service(name));
    expect(args).toEqual([command]);
    expect(SERVICE_COMMANDS).toContain(args[0]);
    expect(buildTarget(service(name))).toBe(target);
    expect(dockerfile.stages.map((s) => s.name)).toContain(target);
    expect(service(name).image).toMatch(new RegExp(`:${target}$`));
  });

  it.each(TAILOR_NAMES)("%s sets only tailor's settings, and valid ones", (name) => {
    const known = configVariables();
    for (const variable of Object.keys(serviceEnvironment(service(name)))) {
      expect(known, `${name}: ${variable}`).toContain(variable);
    }
    expect(() => readConfig(containerEnv(name))).not.toThrow();
  });

  it.each(TAILOR_NAMES)(
    '%s uses the redis service and the minio bucket, after both are ready',
    (name) => {
      const url = new URL(containerEnv(name).REDIS_URL ?? '');
      expect(url.protocol).toBe('redis:');
      expect(url.hostname).toBe('redis');
      expect(url.port).toBe('6379');
      expect(service(name).depends_on).toEqual({
        redis: { condition: 'service_healthy' },
        'minio-bucket': { condition: 'service_completed_successfully' },
      });
    },
  );

  it('runs every tailor service on one queue prefix', () => {
    const prefixes = TAILOR_NAMES.map((name) => readConfig(containerEnv(name)).queuePrefix);
    expect(new Set(prefixes).size).toBe(1);
  });

  it('publishes the api on the port the api listens on, the default PORT', () => {
    const api = service('api');
    const config = readConfig(containerEnv('api'));
    expect(config.port).toBe(DEFAULT_PORT);
    expect(config.host).toBe('0.0.0.0');
    expect(containerPorts(api)).toEqual([DEFAULT_PORT]);
    // The image's HEALTHCHECK (GET /healthz) applies to the api.
    expect(api.healthcheck).toBeUndefined();
  });

  it('keeps models, checkpoints and data sets in the bucket the one-shot service creates', () => {
    const configs = TAILOR_NAMES.map((name) => readConfig(containerEnv(name)).storage);
    expect(new Set(configs.map((c) => JSON.stringify(c))).size).toBe(1);
    const [storage] = configs;
    if (storage?.kind !== 's3') throw new Error('the compose file does not use an S3 store');
    expect(storage).toMatchObject({ endpoint: 'http://minio:9000', forcePathStyle: true });
    const minio = service('minio');
    const minioEnv = serviceEnvironment(minio);
    expect(storage.credentials).toEqual({
      accessKeyId: minioEnv.MINIO_ROOT_USER,
      secretAccessKey: minioEnv.MINIO_ROOT_PASSWORD,
    });
    expect(serviceCommand(minio).slice(0, 2)).toEqual(['server', '/data']);
    expect(JSON.stringify(minio.healthcheck?.test)).toContain('mc');
    const data = serviceMounts(minio).find((m) => m.target === '/data');
    expect(Object.keys(compose.volumes ?? {})).toContain(data?.source);
    // The bucket service makes exactly the bucket tailor is given, and may find it there.
    const bucket = service('minio-bucket');
    expect(bucket.depends_on).toEqual({ minio: { condition: 'service_healthy' } });
    expect(serviceEnvironment(bucket).S3_BUCKET).toBe(storage.bucket);
    expect(serviceCommand(bucket).join(' ')).toMatch(
      /mc mb --ignore-existing "tailor\/\$+S3_BUCKET"/,
    );
    // No volume of models: a worker on another host needs only Redis and the bucket.
    for (const name of TAILOR_NAMES) {
      const targets = serviceMounts(service(name)).map((m) => m.target);
      expect(targets).not.toContain(containerEnv(name).TAILOR_ARTIFACT_DIR);
    }
  });

  it('keeps redis durable, never evicting, with a health check and a volume', () => {
    const redis = service('redis');
    expect(redis.image).toMatch(/^redis:7(\.|-|$)/);
    const args = serviceCommand(redis);
    const option = (name: string) => args[args.indexOf(name) + 1];
    expect(args[0]).toBe('redis-server');
    expect(option('--appendonly')).toBe('yes');
    expect(option('--maxmemory-policy')).toBe('noeviction');
    expect(redis.healthcheck?.disable).not.toBe(true);
    expect(JSON.stringify(redis.healthcheck?.test)).toContain('redis-cli ping');
    const data = serviceMounts(redis).find((m) => m.target === '/data');
    expect(Object.keys(compose.volumes ?? {})).toContain(data?.source);
  });

  it('reserves NVIDIA GPUs for the gpu worker', () => {
    const devices = service('worker-gpu').deploy?.resources?.reservations?.devices ?? [];
    expect(devices).toHaveLength(1);
    const [device] = devices;
    expect(device?.driver).toBe('nvidia');
    expect(device?.capabilities).toContain('gpu');
    expect(
      device?.count === 'all' || (Number.isInteger(device?.count) && Number(device?.count) > 0),
    ).toBe(true);
    expect(readConfig(containerEnv('worker-gpu')).backend).toBe('tensorflow-gpu');
  });

  it('starts workers by profile, and the cpu worker can be scaled', () => {
    expect(service('worker-gpu').profiles).toEqual(['gpu']);
    expect(service('worker-cpu').profiles).toEqual(['cpu']);
    for (const name of ['api', 'redis', 'minio', 'minio-bucket']) {
      expect(service(name).profiles).toBeUndefined();
    }
    // --scale needs no fixed container name and no host port.
    expect(service('worker-cpu').container_name).toBeUndefined();
    expect(service('worker-cpu').ports).toBeUndefined();
  });

  it.each(WORKERS)('%s turns off the HTTP health check it has no server for', (name) => {
    expect(service(name).healthcheck?.disable).toBe(true);
  });
});

/** `docker compose` (v2) or `docker-compose` (v1), whichever answers. */
function composeCli(): string[] | undefined {
  for (const cli of [['docker', 'compose'], ['docker-compose']]) {
    const [bin = '', ...args] = cli;
    const probe = spawnSync(bin, [...args, 'version'], { encoding: 'utf8', timeout: 20_000 });
    if (probe.status === 0) return cli;
  }
  return undefined;
}

const cli = composeCli();

describe.skipIf(!cli)(`${cli?.join(' ') ?? 'docker compose'} config`, () => {
  it('accepts the file with every profile', () => {
    const [bin = '', ...args] = cli ?? [];
    const result = spawnSync(
      bin,
      [...args, '-f', COMPOSE_FILE, '--profile', 'cpu', '--profile', 'gpu', 'config', '-q'],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 60_000,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
      },
    );
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
  });
});
