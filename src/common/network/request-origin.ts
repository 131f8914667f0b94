import { Inject, Injectable } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { bridgedCallOf } from '../grpc-web/bridge-marker';
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
    return this.ofConnection(req.socket?.remoteAddress, req.headers);
  }

  /** A request read off a socket directly (gRPC-Web over cleartext HTTP/2). */
  ofConnection(remoteAddress: string | undefined, headers: Record<string, unknown>): string {
    return resolveClientIp(
      remoteAddress,
      { forwardedFor: all(headers['x-forwarded-for']), realIp: all(headers['x-real-ip']) },
      this.trusted,
    );
  }

  /** A call bridged from gRPC-Web carries the address the HTTP side resolved (ofHttp); its socket peer is the bridge. */
  ofGrpc(call: { getPeer(): string }, metadata: Metadata): string {
    const bridged = bridgedCallOf(metadata);
    if (bridged) return bridged.clientIp;
    return resolveClientIp(
      peerAddressOfGrpc(call.getPeer()),
      { forwardedFor: all(metadata.get('x-forwarded-for')), realIp: all(metadata.get('x-real-ip')) },
      this.trusted,
    );
  }
}
