import type { Wire } from '../../common/grpc/wire';
import { PROFILE_FIELD_NAMES, type ExperienceRecord, type ProfileRecord, type SkillCategoryRecord } from './portfolio.model';

/** portfolio.v1.Profile: roblox_user_id / roblox_username only when linked. */
export function presentProfile(p: ProfileRecord, wire: Wire): Record<string, unknown> {
  return {
    userId: wire.uuid(p.userId),
    ...(p.robloxUserId ? { robloxUserId: p.robloxUserId, robloxUsername: p.robloxUsername ?? '' } : {}),
    displayName: p.displayName,
    avatarUrl: p.avatarUrl,
    timezone: p.timezone,
    ...Object.fromEntries(PROFILE_FIELD_NAMES.map((f) => [f, p[f]])),
    updatedAt: wire.time(p.updatedAt),
  };
}

/** portfolio.v1.Experience */
export function presentExperience(e: ExperienceRecord, wire: Wire): Record<string, unknown> {
  return {
    id: wire.uuid(e.id),
    title: e.title,
    company: e.company,
    startDate: e.startDate,
    endDate: e.endDate ?? '',
    description: e.description,
    current: e.endDate === null,
    createdAt: wire.time(e.createdAt),
    updatedAt: wire.time(e.updatedAt),
  };
}

/** portfolio.v1.SkillCategory */
export function presentSkillCategory(c: SkillCategoryRecord): Record<string, unknown> {
  return { name: c.name, skills: [...c.skills] };
}
