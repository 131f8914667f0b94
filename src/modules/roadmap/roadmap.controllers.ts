import { Controller, Delete, Get, Patch, Post, Put, type Type } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../../common/auth/public.decorator';
import { DomainError } from '../../common/errors/domain-error';
import { PENDING_METHODS, type PendingMethod } from './pending-methods';

const HTTP_VERB = { GET: Get, POST: Post, PUT: Put, PATCH: Patch, DELETE: Delete } as const;

function fail(m: PendingMethod): never {
  throw DomainError.notImplemented(`${m.service}.${m.method}`, m.capability);
}

/** Defines one handler per pending method on a fresh class and applies the decorators to it. */
function bind(target: Type, key: string, m: PendingMethod, decorate: MethodDecorator[]): void {
  Object.defineProperty(target.prototype, key, { value: () => fail(m), writable: true, configurable: true });
  const descriptor = Object.getOwnPropertyDescriptor(target.prototype, key)!;
  for (const d of m.public ? [Public(), ...decorate] : decorate) d(target.prototype, key, descriptor);
}

export class RoadmapGrpcController {}
export class RoadmapHttpController {}

for (const m of PENDING_METHODS) {
  bind(RoadmapGrpcController, m.method, m, [GrpcMethod(m.service, m.method)]);
  bind(RoadmapHttpController, m.method, m, [
    HTTP_VERB[m.http.verb](m.http.path),
    ApiOperation({ summary: `${m.service}.${m.method} (not built yet: ${m.capability})` }),
    ApiResponse({ status: 501, description: 'Not implemented yet' }),
  ]);
}
Controller()(RoadmapGrpcController);
ApiTags('not yet built')(RoadmapHttpController);
Controller(['v1', 'v2'])(RoadmapHttpController);
