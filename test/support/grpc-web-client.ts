import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { create, createFileRegistry, fromBinary, toBinary, type DescMessage, type DescService } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { createClient, type Client, type Transport } from '@connectrpc/connect';
import { createGrpcWebTransport } from '@connectrpc/connect-web';
import { createGrpcWebTransport as createNodeGrpcWebTransport } from '@connectrpc/connect-node';
import { decodeStatusDetails } from '../../src/common/errors/grpc-status-details';

const ROOT = path.resolve(__dirname, '../..');

/**
 * The descriptors of proto/ as a gRPC-Web client would compile them, built by buf at
 * test time (no generated code to keep in step): @bufbuild/protobuf reads them at run time.
 */
export const protoRegistry = createFileRegistry(
  fromBinary(FileDescriptorSetSchema, execFileSync(path.join(ROOT, 'node_modules/.bin/buf'), ['build', '-o', '-'], { cwd: ROOT, maxBuffer: 64 << 20 })),
);

export function serviceDesc(name: string): DescService {
  const s = protoRegistry.getService(name);
  if (!s) throw new Error(`no service ${name} in proto/`);
  return s;
}

export function messageDesc(name: string): DescMessage {
  const m = protoRegistry.getMessage(name);
  if (!m) throw new Error(`no message ${name} in proto/`);
  return m;
}

/** @connectrpc/connect-web's gRPC-Web transport (fetch, HTTP/1.1: what a browser does). */
export function browserTransport(baseUrl: string): Transport {
  return createGrpcWebTransport({ baseUrl, useBinaryFormat: true });
}

/** gRPC-Web over cleartext HTTP/2 with prior knowledge (@connectrpc/connect-node). */
export function h2cTransport(baseUrl: string): Transport {
  return createNodeGrpcWebTransport({ baseUrl, httpVersion: '2', useBinaryFormat: true });
}

export function grpcWebClient(transport: Transport, service: string): Client<any> {
  return createClient(serviceDesc(service), transport);
}

/** A message's bytes, from a plain init object (field names in lowerCamelCase). */
export function encode(message: string, init: Record<string, unknown>): Uint8Array {
  const desc = messageDesc(message);
  return toBinary(desc, create(desc, init as never));
}

/** Frames a message as gRPC/gRPC-Web does: flag byte, 4-byte length, the message. */
export function frame(bytes: Uint8Array, flag = 0): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flag;
  head.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([head, bytes]);
}

export interface TextModeAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly messages: Buffer[];
  readonly trailers: Record<string, string>;
}

/**
 * A gRPC-Web text call (`application/grpc-web-text`: base64 both ways) with fetch:
 * connect-web speaks binary only, and the grpc-web package needs a browser XHR. The
 * body is decoded one padded base64 chunk at a time, as the grpc-web package does.
 */
export async function grpcWebText(baseUrl: string, method: string, request: Uint8Array, headers: Record<string, string> = {}): Promise<TextModeAnswer> {
  const res = await fetch(`${baseUrl}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/grpc-web-text', accept: 'application/grpc-web-text', 'x-grpc-web': '1', ...headers },
    body: frame(request).toString('base64'),
  });
  const text = await res.text();
  const bytes = Buffer.concat((text.match(/[A-Za-z0-9+/]+=*/g) ?? []).map((c) => Buffer.from(c, 'base64')));
  const messages: Buffer[] = [];
  const trailers: Record<string, string> = {};
  for (let at = 0; at + 5 <= bytes.length;) {
    const size = bytes.readUInt32BE(at + 1);
    const body = bytes.subarray(at + 5, at + 5 + size);
    if (bytes[at]! & 0x80) {
      for (const line of body.toString('latin1').split('\r\n')) {
        const i = line.indexOf(':');
        if (i > 0) trailers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
    } else messages.push(body);
    at += 5 + size;
  }
  // A trailers-only answer carries the status in the HTTP headers.
  for (const k of ['grpc-status', 'grpc-message', 'grpc-status-details-bin']) {
    const v = res.headers.get(k);
    if (v !== null && trailers[k] === undefined) trailers[k] = v;
  }
  return { status: res.status, headers: res.headers, messages, trailers };
}

/** The google.rpc.Status details of a grpc-status-details-bin value (base64). */
export function detailsOf(bin: string | undefined) {
  return bin ? decodeStatusDetails(Buffer.from(bin, 'base64')) : undefined;
}

/**
 * The grpc-web package (Google's gRPC-Web client) in text mode (`application/grpc-web-text`,
 * what it sends by default), running in Node on xhr2's XMLHttpRequest. Message types come
 * from the descriptors above; serialisation is @bufbuild/protobuf's.
 */
export function googleGrpcWebText(baseUrl: string) {
  (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest ??= require('xhr2');
  const grpcWeb = require('grpc-web') as typeof import('grpc-web');
  const client = new grpcWeb.GrpcWebClientBase({ format: 'text' });
  const descriptor = (path: string, type: 'unary' | 'server_streaming', request: string, response: string) => {
    const req = messageDesc(request);
    const res = messageDesc(response);
    return new grpcWeb.MethodDescriptor(
      path, type, Object as never, Object as never,
      (init: Record<string, unknown>) => toBinary(req, create(req, init as never)),
      (bytes: Uint8Array) => fromBinary(res, bytes),
    );
  };
  return {
    unary<T = any>(path: string, request: string, response: string, init: Record<string, unknown>, metadata: Record<string, string> = {}): Promise<T> {
      return new Promise((resolve, reject) => {
        client.rpcCall(`${baseUrl}${path}`, init, metadata, descriptor(path, 'unary', request, response), (err, res) => (err ? reject(err) : resolve(res as T)));
      });
    },
    /** The messages of a server stream, with the first one's arrival reported to `onFirst`. */
    stream<T = any>(path: string, request: string, response: string, init: Record<string, unknown>, metadata: Record<string, string> = {}): Promise<T[]> {
      return new Promise((resolve, reject) => {
        const items: T[] = [];
        const call = client.serverStreaming(`${baseUrl}${path}`, init, metadata, descriptor(path, 'server_streaming', request, response));
        call.on('data', (m) => items.push(m as T));
        call.on('error', reject);
        call.on('end', () => resolve(items));
      });
    },
  };
}
