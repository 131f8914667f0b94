import type { Server, ServerUnaryCall, ServerWritableStream, sendUnaryData } from '@grpc/grpc-js';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING';

interface HealthRequest {
  service: string;
}
interface HealthResponse {
  status: ServingStatus;
}

/**
 * grpc.health.v1.Health (Check and Watch) over the grpc-health-check service
 * definition. Unlike that package's implementation it can end every Watch
 * stream at shutdown: an open Watch would otherwise hold the gRPC server's
 * graceful shutdown until the grace period runs out.
 */
export class GrpcHealth {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Set<{ service: string; call: ServerWritableStream<HealthRequest, HealthResponse> }>();

  constructor(services: readonly string[], initial: ServingStatus, fixed: Readonly<Record<string, ServingStatus>> = {}) {
    for (const s of services) this.statuses.set(s, initial);
    for (const [s, status] of Object.entries(fixed)) this.statuses.set(s, status);
  }

  setStatus(service: string, status: ServingStatus): void {
    const previous = this.statuses.get(service);
    this.statuses.set(service, status);
    if (previous === status) return;
    for (const w of this.watchers) if (w.service === service) w.call.write({ status });
  }

  /** Sends the final status to every watcher and closes their streams. */
  endWatches(): void {
    for (const w of this.watchers) w.call.end();
    this.watchers.clear();
  }

  addToServer(server: Pick<Server, 'addService'>): void {
    server.addService(healthService, {
      check: (call: ServerUnaryCall<HealthRequest, HealthResponse>, callback: sendUnaryData<HealthResponse>) => {
        const status = this.statuses.get(call.request.service);
        if (status) callback(null, { status });
        else callback({ code: GrpcStatus.NOT_FOUND, details: `Health status unknown for service ${call.request.service}` });
      },
      watch: (call: ServerWritableStream<HealthRequest, HealthResponse>) => {
        const entry = { service: call.request.service, call };
        this.watchers.add(entry);
        call.on('cancelled', () => this.watchers.delete(entry));
        call.write({ status: this.statuses.get(entry.service) ?? 'SERVICE_UNKNOWN' as ServingStatus });
      },
    });
  }
}
