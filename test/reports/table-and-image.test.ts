import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { html } from '../../src/reports/html.js';
import { grayscaleImage, grayscalePng } from '../../src/reports/image.js';
import { table } from '../../src/reports/table.js';

describe('table', () => {
  const rows = [
    { name: '<b>bold</b>', score: 0.5 },
    { name: 'plain', score: 0.25 },
  ];
  const columns = [
    { header: 'name', cell: (r: (typeof rows)[number]) => r.name },
    { header: 'score', cell: (r: (typeof rows)[number]) => r.score, numeric: true },
  ];

  it('renders one body row per item, escaping text cells', () => {
    const markup = table(rows, columns, { caption: 'Scores' }).markup;
    expect([...markup.matchAll(/<tr>/g)]).toHaveLength(3);
    expect(markup).toContain('<td>&lt;b&gt;bold&lt;/b&gt;</td>');
    expect(markup).toContain('<td class="num">0.25</td>');
    expect(markup).toContain('<caption>Scores</caption>');
  });

  it('puts footer rows in tfoot and keeps SafeHtml cells as markup', () => {
    const markup = table(rows, [{ header: 'link', cell: () => html`<a href="/x">x</a>` }], {
      footer: [rows[0] as (typeof rows)[number]],
    }).markup;
    expect(markup).toMatch(/<tfoot><tr><td><a href="\/x">x<\/a><\/td><\/tr><\/tfoot>/);
  });

  it('says so instead of drawing an empty table', () => {
    expect(table([], columns, { empty: 'Nothing <yet>.' }).markup).toBe(
      '<p class="empty">Nothing &lt;yet&gt;.</p>',
    );
  });
});

describe('grayscale images', () => {
  const pixels = Uint8Array.from({ length: 784 }, (_, i) => i % 256);

  it('encodes pixels as a grayscale PNG that decodes to the same values', () => {
    const png = PNG.sync.read(grayscalePng(pixels, 28, 28));
    expect([png.width, png.height]).toEqual([28, 28]);
    const gray = Array.from({ length: 784 }, (_, i) => png.data[i * 4]);
    expect(gray).toEqual([...pixels]);
  });

  it('inlines the PNG as a data URL with an escaped alt text', () => {
    const img = grayscaleImage(pixels, { alt: '"><script>', scale: 3 }).markup;
    const data = /src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/.exec(img)?.[1] ?? '';
    expect(PNG.sync.read(Buffer.from(data, 'base64')).width).toBe(28);
    expect(img).toContain('width="84" height="84"');
    expect(img).toContain('alt="&quot;&gt;&lt;script&gt;"');
  });

  it('refuses a pixel count that does not match the size', () => {
    expect(() => grayscalePng(new Uint8Array(100), 28, 28)).toThrow(/expected 784 pixels/);
  });
});
