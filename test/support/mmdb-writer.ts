/**
 * A minimal MaxMind DB (MMDB v2) writer for tests: an IPv6 search tree (IPv4 networks
 * live at ::/96, where readers look them up) with 24-bit records, then the data section
 * and the metadata, as the format specification lays them out. No npm package writes
 * MMDB files and none ships MaxMind's test databases, so tests build their own.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type MmdbValue = string | number | bigint | boolean | readonly MmdbValue[] | { readonly [key: string]: MmdbValue };

export interface MmdbNetwork {
  /** `81.2.69.0/24` or `2001:218::/32`. */
  readonly cidr: string;
  readonly data: MmdbValue;
}

export interface MmdbOptions {
  readonly databaseType: string;
  readonly description?: string;
  readonly languages?: readonly string[];
  readonly buildEpochSeconds?: number;
}

const RECORD_BITS = 24;
const DATA_SECTION_SEPARATOR = Buffer.alloc(16);
const METADATA_MARKER = Buffer.concat([Buffer.from([0xab, 0xcd, 0xef]), Buffer.from('MaxMind.com')]);

// Type numbers of the MaxMind DB data format.
const T = { string: 2, double: 3, uint16: 5, uint32: 6, map: 7, uint64: 9, array: 11, boolean: 14 } as const;

interface TreeNode {
  readonly children: [Child, Child];
}
type Child = TreeNode | { readonly dataOffset: number } | null;

/** Builds the bytes of a MaxMind DB holding `networks` (which must not overlap). */
export function buildMmdb(networks: readonly MmdbNetwork[], options: MmdbOptions): Buffer {
  const data: Buffer[] = [];
  const offsets = new Map<string, number>();
  let dataSize = 0;
  const root: TreeNode = { children: [null, null] };

  for (const { cidr, data: value } of networks) {
    const key = JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    let dataOffset = offsets.get(key);
    if (dataOffset === undefined) {
      const encoded = encode(value);
      dataOffset = dataSize;
      offsets.set(key, dataOffset);
      data.push(encoded);
      dataSize += encoded.length;
    }
    insert(root, networkBits(cidr), dataOffset, cidr);
  }

  // Breadth-first numbering: the root is node 0, as readers expect.
  const nodes: TreeNode[] = [root];
  const ids = new Map<TreeNode, number>([[root, 0]]);
  for (let i = 0; i < nodes.length; i++) {
    for (const child of nodes[i]!.children) {
      if (child && 'children' in child) {
        ids.set(child, nodes.length);
        nodes.push(child);
      }
    }
  }
  const nodeCount = nodes.length;
  const recordOf = (child: Child): number => {
    if (child === null) return nodeCount; // "no data"
    if ('children' in child) return ids.get(child)!;
    return nodeCount + DATA_SECTION_SEPARATOR.length + child.dataOffset;
  };
  const tree = Buffer.alloc(nodeCount * ((RECORD_BITS * 2) / 8));
  nodes.forEach((node, i) => {
    const [left, right] = node.children.map(recordOf) as [number, number];
    if (Math.max(left, right) >= 2 ** RECORD_BITS) throw new Error('Test database too large for 24-bit records');
    tree.writeUIntBE(left, i * 6, 3);
    tree.writeUIntBE(right, i * 6 + 3, 3);
  });

  const metadata = Buffer.concat([
    header(T.map, 9),
    encode('node_count'), uint(T.uint32, nodeCount),
    encode('record_size'), uint(T.uint16, RECORD_BITS),
    encode('ip_version'), uint(T.uint16, 6),
    encode('database_type'), encode(options.databaseType),
    encode('languages'), encode(options.languages ?? ['en']),
    encode('binary_format_major_version'), uint(T.uint16, 2),
    encode('binary_format_minor_version'), uint(T.uint16, 0),
    encode('build_epoch'), uint(T.uint64, BigInt(options.buildEpochSeconds ?? Math.floor(Date.now() / 1000))),
    encode('description'), encode({ en: options.description ?? 'Test database' }),
  ]);

  return Buffer.concat([tree, DATA_SECTION_SEPARATOR, ...data, METADATA_MARKER, metadata]);
}

function insert(root: TreeNode, bits: readonly number[], dataOffset: number, cidr: string): void {
  if (bits.length === 0) throw new Error(`${cidr}: a /0 network is not supported`);
  let node = root;
  for (let depth = 0; depth < bits.length - 1; depth++) {
    const bit = bits[depth]!;
    let next = node.children[bit]!;
    if (next === null) {
      next = { children: [null, null] };
      node.children[bit] = next;
    }
    if (!('children' in next)) throw new Error(`${cidr} overlaps another network`);
    node = next;
  }
  const last = bits[bits.length - 1]!;
  if (node.children[last] !== null) throw new Error(`${cidr} overlaps another network`);
  node.children[last] = { dataOffset };
}

/** The leading bits of a network in the IPv6 tree; IPv4 networks sit under ::/96. */
function networkBits(cidr: string): number[] {
  const [address = '', lengthText = ''] = cidr.split('/');
  const length = Number(lengthText);
  let bytes: number[];
  let offset: number;
  if (isIPv4(address)) {
    bytes = [...new Array<number>(12).fill(0), ...address.split('.').map(Number)];
    offset = 96;
  } else if (isIPv6(address) && !address.includes('.')) {
    bytes = ipv6Bytes(address);
    offset = 0;
  } else {
    throw new Error(`${cidr}: not a network`);
  }
  if (!Number.isInteger(length) || length < 0 || offset + length > 128) throw new Error(`${cidr}: bad prefix length`);
  const bits: number[] = [];
  for (let i = 0; i < offset + length; i++) bits.push((bytes[i >> 3]! >> (7 - (i & 7))) & 1);
  return bits;
}

function ipv6Bytes(address: string): number[] {
  const [head, tail] = address.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.flatMap((g) => {
    const v = parseInt(g, 16);
    return [v >> 8, v & 0xff];
  });
}

/** Encodes a value in the MaxMind DB data format (no pointers, so no deduplication inside). */
function encode(value: MmdbValue): Buffer {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([header(T.string, bytes.length), bytes]);
  }
  if (typeof value === 'boolean') return header(T.boolean, value ? 1 : 0);
  if (typeof value === 'bigint') return uint(T.uint64, value);
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value < 2 ** 32) return uint(T.uint32, value);
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(value);
    return Buffer.concat([header(T.double, 8), bytes]);
  }
  if (Array.isArray(value)) {
    return Buffer.concat([header(T.array, value.length), ...value.map((v: MmdbValue) => encode(v))]);
  }
  const entries = Object.entries(value as { readonly [key: string]: MmdbValue });
  return Buffer.concat([header(T.map, entries.length), ...entries.flatMap(([k, v]) => [encode(k), encode(v)])]);
}

/** An unsigned integer in its minimal big-endian width, as the format requires. */
function uint(type: number, value: number | bigint): Buffer {
  let v = BigInt(value);
  const bytes: number[] = [];
  while (v > 0n) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return Buffer.concat([header(type, bytes.length), Buffer.from(bytes)]);
}

/** Control byte (plus extended-type byte for types above 7) and size extension bytes. */
function header(type: number, size: number): Buffer {
  let sizeBits: number;
  let extra: number[];
  if (size < 29) {
    sizeBits = size;
    extra = [];
  } else if (size < 285) {
    sizeBits = 29;
    extra = [size - 29];
  } else if (size < 65_821) {
    sizeBits = 30;
    extra = [(size - 285) >> 8, (size - 285) & 0xff];
  } else {
    const v = size - 65_821;
    sizeBits = 31;
    extra = [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
  }
  return Buffer.from(type <= 7 ? [(type << 5) | sizeBits, ...extra] : [sizeBits, type - 7, ...extra]);
}
