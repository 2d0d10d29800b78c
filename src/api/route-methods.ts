/**
 * The methods each route path takes, so that a known path asked with another method can
 * answer 405 with `Allow` (RFC 9110, section 15.5.6) rather than 404.
 */
export class RouteMethods {
  private readonly routes: { pattern: RegExp; methods: Set<string> }[] = [];
  private readonly byUrl = new Map<string, Set<string>>();

  add(methods: string | readonly string[], url: string): void {
    let known = this.byUrl.get(url);
    if (!known) {
      known = new Set();
      this.byUrl.set(url, known);
      this.routes.push({ pattern: toPattern(url), methods: known });
    }
    for (const method of typeof methods === 'string' ? [methods] : methods) known.add(method);
  }

  /** The methods some route takes at this path (no query string), sorted; [] if none. */
  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const route of this.routes) {
      if (route.pattern.test(path)) for (const m of route.methods) methods.add(m);
    }
    return [...methods].sort();
  }
}

/**
 * A fastify route url as a regular expression: `:name` matches within a segment, `::` is a
 * literal colon and `*` matches the rest (https://github.com/delvedor/find-my-way#usage).
 */
function toPattern(url: string): RegExp {
  let source = '';
  for (let i = 0; i < url.length; i++) {
    const c = url[i] as string;
    if (c === ':' && url[i + 1] === ':') {
      source += ':';
      i++;
    } else if (c === ':') {
      while (i + 1 < url.length && /\w/.test(url[i + 1] as string)) i++;
      source += '[^/]+?';
    } else if (c === '*') {
      source += '.*';
    } else {
      source += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}/?$`);
}
