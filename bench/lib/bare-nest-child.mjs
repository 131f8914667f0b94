// The framework's own floor: a NestJS hybrid app with the service's adapters (Fastify,
// grpc-js) and one controller answering a constant, with no guard, interceptor, pipe,
// logger or metrics. Plain JS, so decorators are applied by hand.
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { GrpcMethod, Transport } from '@nestjs/microservices';
import { protoPath } from 'grpc-health-check';

const [httpPort, grpcPort] = [Number(process.argv[2]), Number(process.argv[3])];

class HelloController {
  hello() {
    return { hello: 'world' };
  }

  check() {
    return { status: 'SERVING' };
  }
}
const method = (name) => Object.getOwnPropertyDescriptor(HelloController.prototype, name);
Reflect.decorate([Get('hello')], HelloController.prototype, 'hello', method('hello'));
Reflect.decorate([GrpcMethod('Health', 'Check')], HelloController.prototype, 'check', method('check'));
Reflect.decorate([Controller()], HelloController);

class AppModule {}
Reflect.decorate([Module({ controllers: [HelloController] })], AppModule);

const app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false });
app.connectMicroservice({ transport: Transport.GRPC, options: { package: 'grpc.health.v1', protoPath, url: `127.0.0.1:${grpcPort}` } });
await app.startAllMicroservices();
await app.listen(httpPort, '127.0.0.1');
process.send('ready');
process.on('SIGTERM', () => process.exit(0));
