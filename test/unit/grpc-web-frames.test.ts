import { describe, expect, it } from 'vitest';
import { decodeBase64Body, splitFrames, trailerFrame } from '../../src/common/grpc-web/frames';
import { grpcWebModeOf } from '../../src/common/grpc-web/content-type';

const frame = (payload: string, flag = 0) => {
  const head = Buffer.alloc(5);
  head[0] = flag;
  head.writeUInt32BE(Buffer.byteLength(payload), 1);
  return Buffer.concat([head, Buffer.from(payload)]);
};

async function* chunks(...parts: Buffer[]) {
  for (const p of parts) yield p;
}

async function collect(source: AsyncIterable<Buffer>) {
  const out: string[] = [];
  for await (const f of source) out.push(f.toString('latin1'));
  return out;
}

describe('gRPC-Web framing helpers', () => {
  it('splits a byte stream into whole frames, whatever the chunking', async () => {
    const all = Buffer.concat([frame('first'), frame(''), frame('second message'), frame('grpc-status: 0\r\n', 0x80)]);
    const expected = [frame('first'), frame(''), frame('second message'), frame('grpc-status: 0\r\n', 0x80)].map((b) => b.toString('latin1'));
    expect(await collect(splitFrames(chunks(all)))).toEqual(expected);
    // One byte at a time.
    expect(await collect(splitFrames(chunks(...[...all].map((b) => Buffer.from([b])))))).toEqual(expected);
  });

  it('encodes trailers as the gRPC-Web trailer frame', () => {
    const f = trailerFrame({ 'grpc-status': '3', 'grpc-message': 'bad%20input', 'Grpc-Status-Details-Bin': 'CAM' });
    expect(f[0]).toBe(0x80);
    expect(f.readUInt32BE(1)).toBe(f.length - 5);
    expect(f.subarray(5).toString('latin1')).toBe('grpc-status: 3\r\ngrpc-message: bad%20input\r\ngrpc-status-details-bin: CAM\r\n');
  });

  it('refuses a stream that ends inside a frame', async () => {
    await expect(collect(splitFrames(chunks(frame('whole'), frame('cut').subarray(0, 6))))).rejects.toThrow(/inside a frame/);
  });

  it('decodes base64 bodies, one chunk or several padded ones, and refuses what is not base64', () => {
    const a = frame('a');
    const b = frame('bc');
    expect(decodeBase64Body(Buffer.concat([a, b]).toString('base64'))).toEqual(Buffer.concat([a, b]));
    expect(decodeBase64Body(a.toString('base64') + b.toString('base64'))).toEqual(Buffer.concat([a, b]));
    expect(decodeBase64Body(`${a.toString('base64')}\r\n`)).toEqual(a);
    expect(decodeBase64Body('')).toEqual(Buffer.alloc(0));
    for (const bad of ['!!!', 'QQ=Q', '=QUJD', 'Q', 'QUJD=', 'QQ===']) expect(decodeBase64Body(bad), bad).toBeUndefined();
    // No catastrophic backtracking on long hostile input.
    expect(decodeBase64Body(`${'A'.repeat(200_000)}=!`)).toBeUndefined();
  });

  it('tells gRPC-Web content types apart', () => {
    expect(grpcWebModeOf('application/grpc-web')).toBe('binary');
    expect(grpcWebModeOf('application/grpc-web+proto')).toBe('binary');
    expect(grpcWebModeOf('application/grpc-web-text')).toBe('text');
    expect(grpcWebModeOf('application/grpc-web-text+proto; charset=utf-8')).toBe('text');
    expect(grpcWebModeOf('application/grpc-web+json')).toBe('unsupported');
    expect(grpcWebModeOf('application/grpc')).toBeUndefined();
    expect(grpcWebModeOf('application/grpc+proto')).toBeUndefined();
    expect(grpcWebModeOf('application/json')).toBeUndefined();
    expect(grpcWebModeOf(undefined)).toBeUndefined();
  });
});
