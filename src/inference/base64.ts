import { InputError } from './errors.js';

const DATA_URL_PREFIX = /^data:[^,]*;base64,/;
const BASE64_BODY = /^[A-Za-z0-9+/_-]*={0,2}$/;
/** `scheme://...`; a `data:` URL has no `//` and stays accepted. */
const URL_LIKE = /^\s*[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * Refuses a string that is a URL, with a message saying why. The API never fetches what a
 * client names (that would let any client make this server send requests inside its network),
 * so the image's bytes have to be sent.
 */
export function refuseUrl(text: string, path: string): void {
  if (URL_LIKE.test(text)) {
    throw new InputError(
      'INSTANCE_INVALID',
      'is a URL; images are never fetched from URLs, send the PNG or JPEG file\'s bytes base64-encoded as {"b64": "..."}',
      { path },
    );
  }
}

/**
 * Strict base64 (standard or URL-safe alphabet, padding optional, line breaks ignored):
 * Node's own decoder silently skips invalid characters, which would turn a mangled upload
 * into a confusing "corrupt image". A `data:...;base64,` prefix is dropped; its media type
 * is ignored because the format is read from the bytes.
 */
export function decodeBase64(text: string, path: string): Uint8Array {
  refuseUrl(text, path);
  const body = text.replace(DATA_URL_PREFIX, '').replace(/\s+/g, '');
  if (body.length === 0) throw new InputError('INSTANCE_INVALID', 'is empty', { path });
  if (!BASE64_BODY.test(body) || body.replace(/=+$/, '').length % 4 === 1) {
    const bad = body.search(/[^A-Za-z0-9+/_=-]/);
    const where = bad >= 0 ? `: unexpected ${JSON.stringify(body[bad])} at position ${bad}` : '';
    throw new InputError(
      'INSTANCE_INVALID',
      `is not valid base64${where}; send the PNG or JPEG file's bytes base64-encoded`,
      { path },
    );
  }
  return new Uint8Array(Buffer.from(body, 'base64'));
}
