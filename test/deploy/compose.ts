import { parse } from 'yaml';

/** The parts of a compose service the deployment checks read. */
export interface ComposeService {
  image?: string;
  build?: { context?: string; target?: string } | string;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | { target: number; published?: string | number })[];
  volumes?: (string | { type?: string; source?: string; target: string })[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  profiles?: string[];
  container_name?: string;
  deploy?: {
    resources?: {
      reservations?: {
        devices?: { driver?: string; count?: number | string; capabilities?: string[] }[];
      };
    };
  };
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** Variables interpolated from the shell or `.env`, and the default each is given. */
export type ComposeVariables = Map<string, string | undefined>;

/**
 * Parses a compose file (YAML merge keys included) and interpolates `${VAR:-default}`,
 * `${VAR-default}` and `${VAR}` with their defaults, as compose does with none of them set.
 */
export function loadCompose(text: string): { file: ComposeFile; variables: ComposeVariables } {
  const variables: ComposeVariables = new Map();
  const raw: unknown = parse(text, { merge: true });
  const file = interpolate(raw, variables) as ComposeFile;
  if (typeof file !== 'object' || file === null || typeof file.services !== 'object') {
    throw new Error('not a compose file: no services');
  }
  return { file, variables };
}

function interpolate(value: unknown, variables: ComposeVariables): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
      (match, braced?: string, operator?: string, fallback?: string, bare?: string) => {
        if (match === '$$') return '$';
        const name = (braced ?? bare) as string;
        const given = operator ? fallback : undefined;
        if (!variables.has(name) || given !== undefined) variables.set(name, given);
        return given ?? '';
      },
    );
  }
  if (Array.isArray(value)) return value.map((item) => interpolate(item, variables));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolate(item, variables)]),
    );
  }
  return value;
}

/** A service's `environment`, list or map form, as strings. */
export function serviceEnvironment(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)]),
  );
}

/** `command` as an argument list. */
export function serviceCommand(service: ComposeService): string[] {
  const command = service.command ?? [];
  return Array.isArray(command) ? command : command.split(/\s+/).filter(Boolean);
}

/** Named-volume mounts as `{ source, target }`. */
export function serviceMounts(service: ComposeService): { source: string; target: string }[] {
  return (service.volumes ?? []).map((volume) => {
    if (typeof volume !== 'string') return { source: volume.source ?? '', target: volume.target };
    const [source = '', target = ''] = volume.split(':');
    return { source, target };
  });
}

/** Container ports a service publishes. */
export function containerPorts(service: ComposeService): number[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port !== 'string') return port.target;
    const container = port.split(':').at(-1) ?? '';
    return Number(container.split('/')[0]);
  });
}

export function buildTarget(service: ComposeService): string | undefined {
  return typeof service.build === 'object' ? service.build.target : undefined;
}
