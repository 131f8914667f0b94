import { Inject, Injectable } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { parseTrustedProxies, peerAddressOfGrpc, resolveClientIp, type TrustedProxies } from './client-ip';

/** Every value of a header: a repeated x-forwarded-for must be read whole, not just its first copy. */
function all(v: unknown): string[] | undefined {
  const values = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
  return values.length ? values : undefined;
}

/**
 * The client IP of a request on either transport: the socket peer, or what
 * forwarding headers say when (and only when) the peer is a trusted proxy.
 */
@Injectable()
export class RequestOrigin {
  private readonly trusted: TrustedProxies;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.trusted = parseTrustedProxies(config.network.trustedProxies);
  }

  ofHttp(req: FastifyRequest): string {
    return resolveClientIp(
      req.socket?.remoteAddress,
      { forwardedFor: all(req.headers['x-forwarded-for']), realIp: all(req.headers['x-real-ip']) },
      this.trusted,
    );
  }

  ofGrpc(call: { getPeer(): string }, metadata: Metadata): string {
    return resolveClientIp(
      peerAddressOfGrpc(call.getPeer()),
      { forwardedFor: all(metadata.get('x-forwarded-for')), realIp: all(metadata.get('x-real-ip')) },
      this.trusted,
    );
  }
}
