import { Inject, Injectable, Logger } from '@nestjs/common';
import type { S3Client } from '@aws-sdk/client-s3';
import { DomainError } from '../../common/errors/domain-error';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { AvatarStorage } from './avatar-storage';

/** The SDK is loaded on first use: it is large, and a service without S3_URL never needs it. */
type S3Sdk = typeof import('@aws-sdk/client-s3') & Pick<typeof import('@aws-sdk/s3-request-presigner'), 'getSignedUrl'>;

interface Location {
  readonly endpoint: string;
  readonly bucket: string;
  /** Key prefix from any path after the bucket (`https://host/bucket/some/prefix/`). */
  readonly prefix: string;
  readonly publicBase: string;
}

/** `https://host[:port]/bucket[/prefix]/` (path-style) into endpoint, bucket and key prefix. */
export function parseS3Url(s3Url: string, publicUrl?: string): Location {
  const url = new URL(s3Url);
  const [bucket, ...rest] = url.pathname.split('/').filter(Boolean);
  const prefix = rest.length ? `${rest.join('/')}/` : '';
  const bucketUrl = `${url.origin}/${bucket}/`;
  const publicBase = publicUrl ? publicUrl.replace(/\/*$/, '/') : bucketUrl;
  return { endpoint: url.origin, bucket, prefix, publicBase };
}

/**
 * Avatars in an S3-compatible bucket through @aws-sdk/client-s3, path-style. The
 * client is built on first use: readiness never depends on S3, and a service
 * without S3_URL answers "storage not configured" only on the avatar methods.
 */
@Injectable()
export class S3AvatarStorage extends AvatarStorage {
  private readonly logger = new Logger('AvatarStorage');
  private readonly location?: Location;
  private client?: Promise<{ s3: S3Client; sdk: S3Sdk }>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
    if (config.s3.url) this.location = parseS3Url(config.s3.url, config.s3.publicUrl);
  }

  get configured(): boolean {
    return this.location !== undefined;
  }

  async presignPut(key: string, contentType: string, contentLength: number, expiresInSeconds: number): Promise<string> {
    const { s3, sdk, location } = await this.connection();
    const command = new sdk.PutObjectCommand({ Bucket: location.bucket, Key: location.prefix + key, ContentType: contentType, ContentLength: contentLength });
    // Content type and length are signed: the URL accepts no other type or size.
    return this.call(() => sdk.getSignedUrl(s3, command, { expiresIn: expiresInSeconds, signableHeaders: new Set(['content-type', 'content-length']) }));
  }

  async head(key: string): Promise<{ contentType: string; size: number } | null> {
    const { s3, sdk, location } = await this.connection();
    try {
      const out = await s3.send(new sdk.HeadObjectCommand({ Bucket: location.bucket, Key: location.prefix + key }));
      return { contentType: out.ContentType ?? '', size: out.ContentLength ?? 0 };
    } catch (e) {
      if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return null;
      throw this.unavailable(e);
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    const { s3, sdk, location } = await this.connection();
    await this.call(() => Promise.all(keys.map((key) => s3.send(new sdk.DeleteObjectCommand({ Bucket: location.bucket, Key: location.prefix + key })))));
  }

  publicUrl(key: string): string {
    const location = this.requireLocation();
    return location.publicBase + location.prefix + key;
  }

  private requireLocation(): Location {
    if (!this.location) throw new DomainError('STORAGE_NOT_CONFIGURED', 'storage not configured');
    return this.location;
  }

  private async connection(): Promise<{ s3: S3Client; sdk: S3Sdk; location: Location }> {
    const location = this.requireLocation();
    this.client ??= this.connect(location);
    return { ...(await this.client), location };
  }

  private async connect(location: Location): Promise<{ s3: S3Client; sdk: S3Sdk }> {
    const sdk: S3Sdk = { ...(await import('@aws-sdk/client-s3')), getSignedUrl: (await import('@aws-sdk/s3-request-presigner')).getSignedUrl };
    const s3 = new sdk.S3Client({
      endpoint: location.endpoint,
      region: this.config.s3.region,
      forcePathStyle: true,
      // Without keys the SDK's default chain applies (instance roles, web identity).
      credentials: this.config.s3.accessKeyId && this.config.s3.secretAccessKey
        ? { accessKeyId: this.config.s3.accessKeyId, secretAccessKey: this.config.s3.secretAccessKey.reveal() }
        : undefined,
      // Otherwise the SDK signs a CRC32 of an empty body into presigned URLs, which a real upload never matches.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 2,
    });
    return { s3, sdk };
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.unavailable(e);
    }
  }

  private unavailable(e: unknown): DomainError {
    this.logger.warn({ err: { type: (e as Error)?.name, message: (e as Error)?.message } }, 'S3 request failed');
    return new DomainError('STORAGE_UNAVAILABLE', 'The avatar storage is unavailable; try again later', { retryAfterSeconds: 5 });
  }
}
