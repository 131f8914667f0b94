import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal';
import { Clock } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { AvatarStorage } from './avatar-storage';
import { PROFILE_WRITE, USERS_WRITE, UserAccess } from './user-access';
import { UserAdminRepository } from './user-admin.repository';
import { UsersRepository } from '../users/users.repository';

/** How long a presigned upload URL stays valid. */
export const AVATAR_UPLOAD_TTL_SECONDS = 300;

export const AVATAR_TYPES: Readonly<Record<string, string>> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };

export function avatarKey(userId: string, extension: string): string {
  return `users/${userId}/avatar.${extension}`;
}

/** GetAvatarUploadUrl, ConfirmAvatarUpload, DeleteAvatar: the user themself (`profile:write`) or `users:write`. */
@Injectable()
export class AvatarsService {
  private readonly logger = new Logger('Avatars');

  constructor(
    private readonly storage: AvatarStorage,
    private readonly repo: UserAdminRepository,
    private readonly users: UsersRepository,
    private readonly access: UserAccess,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A presigned PUT for `users/{id}/avatar.{ext}`, remembered so the confirmation can check the upload. */
  async uploadUrl(actor: Principal, userId: string, contentType: string, contentSize: number): Promise<{ url: string; expiresInSeconds: number }> {
    await this.authorize(actor, userId);
    const extension = AVATAR_TYPES[contentType];
    if (!extension) throw DomainError.validation([{ field: 'contentType', description: 'must be image/jpeg, image/png or image/webp' }]);
    const max = this.config.users.avatarMaxBytes;
    if (!Number.isSafeInteger(contentSize) || contentSize < 1 || contentSize > max) {
      throw DomainError.validation([{ field: 'contentSize', description: `must be from 1 to ${max} bytes` }]);
    }
    const key = avatarKey(userId, extension);
    const url = await this.storage.presignPut(key, contentType, contentSize, AVATAR_UPLOAD_TTL_SECONDS);
    await this.repo.savePendingAvatar({ userId, objectKey: key, contentType, contentSize, createdAt: this.clock.now() });
    return { url, expiresInSeconds: AVATAR_UPLOAD_TTL_SECONDS };
  }

  /**
   * Checks the uploaded object against what was announced (type, and a size that
   * is the announced one and within AVATAR_MAX_BYTES), then stores its URL with
   * a version parameter so caches see the new picture. A mismatching object is deleted.
   */
  async confirm(actor: Principal, userId: string): Promise<string> {
    await this.authorize(actor, userId);
    const pending = await this.repo.findPendingAvatar(userId);
    if (!pending) throw new DomainError('AVATAR_NOT_UPLOADED', 'No avatar upload to confirm: ask for an upload URL first');
    const object = await this.storage.head(pending.objectKey);
    if (!object) throw new DomainError('AVATAR_NOT_UPLOADED', 'The avatar has not been uploaded yet');
    const type = object.contentType.split(';')[0].trim().toLowerCase();
    if (type !== pending.contentType || object.size !== pending.contentSize || object.size > this.config.users.avatarMaxBytes) {
      await this.storage.delete([pending.objectKey]);
      await this.repo.deletePendingAvatar(userId);
      throw new DomainError('AVATAR_UPLOAD_MISMATCH', 'The uploaded object does not have the announced content type and size');
    }
    const now = this.clock.now();
    const url = `${this.storage.publicUrl(pending.objectKey)}?v=${now.getTime()}`;
    await this.users.setAvatarUrl(userId, url, now);
    await this.repo.deletePendingAvatar(userId);
    // A previous avatar of another type would otherwise stay in the bucket forever.
    const others = Object.values(AVATAR_TYPES).map((ext) => avatarKey(userId, ext)).filter((key) => key !== pending.objectKey);
    await this.storage.delete(others).catch(() => undefined);
    this.logger.log({ userId, by: actor.userId }, 'Avatar updated');
    return url;
  }

  /** Deletes the avatar objects (every type) and clears the URL. */
  async delete(actor: Principal, userId: string): Promise<void> {
    await this.authorize(actor, userId);
    await this.storage.delete(Object.values(AVATAR_TYPES).map((ext) => avatarKey(userId, ext)));
    await this.repo.deletePendingAvatar(userId);
    await this.users.setAvatarUrl(userId, null, this.clock.now());
    this.logger.log({ userId, by: actor.userId }, 'Avatar deleted');
  }

  private async authorize(actor: Principal, userId: string): Promise<void> {
    this.access.requireFor(actor, userId, PROFILE_WRITE, USERS_WRITE);
    const target = await this.users.findById(userId);
    if (!target || target.status === 'deleted') throw new DomainError('USER_NOT_FOUND', 'No such user');
    await this.access.requireManageable(actor, target);
    if (!this.storage.configured) throw new DomainError('STORAGE_NOT_CONFIGURED', 'storage not configured');
  }
}
