import { html, type Interpolation, SafeHtml } from './html.js';
import { PAGE_STYLE } from './page-style.js';

/**
 * Response headers for a report: the pages run no script and load only their own
 * same-origin images and inline data, so the policy forbids everything else. Should a
 * string ever slip through unescaped, the browser still refuses to run it.
 */
export const REPORT_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
} as const;

export interface Link {
  href: string;
  label: string;
}

export interface Section {
  /** The fragment id, so a section can be linked to. */
  id: string;
  heading: string;
  body: Interpolation;
}

export interface PageOptions {
  title: string;
  /** Shown next to the title, e.g. a status badge. */
  badge?: Interpolation;
  lead?: Interpolation;
  links?: readonly Link[];
  /** Above the sections: something the reader must know first (an unfinished job). */
  notice?: Interpolation;
  sections: readonly Section[];
}

/** A whole HTML document: title, links, an optional notice and headed sections. */
export function page(opts: PageOptions): string {
  const links = opts.links?.length
    ? html`<nav class="links">${opts.links.map((l) => html`<a href="${l.href}">${l.label}</a>`)}</nav>`
    : '';
  const sections = opts.sections.map(
    (s) => html`<section id="${s.id}">
<h2>${s.heading}</h2>
${s.body}
</section>`,
  );
  const doc: SafeHtml = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${opts.title}</title>
<link rel="icon" href="data:,">
<style>${PAGE_STYLE_HTML}</style>
</head>
<body>
<main>
<header>
<h1>${opts.title} ${opts.badge}</h1>
${opts.lead ? html`<p class="lead">${opts.lead}</p>` : ''}
${links}
</header>
${opts.notice ? html`<div class="notice" role="status">${opts.notice}</div>` : ''}
${sections}
</main>
</body>
</html>
`;
  return doc.markup;
}

/** The stylesheet is ours and holds no `<`, so it is inserted as it is. */
const PAGE_STYLE_HTML = new SafeHtml(PAGE_STYLE);
