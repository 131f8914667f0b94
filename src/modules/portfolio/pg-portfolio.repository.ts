import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import { Db } from '../../database/db';
import { isUniqueViolation } from '../../database/pg-errors';
import {
  PROFILE_FIELD_NAMES, type ExperienceRecord, type ExperienceValues, type PortfolioOwnerRef, type ProfileFields,
  type ProfileRecord, type SkillCategoryRecord,
} from './portfolio.model';
import { PortfolioRepository, type SkillCategoryRef } from './portfolio.repository';

const COLUMN_OF: Record<keyof ProfileFields, string> = {
  theme: 'theme',
  language: 'language',
  countryCode: 'country_code',
  tagline: 'tagline',
  biography: 'biography',
  website: 'website',
  publicEmail: 'public_email',
  twitter: 'twitter',
  instagram: 'instagram',
  facebook: 'facebook',
  youtube: 'youtube',
  github: 'github',
};

interface ProfileRow {
  user_id: string;
  roblox_user_id: string | null;
  roblox_username: string | null;
  display_name: string | null;
  avatar_url: string | null;
  timezone: string | null;
  updated_at: Date;
  [column: string]: unknown;
}

interface ExperienceRow {
  id: string;
  user_id: string;
  title: string;
  company: string;
  start_date: string;
  end_date: string | null;
  description: string;
  created_at: Date;
  updated_at: Date;
}

// Dates as text: a DATE column read through pg becomes a JS Date at local midnight, which shifts across time zones.
const EXPERIENCE_COLUMNS = `id, user_id, title, company, to_char(start_date, 'YYYY-MM-DD') AS start_date,
  to_char(end_date, 'YYYY-MM-DD') AS end_date, description, created_at, updated_at`;

function toExperience(r: ExperienceRow): ExperienceRecord {
  return {
    id: r.id,
    userId: r.user_id,
    title: r.title,
    company: r.company,
    startDate: r.start_date,
    endDate: r.end_date,
    description: r.description,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function titleTaken(): DomainError {
  return new DomainError('EXPERIENCE_TITLE_TAKEN', 'An experience with this title already exists', {
    violations: [{ field: 'title', description: 'is already used by another experience' }],
  });
}

@Injectable()
export class PgPortfolioRepository extends PortfolioRepository {
  constructor(private readonly db: Db) {
    super();
  }

  async findActiveOwner(owner: PortfolioOwnerRef): Promise<string | null> {
    const [column, value] = 'userId' in owner ? ['id', owner.userId] : ['roblox_user_id', owner.robloxUserId];
    const rows = await this.db.query<{ id: string }>(
      `SELECT id FROM users WHERE ${column} = $1 AND status = 'active'`,
      [value],
    );
    return rows[0]?.id ?? null;
  }

  async findProfile(userId: string): Promise<ProfileRecord | null> {
    const columns = Object.values(COLUMN_OF).map((c) => `pp.${c}`).join(', ');
    const rows = await this.db.query<ProfileRow>(
      `SELECT u.id AS user_id, u.roblox_user_id, u.roblox_username, up.display_name, up.avatar_url, up.timezone, ${columns},
              GREATEST(up.updated_at, pp.updated_at) AS updated_at
         FROM users u
         LEFT JOIN user_profiles up ON up.user_id = u.id
         LEFT JOIN portfolio_profiles pp ON pp.user_id = u.id
        WHERE u.id = $1 AND u.status = 'active'`,
      [userId],
    );
    const r = rows[0];
    if (!r) return null;
    const fields = Object.fromEntries(PROFILE_FIELD_NAMES.map((f) => [f, (r[COLUMN_OF[f]] as string | null) ?? ''])) as unknown as ProfileFields;
    return {
      ...fields,
      userId: r.user_id,
      robloxUserId: r.roblox_user_id === null ? null : String(r.roblox_user_id),
      robloxUsername: r.roblox_username,
      displayName: r.display_name ?? '',
      avatarUrl: r.avatar_url ?? '',
      timezone: r.timezone ?? 'UTC',
      updatedAt: r.updated_at,
    };
  }

  async updateProfile(userId: string, fields: Partial<ProfileFields>, now: Date): Promise<void> {
    const names = PROFILE_FIELD_NAMES.filter((f) => fields[f] !== undefined);
    if (!names.length) return;
    const columns = names.map((f) => COLUMN_OF[f]);
    const values = names.map((f) => fields[f]);
    await this.db.execute(
      `INSERT INTO portfolio_profiles (user_id, created_at, updated_at, ${columns.join(', ')})
       VALUES ($1, $2, $2, ${columns.map((_, i) => `$${i + 3}`).join(', ')})
       ON CONFLICT (user_id) DO UPDATE SET updated_at = $2, ${columns.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`,
      [userId, now, ...values],
    );
  }

  async lockPortfolio(userId: string): Promise<void> {
    if (!this.db.inTransaction) throw new Error('lockPortfolio needs a transaction');
    await this.db.query(`SELECT pg_advisory_xact_lock(hashtextextended('portfolio:' || $1::text, 0))`, [userId]);
  }

  async listExperiences(userId: string): Promise<ExperienceRecord[]> {
    const rows = await this.db.query<ExperienceRow>(
      `SELECT ${EXPERIENCE_COLUMNS} FROM portfolio_experiences WHERE user_id = $1 ORDER BY start_date DESC, id DESC`,
      [userId],
    );
    return rows.map(toExperience);
  }

  async countExperiences(userId: string): Promise<number> {
    const rows = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM portfolio_experiences WHERE user_id = $1', [userId]);
    return rows[0].n;
  }

  async insertExperience(userId: string, v: ExperienceValues, now: Date): Promise<ExperienceRecord> {
    try {
      const rows = await this.db.query<ExperienceRow>(
        `INSERT INTO portfolio_experiences (user_id, title, company, start_date, end_date, description, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
         RETURNING ${EXPERIENCE_COLUMNS}`,
        [userId, v.title, v.company, v.startDate, v.endDate, v.description, now],
      );
      return toExperience(rows[0]);
    } catch (e) {
      // Two creations racing with one title: the unique index decides.
      if (isUniqueViolation(e)) throw titleTaken();
      throw e;
    }
  }

  async findExperienceForUpdate(userId: string, id: string): Promise<ExperienceRecord | null> {
    const rows = await this.db.query<ExperienceRow>(
      `SELECT ${EXPERIENCE_COLUMNS} FROM portfolio_experiences WHERE id = $1 AND user_id = $2 FOR UPDATE`,
      [id, userId],
    );
    return rows[0] ? toExperience(rows[0]) : null;
  }

  async updateExperience(id: string, v: ExperienceValues, now: Date): Promise<ExperienceRecord> {
    try {
      const rows = await this.db.query<ExperienceRow>(
        `UPDATE portfolio_experiences
            SET title = $2, company = $3, start_date = $4, end_date = $5, description = $6, updated_at = $7
          WHERE id = $1
          RETURNING ${EXPERIENCE_COLUMNS}`,
        [id, v.title, v.company, v.startDate, v.endDate, v.description, now],
      );
      return toExperience(rows[0]);
    } catch (e) {
      if (isUniqueViolation(e)) throw titleTaken();
      throw e;
    }
  }

  async deleteExperience(userId: string, id: string): Promise<boolean> {
    return (await this.db.execute('DELETE FROM portfolio_experiences WHERE id = $1 AND user_id = $2', [id, userId])) === 1;
  }

  async listSkills(userId: string): Promise<SkillCategoryRecord[]> {
    const rows = await this.db.query<{ name: string; skills: string[] }>(
      `SELECT c.name, COALESCE(array_agg(s.name ORDER BY s.position) FILTER (WHERE s.id IS NOT NULL), '{}') AS skills
         FROM portfolio_skill_categories c
         LEFT JOIN portfolio_skills s ON s.category_id = c.id
        WHERE c.user_id = $1
        GROUP BY c.id, c.name, c.position
        ORDER BY c.position`,
      [userId],
    );
    return rows.map((r) => ({ name: r.name, skills: r.skills }));
  }

  async findCategory(userId: string, name: string): Promise<SkillCategoryRef | null> {
    const rows = await this.db.query<SkillCategoryRef>(
      'SELECT id, name FROM portfolio_skill_categories WHERE user_id = $1 AND lower(name) = lower($2)',
      [userId, name],
    );
    return rows[0] ?? null;
  }

  async countCategories(userId: string): Promise<number> {
    const rows = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM portfolio_skill_categories WHERE user_id = $1', [userId]);
    return rows[0].n;
  }

  async insertCategory(userId: string, name: string, now: Date): Promise<SkillCategoryRef> {
    const rows = await this.db.query<SkillCategoryRef>(
      `INSERT INTO portfolio_skill_categories (user_id, name, position, created_at)
       SELECT $1, $2, COALESCE(max(position), 0) + 1, $3 FROM portfolio_skill_categories WHERE user_id = $1
       RETURNING id, name`,
      [userId, name, now],
    );
    return rows[0];
  }

  async categoryWithSkills(category: SkillCategoryRef): Promise<SkillCategoryRecord> {
    const rows = await this.db.query<{ name: string }>('SELECT name FROM portfolio_skills WHERE category_id = $1 ORDER BY position', [category.id]);
    return { name: category.name, skills: rows.map((r) => r.name) };
  }

  async countSkills(categoryId: string): Promise<number> {
    const rows = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM portfolio_skills WHERE category_id = $1', [categoryId]);
    return rows[0].n;
  }

  async hasSkill(categoryId: string, skill: string): Promise<boolean> {
    const rows = await this.db.query('SELECT 1 FROM portfolio_skills WHERE category_id = $1 AND lower(name) = lower($2)', [categoryId, skill]);
    return rows.length > 0;
  }

  async insertSkill(categoryId: string, skill: string, now: Date): Promise<void> {
    try {
      await this.db.execute(
        `INSERT INTO portfolio_skills (category_id, name, position, created_at)
         SELECT $1, $2, COALESCE(max(position), 0) + 1, $3 FROM portfolio_skills WHERE category_id = $1`,
        [categoryId, skill, now],
      );
    } catch (e) {
      if (isUniqueViolation(e)) throw new DomainError('SKILL_ALREADY_EXISTS', 'The category already has this skill');
      throw e;
    }
  }

  async deleteSkill(categoryId: string, skill: string): Promise<boolean> {
    return (await this.db.execute('DELETE FROM portfolio_skills WHERE category_id = $1 AND lower(name) = lower($2)', [categoryId, skill])) === 1;
  }

  async deleteCategory(userId: string, name: string): Promise<boolean> {
    return (await this.db.execute('DELETE FROM portfolio_skill_categories WHERE user_id = $1 AND lower(name) = lower($2)', [userId, name])) === 1;
  }
}
