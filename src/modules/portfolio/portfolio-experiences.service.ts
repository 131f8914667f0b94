import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { DomainError, type FieldViolation } from '../../common/errors/domain-error';
import { Db } from '../../database/db';
import { updatePaths } from './field-mask';
import { PORTFOLIO_LIMITS, type ExperienceRecord, type ExperienceValues } from './portfolio.model';
import { PortfolioRepository } from './portfolio.repository';

export interface ExperienceInput {
  readonly title?: string;
  readonly company?: string;
  readonly startDate?: string;
  readonly endDate?: string;
  readonly description?: string;
}

const EXPERIENCE_PATHS = ['title', 'company', 'startDate', 'endDate', 'description'] as const;
type ExperiencePath = (typeof EXPERIENCE_PATHS)[number];

function notFound(): DomainError {
  return new DomainError('EXPERIENCE_NOT_FOUND', 'No such experience');
}

/** ListExperiences, CreateExperience, UpdateExperience, DeleteExperience. */
@Injectable()
export class PortfolioExperiencesService {
  constructor(
    private readonly repo: PortfolioRepository,
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Newest first; `userId` is an active account (PortfolioProfileService.ownerId). */
  async list(userId: string): Promise<ExperienceRecord[]> {
    return this.repo.listExperiences(userId);
  }

  /**
   * Adds an experience. Titles are unique per account ignoring case: the unique index
   * decides between creations racing with one title (EXPERIENCE_TITLE_TAKEN); the count
   * limit holds exactly under the account's portfolio lock.
   */
  async create(userId: string, input: ExperienceInput): Promise<ExperienceRecord> {
    const values = checked({
      title: input.title?.trim() ?? '',
      company: input.company?.trim() ?? '',
      startDate: input.startDate ?? '',
      endDate: input.endDate || null,
      description: input.description?.trimEnd() ?? '',
    });
    return this.db.transaction(async () => {
      await this.repo.lockPortfolio(userId);
      if ((await this.repo.countExperiences(userId)) >= PORTFOLIO_LIMITS.experiences) {
        throw new DomainError('EXPERIENCE_LIMIT_REACHED', `A portfolio holds at most ${PORTFOLIO_LIMITS.experiences} experiences`);
      }
      return this.repo.insertExperience(userId, values, this.clock.now());
    });
  }

  /**
   * AIP-134 partial update of one of the caller's experiences (others' are
   * EXPERIENCE_NOT_FOUND): with `mask` exactly the listed fields, an unset end_date
   * making it a current role; without one every field that is set.
   */
  async update(userId: string, id: string, input: ExperienceInput, mask: readonly string[] | undefined): Promise<ExperienceRecord> {
    const paths = updatePaths<ExperiencePath>(mask, EXPERIENCE_PATHS, input, 'UpdateExperienceRequest');
    return this.db.transaction(async () => {
      const current = await this.repo.findExperienceForUpdate(userId, id);
      if (!current) throw notFound();
      if (!paths.length) return current;
      const next: { -readonly [K in keyof ExperienceValues]: ExperienceValues[K] } = {
        title: current.title, company: current.company, startDate: current.startDate, endDate: current.endDate, description: current.description,
      };
      for (const path of paths) {
        if (path === 'endDate') next.endDate = input.endDate || null;
        else if (path === 'description') next.description = input.description?.trimEnd() ?? '';
        else if (path === 'startDate') next.startDate = input.startDate ?? '';
        else next[path] = input[path]?.trim() ?? '';
      }
      return this.repo.updateExperience(id, checked(next), this.clock.now());
    });
  }

  async delete(userId: string, id: string): Promise<void> {
    if (!(await this.repo.deleteExperience(userId, id))) throw notFound();
  }
}

/** The rules that span fields or survive a partial update: a title and a start date, and no end before the start. */
function checked(values: ExperienceValues): ExperienceValues {
  const violations: FieldViolation[] = [];
  if (!values.title) violations.push({ field: 'title', description: 'title is required' });
  if (!values.startDate) violations.push({ field: 'startDate', description: 'startDate is required' });
  // YYYY-MM-DD strings compare like the dates they name.
  if (values.startDate && values.endDate && values.endDate < values.startDate) {
    violations.push({ field: 'endDate', description: 'endDate must not be before startDate' });
  }
  if (violations.length) throw DomainError.validation(violations);
  return values;
}
