import type { MisclassifiedSample } from '../ml/misclassified.js';
import { percent } from './format.js';
import { html, type SafeHtml } from './html.js';
import { grayscaleImage } from './image.js';

/** One mistake as the job record holds it; `pixels` is base64 of the image's bytes. */
export type MisclassifiedRecord = MisclassifiedSample;

/**
 * The records that have the expected shape. Job records come from workers of any version,
 * so a malformed entry is dropped rather than allowed to break the page.
 */
export function readMisclassified(value: unknown): MisclassifiedRecord[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter(
    (v): v is MisclassifiedRecord =>
      typeof v === 'object' &&
      v !== null &&
      Number.isInteger(v.index) &&
      Number.isInteger(v.label) &&
      Number.isInteger(v.predicted) &&
      typeof v.confidence === 'number' &&
      typeof v.pixels === 'string',
  );
}

/** Mistakes as small images, each captioned with the true and the predicted class. */
export function misclassifiedGallery(
  records: readonly MisclassifiedRecord[],
  className: (label: number) => string,
  size = { width: 28, height: 28 },
): SafeHtml {
  const figures = records.map((r) => {
    const pixels = new Uint8Array(Buffer.from(r.pixels, 'base64'));
    const caption = `test image ${r.index}: a ${className(r.label)} taken for a ${className(r.predicted)}`;
    const image =
      pixels.length === size.width * size.height
        ? grayscaleImage(pixels, { ...size, alt: caption, scale: 4 })
        : html`<p class="empty">image unavailable (${pixels.length} bytes)</p>`;
    return html`<figure class="sample" data-index="${r.index}">
${image}
<figcaption>#${r.index}: <strong>${className(r.label)}</strong><br>predicted ${className(r.predicted)} (${percent(r.confidence)})</figcaption>
</figure>`;
  });
  return html`<div class="samples">${figures}</div>`;
}
