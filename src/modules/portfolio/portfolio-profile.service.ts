import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import { Db } from '../../database/db';
import { UsersRepository } from '../users/users.repository';
import { updatePaths } from './field-mask';
import { PROFILE_FIELD_NAMES, type PortfolioOwnerRef, type ProfileFields, type ProfileRecord } from './portfolio.model';
import { PortfolioRepository } from './portfolio.repository';

export type ProfileInput = Partial<Record<'displayName' | 'timezone' | keyof ProfileFields, string>>;

const PROFILE_PATHS = ['displayName', 'timezone', ...PROFILE_FIELD_NAMES] as const;
type ProfilePath = (typeof PROFILE_PATHS)[number];

/** Handles are stored without the @ people often type in front of them. */
const AT_HANDLES: readonly ProfilePath[] = ['twitter', 'instagram', 'youtube'];

/** The owner selector of a public read: exactly one of user id and Roblox user id. */
export function ownerRefOf(input: { userId?: string; robloxUserId?: string }): PortfolioOwnerRef {
  if (input.userId && !input.robloxUserId) return { userId: input.userId };
  if (input.robloxUserId && !input.userId) return { robloxUserId: input.robloxUserId };
  throw DomainError.validation([{ field: 'owner', description: 'exactly one of userId and robloxUserId is required' }]);
}

export function profileNotFound(): DomainError {
  return new DomainError('PROFILE_NOT_FOUND', 'No such profile');
}

/** GetProfile and UpdateProfile. */
@Injectable()
export class PortfolioProfileService {
  constructor(
    private readonly repo: PortfolioRepository,
    private readonly users: UsersRepository,
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /**
   * The id of the active account a public read names. Suspended, deleted and pending
   * accounts, and Roblox users linked to none, are PROFILE_NOT_FOUND alike.
   */
  async ownerId(owner: PortfolioOwnerRef): Promise<string> {
    const id = await this.repo.findActiveOwner(owner);
    if (!id) throw profileNotFound();
    return id;
  }

  /** A public profile: display name, avatar, time zone and portfolio fields, never email, phone or status. */
  async get(owner: PortfolioOwnerRef): Promise<ProfileRecord> {
    const profile = await this.repo.findProfile(await this.ownerId(owner));
    if (!profile) throw profileNotFound();
    return profile;
  }

  /**
   * AIP-134 partial update of the caller's profile: with `mask` exactly the listed
   * fields change (listed and unset: cleared; the time zone falls back to UTC),
   * without one every field that is set. Values arrive validated; here they are
   * trimmed, country codes upper-cased and a leading @ dropped from handles.
   */
  async update(userId: string, input: ProfileInput, mask: readonly string[] | undefined): Promise<ProfileRecord> {
    const paths = updatePaths<ProfilePath>(mask, PROFILE_PATHS, input, 'UpdateProfileRequest');
    const fields: Partial<Record<keyof ProfileFields, string>> = {};
    let displayName: string | undefined;
    let timezone: string | undefined;
    for (const path of paths) {
      let value = (input[path] ?? '').trim();
      if (path === 'displayName') displayName = value;
      else if (path === 'timezone') timezone = value || 'UTC';
      else {
        if (path === 'countryCode') value = value.toUpperCase();
        if (AT_HANDLES.includes(path)) value = value.replace(/^@/, '');
        fields[path] = value;
      }
    }
    const now = this.clock.now();
    // Display name and time zone are the account's own (user_profiles, shared with users.v1): written by its owner.
    await this.db.transaction(async () => {
      await this.users.updateProfile(userId, { displayName, timezone }, now);
      await this.repo.updateProfile(userId, fields, now);
    });
    const profile = await this.repo.findProfile(userId);
    if (!profile) throw profileNotFound();
    return profile;
  }
}
