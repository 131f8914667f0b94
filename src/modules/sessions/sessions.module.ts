import { Module } from '@nestjs/common';
import { PgSessionsRepository } from './pg-sessions.repository';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { SessionsGrpcController, SessionsHttpController } from './sessions.controllers';

@Module({
  controllers: [SessionsGrpcController, SessionsHttpController],
  providers: [{ provide: SessionsRepository, useClass: PgSessionsRepository }, SessionsService],
  exports: [SessionsService],
})
export class SessionsModule {}
