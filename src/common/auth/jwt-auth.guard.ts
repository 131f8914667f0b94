import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Metadata } from '@grpc/grpc-js';
import { DomainError } from '../errors/domain-error';
import { AccessTokenVerifier, LiveSessionLookup } from './auth-ports';
import { IS_READ_ONLY, REQUIRED_PERMISSIONS, attachPrincipal } from './auth.decorators';
import { ACCEPTS_CALLER, IS_PUBLIC } from './public.decorator';
import { hasPermissions } from './permissions';

const BEARER = /^Bearer[ \t]+([A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.?[A-Za-z0-9\-_.+/=]*)$/i;

/**
 * The one JWT guard of both transports. Public handlers are marked one by one
 * with @Public(); everything else needs `authorization: Bearer <token>` as an
 * HTTP header or gRPC metadata.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: AccessTokenVerifier,
    private readonly sessions: LiveSessionLookup,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const handler = ctx.getHandler();
    const isPublic = this.reflector.get<boolean>(IS_PUBLIC, handler) === true;
    if (isPublic && !(this.reflector.get<boolean>(ACCEPTS_CALLER, handler) && this.sendsAuthorization(ctx))) return true;
    if (ctx.getType() !== 'rpc' && ctx.getType() !== 'http') return false;

    const token = this.bearerTokenOf(ctx);
    if (!token) throw new DomainError('UNAUTHENTICATED', 'Missing or malformed access token');
    let principal = this.verifier.verify(token);

    const required = this.reflector.get<string[] | undefined>(REQUIRED_PERMISSIONS, handler);
    const readOnly = this.reflector.get<boolean>(IS_READ_ONLY, handler) === true;
    if (!readOnly || required) {
      const live = await this.sessions.find(principal.sessionId, principal.userId);
      if (!live) throw new DomainError('AUTH_SESSION_REVOKED', 'Invalid or expired access token');
      principal = { ...principal, role: live.role, permissions: live.permissions };
      if (required && !hasPermissions(live.permissions, required)) {
        throw new DomainError('PERMISSION_DENIED', 'The caller lacks the permission for this operation');
      }
    }
    attachPrincipal(ctx, principal);
    return true;
  }

  private sendsAuthorization(ctx: ExecutionContext): boolean {
    return this.authorizationOf(ctx) !== undefined;
  }

  /** The raw authorization header (HTTP) or metadata value (gRPC). */
  private authorizationOf(ctx: ExecutionContext): unknown {
    if (ctx.getType() === 'rpc') return (ctx.getArgByIndex(1) as Metadata | undefined)?.get('authorization')[0];
    if (ctx.getType() === 'http') return ctx.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers.authorization;
    return undefined;
  }

  private bearerTokenOf(ctx: ExecutionContext): string | undefined {
    const header = this.authorizationOf(ctx);
    if (typeof header !== 'string' || header.length > 8192) return undefined;
    return BEARER.exec(header)?.[1];
  }
}
