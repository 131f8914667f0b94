import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal } from './principal';

export const IS_READ_ONLY = 'auth:read-only';
export const REQUIRED_PERMISSIONS = 'auth:permissions';

/**
 * Skips the guard's live-session look-up: the method trusts a valid access token
 * until it expires. Only for a method that returns nothing beyond the token's own
 * claims (GetAccessTokenClaims) or that checks the session itself in the statement
 * reading its data (ValidateCredentials). A method that returns other personal data
 * (sessions' IP addresses and devices, profiles) must not use it: a revoked session
 * reads nothing. Everything else re-checks the session on every call.
 */
export const ReadOnly = (): MethodDecorator => SetMetadata(IS_READ_ONLY, true);

/** Permissions (keys of the role's JSONB permissions; `*` grants all) the caller's current role must hold. */
export const RequirePermissions = (...permissions: string[]): MethodDecorator => SetMetadata(REQUIRED_PERMISSIONS, permissions);

const principals = new WeakMap<object, Principal>();

/** The object a principal is attached to: the Fastify request, or the gRPC call. */
function carrierOf(ctx: ExecutionContext): object {
  return ctx.getType() === 'rpc' ? (ctx.getArgByIndex(2) as object) : ctx.switchToHttp().getRequest<object>();
}

export function attachPrincipal(ctx: ExecutionContext, principal: Principal): void {
  principals.set(carrierOf(ctx), principal);
}

export function principalOf(ctx: ExecutionContext): Principal | undefined {
  return principals.get(carrierOf(ctx));
}

/** The caller set by the JWT guard; on public methods, undefined. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext) => principalOf(ctx));
