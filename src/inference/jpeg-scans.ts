/**
 * How many scans (SOS segments) a JPEG holds, found by walking its marker segments and
 * skipping each scan's entropy-coded data. A baseline JPEG has one scan and an ordinary
 * progressive one about ten; decoders visit every block of the image in every scan, so the
 * count multiplies the decoding cost while each extra scan may take only a few bytes.
 *
 * Reads no further than the data allows and never throws: a malformed file is counted as far
 * as it goes and left to the decoder to refuse. Stops counting once past `stopAfter`.
 */
export function countJpegScans(bytes: Uint8Array, stopAfter = Number.POSITIVE_INFINITY): number {
  let scans = 0;
  let offset = 2;
  while (offset + 1 < bytes.length && scans <= stopAfter) {
    if (bytes[offset] !== 0xff) return scans;
    while (bytes[offset] === 0xff) offset++;
    const marker = bytes[offset++];
    if (marker === undefined || marker === 0xd9) return scans;
    // TEM and RST0-7 carry no length field.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (offset + 2 > bytes.length) return scans;
    const length = ((bytes[offset] ?? 0) << 8) | (bytes[offset + 1] ?? 0);
    if (length < 2) return scans;
    offset += length;
    if (marker === 0xda) {
      scans++;
      offset = endOfEntropyData(bytes, offset);
    }
  }
  return scans;
}

/**
 * The offset of the first marker after entropy-coded data starting at `offset`: in the data a
 * 0xFF byte is followed by 0x00 (a stuffed 0xFF), a restart marker (both belong to the scan)
 * or more 0xFF fill bytes. A plain loop: data dense with 0xFF costs one step per byte, where
 * a search call per 0xFF would cost far more.
 */
function endOfEntropyData(bytes: Uint8Array, offset: number): number {
  const last = bytes.length - 1;
  for (let at = offset; at < last; at++) {
    if (bytes[at] !== 0xff) continue;
    const next = bytes[at + 1] as number;
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) at++;
    else if (next !== 0xff) return at;
  }
  return bytes.length;
}
