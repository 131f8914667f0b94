/**
 * How a transport spells the few proto types whose JSON and binary forms
 * differ. Presenters build responses once against a Wire, so both transports
 * answer the same content.
 */
export interface Wire {
  /** google.protobuf.Timestamp: `{seconds, nanos}` on gRPC, RFC 3339 in JSON. */
  time(date: Date | null | undefined): unknown;
  /** google.protobuf.Duration: `{seconds, nanos}` on gRPC, `"300s"` in JSON. */
  duration(seconds: number): unknown;
  /** core.v1.UUID: `{value}` on gRPC, a plain string in JSON. */
  uuid(id: string | null | undefined): unknown;
}

export const GRPC_WIRE: Wire = {
  time: (d) => (d ? { seconds: String(Math.floor(d.getTime() / 1000)), nanos: (d.getTime() % 1000) * 1_000_000 } : null),
  duration: (s) => ({ seconds: String(Math.floor(s)), nanos: Math.round((s % 1) * 1e9) }),
  uuid: (id) => (id ? { value: id } : null),
};

export const JSON_WIRE: Wire = {
  time: (d) => (d ? d.toISOString() : undefined),
  duration: (s) => `${Number.isInteger(s) ? s : s.toFixed(3)}s`,
  uuid: (id) => id ?? undefined,
};
