import { describe, expect, it } from 'vitest';
import { escapeHtml, html, join, SafeHtml } from '../../src/reports/html.js';

describe('html escaping', () => {
  it('escapes the five characters that can end text or an attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('escapes interpolated strings and numbers but keeps the template literal as markup', () => {
    const name = '<script>alert(1)</script>';
    expect(html`<td title="${name}">${name}</td>`.markup).toBe(
      '<td title="&lt;script&gt;alert(1)&lt;/script&gt;">&lt;script&gt;alert(1)&lt;/script&gt;</td>',
    );
    expect(html`<b>${42}</b>`.markup).toBe('<b>42</b>');
  });

  it('inserts SafeHtml as it is, so nested templates are escaped exactly once', () => {
    const inner = html`<i>${'a & b'}</i>`;
    expect(html`<p>${inner}</p>`.markup).toBe('<p><i>a &amp; b</i></p>');
  });

  it('joins arrays and drops null, undefined and false', () => {
    const items = ['<x>', html`<br>`, null, undefined, false, 0];
    expect(html`${items}`.markup).toBe('&lt;x&gt;<br>0');
    expect(join(['a<', html`<hr>`], ', ').markup).toBe('a&lt;, <hr>');
  });

  it('never passes a plain string through unescaped, even one that looks like SafeHtml', () => {
    const forged = { markup: '<script>' } as unknown as SafeHtml;
    expect(html`${forged}`.markup).toBe('[object Object]');
    expect(html`${new SafeHtml('<ok>')}`.markup).toBe('<ok>');
  });
});
