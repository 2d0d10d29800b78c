const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits bytes into UTF-8 lines at '\n' (dropping a '\r' before it). A line longer than
 * `maxBytes()` bytes ends the iteration with `tooLong()` as soon as that many bytes are
 * pending, so one endless line cannot be held in memory (node:readline would hold it all).
 */
export async function* splitLines(
  chunks: AsyncIterable<Buffer>,
  maxBytes: () => number,
  tooLong: () => Error,
): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let pendingLength = 0;
  for await (const chunk of chunks) {
    let start = 0;
    for (let end = chunk.indexOf(LF, start); end >= 0; end = chunk.indexOf(LF, start)) {
      if (pendingLength + end - start > maxBytes()) throw tooLong();
      const piece = chunk.subarray(start, end);
      const line = pendingLength > 0 ? Buffer.concat([...pending, piece]) : piece;
      pending = [];
      pendingLength = 0;
      start = end + 1;
      yield decode(line);
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingLength += chunk.length - start;
      if (pendingLength > maxBytes()) throw tooLong();
    }
  }
  if (pendingLength > 0) yield decode(Buffer.concat(pending));
}

function decode(line: Buffer): string {
  const end = line.length > 0 && line[line.length - 1] === CR ? line.length - 1 : line.length;
  return line.toString('utf8', 0, end);
}
