/** Where avatars live: an S3-compatible bucket (S3AvatarStorage), or nothing when S3 is not configured. */
export abstract class AvatarStorage {
  /** False without S3_URL: the avatar methods answer FAILED_PRECONDITION. */
  abstract readonly configured: boolean;
  /** A URL that accepts exactly one PUT of `contentType` and `contentLength` bytes to `key` for `expiresInSeconds`. */
  abstract presignPut(key: string, contentType: string, contentLength: number, expiresInSeconds: number): Promise<string>;
  /** The stored object's type and size, or null when there is none. */
  abstract head(key: string): Promise<{ contentType: string; size: number } | null>;
  /** Deletes the objects; missing ones are fine. */
  abstract delete(keys: readonly string[]): Promise<void>;
  /** The public link of an object (S3_PUBLIC_URL as base, else the bucket URL). */
  abstract publicUrl(key: string): string;
}
