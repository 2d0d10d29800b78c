/**
 * A small Dockerfile reader for static checks: joins continuation lines, drops comments,
 * splits the file into stages and resolves what a build target inherits from the stages
 * it is built FROM.
 */

export interface Instruction {
  /** Upper-case keyword, e.g. `RUN`. */
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string;
  /** 1-based line of the keyword. */
  line: number;
}

export interface Stage {
  /** The `AS` name, if any. */
  name: string | undefined;
  /** The image or stage it starts from, with build args substituted. */
  from: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** Build args declared before the first FROM, with their defaults. */
  globalArgs: Map<string, string | undefined>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions = logicalLines(text);
  const globalArgs = new Map<string, string | undefined>();
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const [image = '', as, name] = words;
      stages.push({
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        from: substitute(image, globalArgs),
        instructions: [],
      });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') {
        const [name = '', value] = splitOnce(instruction.args.trim(), '=');
        globalArgs.set(name, value === undefined ? undefined : unquote(value));
      }
    } else {
      stages[stages.length - 1]?.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** The stage named `name`; throws when there is none. */
export function stage(file: Dockerfile, name: string): Stage {
  const found = file.stages.find((s) => s.name === name);
  if (!found) throw new Error(`no stage named '${name}'`);
  return found;
}

/** The stages a target is built from, base first, ending with the target itself. */
export function lineage(file: Dockerfile, target: string): Stage[] {
  const chain: Stage[] = [];
  let current: Stage | undefined = stage(file, target);
  while (current) {
    if (chain.includes(current)) throw new Error(`stage cycle at '${current.name}'`);
    chain.unshift(current);
    const parent: string = current.from;
    current = file.stages.find((s) => s.name === parent);
  }
  return chain;
}

/** The external image a target's lineage starts from. */
export function baseImage(file: Dockerfile, target: string): string {
  return lineage(file, target)[0]?.from ?? '';
}

/** Every instruction of the target's lineage, base first. */
export function inherited(file: Dockerfile, target: string, keyword: string): Instruction[] {
  return lineage(file, target).flatMap((s) => s.instructions.filter((i) => i.keyword === keyword));
}

/** The last instruction with this keyword that the target sees, if any. */
export function effective(
  file: Dockerfile,
  target: string,
  keyword: string,
): Instruction | undefined {
  return inherited(file, target, keyword).at(-1);
}

/** The ENV a target sets, merged along its lineage. */
export function environment(file: Dockerfile, target: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of inherited(file, target, 'ENV')) {
    for (const match of instruction.args.matchAll(
      /([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S*)/g,
    )) {
      const [, name = '', value = ''] = match;
      env[name] = unquote(value);
    }
  }
  return env;
}

/** The JSON (exec) form of CMD, ENTRYPOINT, VOLUME or HEALTHCHECK's command. */
export function execForm(args: string): string[] {
  const start = args.indexOf('[');
  if (start < 0) throw new Error(`not in exec (JSON) form: ${args}`);
  const parsed: unknown = JSON.parse(args.slice(start));
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
    throw new Error(`not a JSON array of strings: ${args}`);
  }
  return parsed;
}

/** Sources and destination of a COPY, and its `--from` stage if any. */
export function copyParts(instruction: Instruction): {
  from: string | undefined;
  sources: string[];
  destination: string;
} {
  const words = instruction.args.trim().split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), destination: paths.at(-1) ?? '' };
}

function logicalLines(text: string): Instruction[] {
  const result: Instruction[] = [];
  let pending: { parts: string[]; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    // Comments (and parser directives) are whole lines, also inside a continued instruction.
    if (/^\s*#/.test(line)) return;
    if (!pending && line.trim() === '') return;
    const continued = /\\\s*$/.test(line);
    const body = continued ? line.replace(/\\\s*$/, '') : line;
    if (pending) pending.parts.push(body.trim());
    else pending = { parts: [body.trim()], line: index + 1 };
    if (continued) return;
    const joined = pending.parts.filter((p) => p !== '').join(' ');
    const [keyword = '', args = ''] = splitOnce(joined, ' ');
    result.push({ keyword: keyword.toUpperCase(), args: args.trim(), line: pending.line });
    pending = undefined;
  });
  return result;
}

function substitute(value: string, args: Map<string, string | undefined>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a, b) => {
    return args.get(a ?? b) ?? '';
  });
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + separator.length)];
}

function unquote(value: string): string {
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}

/**
 * Whether a build-context path is left out by .dockerignore rules, matched as Docker does:
 * a rule applies when it matches the path or one of its parent directories, `**` spans
 * directories, `!` re-includes, and the last rule that applies wins.
 */
export function dockerignored(path: string, ignoreFile: string): boolean {
  const rules = ignoreFile
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = (negate ? line.slice(1) : line).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negate, pattern: globToRegExp(pattern) };
    });
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (candidates.some((candidate) => rule.pattern.test(candidate))) ignored = !rule.negate;
  }
  return ignored;
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') {
        i++;
        source += '(?:.*/)?';
      } else {
        source += '.*';
      }
    } else if (c === '*') {
      source += '[^/]*';
    } else if (c === '?') {
      source += '[^/]';
    } else {
      source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}
