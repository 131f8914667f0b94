/** Whose portfolio a public read names: an account id or a linked Roblox user id. */
export type PortfolioOwnerRef = { readonly userId: string } | { readonly robloxUserId: string };

/** The public fields stored by the portfolio (display name and time zone are the account's). */
export interface ProfileFields {
  readonly theme: string;
  readonly language: string;
  readonly countryCode: string;
  readonly tagline: string;
  readonly biography: string;
  readonly website: string;
  readonly publicEmail: string;
  readonly twitter: string;
  readonly instagram: string;
  readonly facebook: string;
  readonly youtube: string;
  readonly github: string;
}

export const PROFILE_FIELD_NAMES = [
  'theme', 'language', 'countryCode', 'tagline', 'biography', 'website', 'publicEmail', 'twitter', 'instagram', 'facebook', 'youtube', 'github',
] as const satisfies readonly (keyof ProfileFields)[];

/** A public profile: never the account's email, phone or status. */
export interface ProfileRecord extends ProfileFields {
  readonly userId: string;
  readonly robloxUserId: string | null;
  readonly robloxUsername: string | null;
  readonly displayName: string;
  readonly avatarUrl: string;
  readonly timezone: string;
  readonly updatedAt: Date;
}

export interface ExperienceValues {
  readonly title: string;
  readonly company: string;
  /** YYYY-MM-DD */
  readonly startDate: string;
  /** YYYY-MM-DD, or null for a current role. */
  readonly endDate: string | null;
  readonly description: string;
}

export interface ExperienceRecord extends ExperienceValues {
  readonly id: string;
  readonly userId: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface SkillCategoryRecord {
  readonly name: string;
  readonly skills: readonly string[];
}

/** Bounds on one account's portfolio, with clear errors past them. */
export const PORTFOLIO_LIMITS = {
  experiences: 100,
  skillCategories: 20,
  skillsPerCategory: 50,
} as const;
