/**
 * The one list of the gRPC services this process serves: the server loads their proto
 * files and packages from it, and grpc.health.v1 reports each of them by name. v1 and v2
 * of a package are bound to the same handlers (`@GrpcMethod('AuthService', ...)`).
 */
export const SERVED_GRPC_SERVICES = [
  { pkg: 'auth.v1', service: 'AuthService', protoFile: 'auth/v1/auth.proto' },
  { pkg: 'auth.v2', service: 'AuthService', protoFile: 'auth/v2/auth.proto' },
  { pkg: 'users.v1', service: 'UserService', protoFile: 'users/v1/users.proto' },
  { pkg: 'users.v2', service: 'UserService', protoFile: 'users/v2/users.proto' },
  { pkg: 'roblox.v1', service: 'RobloxService', protoFile: 'roblox/v1/roblox.proto' },
  { pkg: 'portfolio.v1', service: 'PortfolioService', protoFile: 'portfolio/v1/portfolio.proto' },
] as const;

/** The packages served. */
export const GRPC_PACKAGES: string[] = SERVED_GRPC_SERVICES.map((s) => s.pkg);

/** The proto files of those packages, relative to proto/. */
export const PROTO_FILES: string[] = [...new Set(SERVED_GRPC_SERVICES.map((s) => s.protoFile))];

/** Services reported by grpc.health.v1 with the readiness state: '' (the whole server) and each fully-qualified service. */
export const HEALTH_SERVICES: string[] = ['', ...SERVED_GRPC_SERVICES.map((s) => `${s.pkg}.${s.service}`)];

/**
 * A grpc.health.v1 name that is SERVING while the process answers at all, like
 * GET /health/live: for gRPC liveness and startup probes, which must not restart pods
 * during a database outage (the names above follow readiness).
 */
export const LIVENESS_HEALTH_SERVICE = 'liveness';
