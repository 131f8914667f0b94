/** Flag of the frame that carries gRPC-Web's trailers (the gRPC-Web protocol spec). */
const TRAILER_FLAG = 0x80;

/**
 * The gRPC-Web trailer frame: `name: value` lines joined by CRLF (names in lower case),
 * prefixed like a message but with the trailer flag. Values are passed as grpc-js wrote them
 * (grpc-message percent-encoded, -bin values base64), so nothing is escaped here.
 */
export function trailerFrame(trailers: Readonly<Record<string, string>>): Buffer {
  const block = Buffer.from(Object.entries(trailers).map(([name, value]) => `${name.toLowerCase()}: ${value}\r\n`).join(''), 'latin1');
  const head = Buffer.alloc(5);
  head[0] = TRAILER_FLAG;
  head.writeUInt32BE(block.length, 1);
  return Buffer.concat([head, block]);
}

/**
 * Splits a byte stream of gRPC length-prefixed frames (1 flag byte, 4 length bytes, the
 * message) into whole frames, each yielded as one buffer with its prefix. Only text mode
 * needs it (base64 is encoded per frame); binary mode passes chunks through untouched.
 */
export async function* splitFrames(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 5) {
      const size = 5 + pending.readUInt32BE(1);
      if (pending.length < size) break;
      yield pending.subarray(0, size);
      pending = pending.subarray(size);
    }
  }
  if (pending.length) throw new Error('The stream ended inside a frame');
}

/**
 * The bytes of a gRPC-Web text body: base64, possibly several padded chunks one after the
 * other (clients may encode each frame on its own). Undefined when it is not base64.
 */
export function decodeBase64Body(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/=]*$/.test(compact)) return undefined;
  const parts: Buffer[] = [];
  let covered = 0;
  for (const m of compact.matchAll(/[A-Za-z0-9+/]+(?:={1,2})?/g)) {
    const data = m[0].replace(/=+$/, '');
    // A stray '=', a chunk that cannot end in whole bytes, or padding in the wrong place.
    if (m.index !== covered || data.length % 4 === 1 || (m[0].length !== data.length && m[0].length % 4 !== 0)) return undefined;
    parts.push(Buffer.from(m[0], 'base64'));
    covered += m[0].length;
  }
  return covered === compact.length ? Buffer.concat(parts) : undefined;
}
