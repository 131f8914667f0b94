import { Module } from '@nestjs/common';
import { RoadmapGrpcController, RoadmapHttpController } from './roadmap.controllers';

@Module({ controllers: [RoadmapGrpcController, RoadmapHttpController] })
export class RoadmapModule {}
