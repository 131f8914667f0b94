import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard, type ThrottlerModuleOptions, type ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerLimitDetail, ThrottlerRequest } from '@nestjs/throttler/dist/throttler.guard.interface';
import type { Metadata } from '@grpc/grpc-js';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { DomainError } from '../errors/domain-error';
import { clientNetworkOf } from '../network/client-network';
import { RequestOrigin } from '../network/request-origin';
import { RATE_LIMIT_BUCKET, RATE_LIMIT_BY } from './rate-limited.decorator';

/** gRPC has no response object to put headers on; RetryInfo carries the delay there. */
const NO_HEADERS = { header: () => undefined };

/**
 * @nestjs/throttler on both transports: the tracker is the client IP as
 * RequestOrigin resolves it (proxies only when trusted), as its network for
 * IPv6 (RATE_LIMIT_IPV6_PREFIX, see clientNetworkOf), the key is the
 * operation's bucket, and a refusal is the RATE_LIMITED DomainError
 * (RESOURCE_EXHAUSTED / 429 with Retry-After).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly origin: RequestOrigin,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return !this.bucketOf(context);
  }

  protected override getRequestResponse(context: ExecutionContext): { req: Record<string, any>; res: Record<string, any> } {
    if (context.getType() === 'rpc') {
      const metadata = context.getArgByIndex(1) as Metadata;
      const call = context.getArgByIndex(2) as { getPeer(): string };
      return { req: { ip: this.origin.ofGrpc(call, metadata), headers: {} }, res: NO_HEADERS };
    }
    const http = context.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    return { req: { ip: this.origin.ofHttp(req), headers: req.headers }, res: http.getResponse() };
  }

  /** One budget per IPv4 address and per IPv6 network: every address of a /64 counts as one client. */
  protected override async getTracker(req: Record<string, any>): Promise<string> {
    return clientNetworkOf(String(req.ip ?? ''), this.config.rateLimit.ipv6Prefix);
  }

  /** The IP's budget, then (with `@RateLimited(bucket, { by })`) the budget of the request field's value. */
  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    await super.handleRequest(props);
    const by = this.reflector.get<string | undefined>(RATE_LIMIT_BY, props.context.getHandler());
    const value = by ? this.fieldOf(props.context, by) : undefined;
    if (value === undefined) return true;
    // Prefixed so a field value can never share a counter with an IP address.
    return super.handleRequest({ ...props, getTracker: async () => `${by}=${value}` });
  }

  protected override generateKey(context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${this.bucketOf(context)}:${tracker}`;
  }

  protected override async throwThrottlingException(_: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new DomainError('RATE_LIMITED', 'Too many requests; retry later', { retryAfterSeconds: Math.max(1, Math.ceil(detail.timeToBlockExpire)) });
  }

  /**
   * The raw field of the request (guards run before validation): the decoded gRPC
   * message or the JSON body. Numbers and strings count alike ("42" and 42); other
   * shapes are left to validation, which refuses them.
   */
  private fieldOf(context: ExecutionContext, field: string): string | undefined {
    const payload: unknown = context.getType() === 'rpc' ? context.getArgByIndex(0) : context.switchToHttp().getRequest<FastifyRequest>().body;
    const value = payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>)[field] : undefined;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    // Folded like identifiers (NFKC, then lower case: foldEmail) so `Victim@x.com`, `victim@x.com`
    // and the fullwidth `ｖictim@x.com` share one budget.
    return typeof value === 'string' && value.trim() !== '' && value.length <= 320 ? value.trim().normalize('NFKC').toLowerCase() : undefined;
  }

  private bucketOf(context: ExecutionContext): string | undefined {
    return this.reflector.get<string | undefined>(RATE_LIMIT_BUCKET, context.getHandler());
  }
}
