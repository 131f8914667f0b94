// A lean gRPC unary client for benchmarks whose requests differ call by call (h2load
// sends one pre-encoded body): node:http2 streams on a few connections, with the
// protobuf bodies encoded and decoded by the caller. grpc-js as a client costs about
// as much CPU per call as the server it loads (BENCHMARKS.md); this costs a fraction.
import http2 from 'node:http2';
import { grpcFrame } from './h2load.mjs';

/** Protobuf wire format for one length-delimited field (strings, bytes, messages). */
export function lengthDelimited(fieldNumber, bytes) {
  const body = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  const len = [];
  for (let n = body.length; ; n >>>= 7) {
    if (n < 0x80) {
      len.push(n);
      break;
    }
    len.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([(fieldNumber << 3) | 2, ...len]), body]);
}

/** The bytes of length-delimited field `fieldNumber` in a protobuf message (first occurrence), or undefined. */
export function readLengthDelimited(message, fieldNumber) {
  let i = 0;
  const varint = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = message[i++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
  };
  while (i < message.length) {
    const key = varint();
    const [field, wire] = [Math.floor(key / 8), key & 7];
    if (wire === 0) varint();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const len = varint();
      if (field === fieldNumber) return message.subarray(i, i + len);
      i += len;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return undefined;
}

/** `connections` HTTP/2 sessions to `address`; call(i, path, body) uses session i % connections. */
export function h2UnaryClient(address, connections = 4) {
  const sessions = Array.from({ length: connections }, () => http2.connect(`http://${address}`));
  return {
    /** Resolves with the response message bytes; rejects on a grpc-status other than 0. */
    call(i, path, message) {
      return new Promise((resolve, reject) => {
        const stream = sessions[i % connections].request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
        const chunks = [];
        let status;
        stream.on('response', (headers) => (status = headers['grpc-status']));
        stream.on('trailers', (trailers) => (status = trailers['grpc-status'] ?? status));
        stream.on('data', (c) => chunks.push(c));
        stream.on('error', reject);
        stream.on('end', () => {
          if (String(status) !== '0') return reject(new Error(`grpc-status ${status}`));
          const frame = Buffer.concat(chunks);
          resolve(frame.subarray(5, 5 + frame.readUInt32BE(1)));
        });
        stream.end(grpcFrame(message));
      });
    },
    close() {
      for (const s of sessions) s.close();
    },
  };
}
