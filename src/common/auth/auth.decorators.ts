import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal } from './principal';

export const IS_READ_ONLY = 'auth:read-only';
export const REQUIRED_PERMISSIONS = 'auth:permissions';

/**
 * A read-only method may trust a valid access token until it expires, without
 * a database look-up (documented in the README). Everything else re-checks the
 * session on every call.
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
