import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import { Db } from '../../database/db';
import { PORTFOLIO_LIMITS, type SkillCategoryRecord } from './portfolio.model';
import { PortfolioRepository, type SkillCategoryRef } from './portfolio.repository';

/** ListSkills, AddSkill, RemoveSkill, DeleteSkillCategory. Names compare ignoring case and surrounding spaces. */
@Injectable()
export class PortfolioSkillsService {
  constructor(
    private readonly repo: PortfolioRepository,
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Categories in creation order, skills in the order added; `userId` is an active account. */
  async list(userId: string): Promise<SkillCategoryRecord[]> {
    return this.repo.listSkills(userId);
  }

  /**
   * Appends a skill, creating the category when needed. Runs under the account's
   * portfolio lock, so parallel adds see each other: the same skill added twice at
   * once is stored once (the other gets SKILL_ALREADY_EXISTS), positions never
   * collide, and the limits hold exactly.
   */
  async add(userId: string, categoryName: string, skillName: string): Promise<SkillCategoryRecord> {
    const [name, skill] = [categoryName.trim(), skillName.trim()];
    return this.db.transaction(async () => {
      await this.repo.lockPortfolio(userId);
      const now = this.clock.now();
      let category = await this.repo.findCategory(userId, name);
      if (!category) {
        if ((await this.repo.countCategories(userId)) >= PORTFOLIO_LIMITS.skillCategories) {
          throw new DomainError('SKILL_CATEGORY_LIMIT_REACHED', `A portfolio holds at most ${PORTFOLIO_LIMITS.skillCategories} skill categories`);
        }
        category = await this.repo.insertCategory(userId, name, now);
      }
      if (await this.repo.hasSkill(category.id, skill)) {
        throw new DomainError('SKILL_ALREADY_EXISTS', `The category "${category.name}" already has this skill`);
      }
      if ((await this.repo.countSkills(category.id)) >= PORTFOLIO_LIMITS.skillsPerCategory) {
        throw new DomainError('SKILL_LIMIT_REACHED', `A skill category holds at most ${PORTFOLIO_LIMITS.skillsPerCategory} skills`);
      }
      await this.repo.insertSkill(category.id, skill, now);
      return this.repo.categoryWithSkills(category);
    });
  }

  /** Removes one skill (a single DELETE); the category stays, possibly empty. */
  async remove(userId: string, categoryName: string, skillName: string): Promise<SkillCategoryRecord> {
    const category = await this.category(userId, categoryName);
    if (!(await this.repo.deleteSkill(category.id, skillName.trim()))) {
      throw new DomainError('SKILL_NOT_FOUND', `The category "${category.name}" has no such skill`);
    }
    return this.repo.categoryWithSkills(category);
  }

  async deleteCategory(userId: string, categoryName: string): Promise<void> {
    if (!(await this.repo.deleteCategory(userId, categoryName.trim()))) throw categoryNotFound();
  }

  private async category(userId: string, name: string): Promise<SkillCategoryRef> {
    const category = await this.repo.findCategory(userId, name.trim());
    if (!category) throw categoryNotFound();
    return category;
  }
}

function categoryNotFound(): DomainError {
  return new DomainError('SKILL_CATEGORY_NOT_FOUND', 'No such skill category');
}
