import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** The grpc-js call object (peer address, metadata, cancellation) of a gRPC handler. */
export const GrpcCall = createParamDecorator((_: unknown, ctx: ExecutionContext) => ctx.getArgByIndex(2));
