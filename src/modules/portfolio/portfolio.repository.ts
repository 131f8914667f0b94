import type {
  ExperienceRecord, ExperienceValues, PortfolioOwnerRef, ProfileFields, ProfileRecord, SkillCategoryRecord,
} from './portfolio.model';

export interface SkillCategoryRef {
  readonly id: string;
  readonly name: string;
}

/** The port of portfolio data; PgPortfolioRepository is the only implementation with SQL. */
export abstract class PortfolioRepository {
  /** The id of the active account a public read names (suspended, deleted or pending: null). */
  abstract findActiveOwner(owner: PortfolioOwnerRef): Promise<string | null>;
  /** The public profile of an active account. */
  abstract findProfile(userId: string): Promise<ProfileRecord | null>;
  /** The portfolio's own fields (portfolio_profiles); the account's display name and time zone are UsersRepository.updateProfile's. */
  abstract updateProfile(userId: string, fields: Partial<ProfileFields>, now: Date): Promise<void>;

  /**
   * Serialises writes to one account's portfolio until the current transaction ends
   * (an advisory lock), so counts, positions and duplicate checks are exact.
   */
  abstract lockPortfolio(userId: string): Promise<void>;

  /** Newest first: latest start date, then latest added. */
  abstract listExperiences(userId: string): Promise<ExperienceRecord[]>;
  abstract countExperiences(userId: string): Promise<number>;
  /** Throws EXPERIENCE_TITLE_TAKEN when the account has the title already (ignoring case). */
  abstract insertExperience(userId: string, values: ExperienceValues, now: Date): Promise<ExperienceRecord>;
  /** One of the account's experiences, row-locked until the transaction ends. */
  abstract findExperienceForUpdate(userId: string, id: string): Promise<ExperienceRecord | null>;
  /** Throws EXPERIENCE_TITLE_TAKEN like insertExperience. */
  abstract updateExperience(id: string, values: ExperienceValues, now: Date): Promise<ExperienceRecord>;
  abstract deleteExperience(userId: string, id: string): Promise<boolean>;

  abstract listSkills(userId: string): Promise<SkillCategoryRecord[]>;
  abstract findCategory(userId: string, name: string): Promise<SkillCategoryRef | null>;
  abstract countCategories(userId: string): Promise<number>;
  /** Appended after the account's other categories. */
  abstract insertCategory(userId: string, name: string, now: Date): Promise<SkillCategoryRef>;
  abstract categoryWithSkills(category: SkillCategoryRef): Promise<SkillCategoryRecord>;
  abstract countSkills(categoryId: string): Promise<number>;
  abstract hasSkill(categoryId: string, skill: string): Promise<boolean>;
  /** Appended after the category's other skills; throws SKILL_ALREADY_EXISTS on a duplicate (ignoring case). */
  abstract insertSkill(categoryId: string, skill: string, now: Date): Promise<void>;
  /** One statement; false when the category has no such skill. */
  abstract deleteSkill(categoryId: string, skill: string): Promise<boolean>;
  /** The category and its skills; false when the account has no such category. */
  abstract deleteCategory(userId: string, name: string): Promise<boolean>;
}
