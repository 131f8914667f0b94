import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { PgPortfolioRepository } from './pg-portfolio.repository';
import { PortfolioExperiencesService } from './portfolio-experiences.service';
import { PortfolioProfileService } from './portfolio-profile.service';
import { PortfolioSkillsService } from './portfolio-skills.service';
import { PortfolioGrpcController } from './portfolio.grpc.controller';
import { PortfolioHttpController } from './portfolio.http.controller';
import { PortfolioRepository } from './portfolio.repository';

/** portfolio.v1.PortfolioService: public developer portfolios (profile, experiences, skills). */
@Module({
  imports: [UsersModule],
  controllers: [PortfolioGrpcController, PortfolioHttpController],
  providers: [
    PortfolioProfileService,
    PortfolioExperiencesService,
    PortfolioSkillsService,
    { provide: PortfolioRepository, useClass: PgPortfolioRepository },
  ],
})
export class PortfolioModule {}
