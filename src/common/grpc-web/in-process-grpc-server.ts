import { ServerGrpc, type GrpcOptions } from '@nestjs/microservices';
import { Server, type ServerOptions } from '@grpc/grpc-js';

/**
 * Nest's gRPC transport, with its grpc-js Server reachable (ServerGrpc.unwrap() throws)
 * and the separate listener optional: with `bindSeparatePort` false (GRPC_PORT=0) the
 * server binds nothing and serves only the connections the shared port injects.
 */
export class InProcessGrpcServer extends ServerGrpc {
  constructor(
    options: Readonly<GrpcOptions>['options'],
    private readonly bindSeparatePort: boolean,
  ) {
    super(options);
  }

  override async createClient(): Promise<Server> {
    if (this.bindSeparatePort) return (await super.createClient()) as Server;
    const options = this as unknown as { options: { maxReceiveMessageLength?: number; maxSendMessageLength?: number } };
    const channelOptions: ServerOptions = {};
    if (options.options.maxReceiveMessageLength) channelOptions['grpc.max_receive_message_length'] = options.options.maxReceiveMessageLength;
    if (options.options.maxSendMessageLength) channelOptions['grpc.max_send_message_length'] = options.options.maxSendMessageLength;
    return new Server(channelOptions);
  }

  /** The grpc-js server, once listen() ran. */
  grpcServer(): Server {
    if (!this.grpcClient) throw new Error('The gRPC server has not started');
    return this.grpcClient as Server;
  }
}
