import { Controller } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import type { ServerWritableStream } from '@grpc/grpc-js';
import { CurrentPrincipal, RequirePermissions } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { GrpcCall } from '../../common/grpc/grpc-call.decorator';
import { GRPC_WIRE } from '../../common/grpc/wire';
import { streamToGrpc } from '../../common/streaming/grpc-stream';
import { AvatarsService } from './avatars.service';
import {
  AvatarUploadUrlRequestDto, CreateUserRequestDto, ListUsersRequestDto, SetPasswordRequestDto, UpdateUserRequestDto, UserIdRequestDto,
} from './dto/users-requests.dto';
import { USERS_PASSWORD, USERS_WRITE } from './user-access';
import { UserAdminService } from './user-admin.service';
import { UserListService } from './user-list.service';
import { presentUser, presentUserInfo } from '../users/users.presenter';

type StreamCall = ServerWritableStream<unknown, unknown>;

/** users.v1/v2 UserService over gRPC: translation only. */
@Controller()
export class UsersGrpcController {
  constructor(
    private readonly list: UserListService,
    private readonly admin: UserAdminService,
    private readonly avatars: AvatarsService,
  ) {}

  @GrpcMethod('UserService', 'ListUsers')
  listUsers(@Payload() req: ListUsersRequestDto, @CurrentPrincipal() p: Principal, @GrpcCall() call: StreamCall) {
    return streamToGrpc(call, this.list.list(p, req), (u) => presentUser(u, GRPC_WIRE), 'ListUsers');
  }

  @GrpcMethod('UserService', 'ListUsersInfo')
  listUsersInfo(@Payload() req: ListUsersRequestDto, @CurrentPrincipal() p: Principal, @GrpcCall() call: StreamCall) {
    return streamToGrpc(call, this.list.list(p, req), (u) => presentUserInfo(u, GRPC_WIRE), 'ListUsersInfo');
  }

  @RequirePermissions(USERS_WRITE)
  @GrpcMethod('UserService', 'CreateUser')
  async createUser(@Payload() req: CreateUserRequestDto, @CurrentPrincipal() p: Principal) {
    return presentUser(await this.admin.create(p, req), GRPC_WIRE);
  }

  @GrpcMethod('UserService', 'UpdateUser')
  async updateUser(@Payload() req: UpdateUserRequestDto, @CurrentPrincipal() p: Principal) {
    const { userId, updateMask, ...fields } = req;
    return presentUser(await this.admin.update(p, userId, fields, updateMask), GRPC_WIRE);
  }

  @RequirePermissions(USERS_PASSWORD)
  @GrpcMethod('UserService', 'SetPassword')
  async setPassword(@Payload() req: SetPasswordRequestDto, @CurrentPrincipal() p: Principal) {
    await this.admin.setPassword(p, req.userId, req.password);
    return {};
  }

  @GrpcMethod('UserService', 'GetAvatarUploadUrl')
  async getAvatarUploadUrl(@Payload() req: AvatarUploadUrlRequestDto, @CurrentPrincipal() p: Principal) {
    const { url, expiresInSeconds } = await this.avatars.uploadUrl(p, req.userId, req.contentType, req.contentSize);
    return { uploadUrl: url, expiresIn: GRPC_WIRE.duration(expiresInSeconds) };
  }

  @GrpcMethod('UserService', 'ConfirmAvatarUpload')
  async confirmAvatarUpload(@Payload() req: UserIdRequestDto, @CurrentPrincipal() p: Principal) {
    await this.avatars.confirm(p, req.userId);
    return {};
  }

  @GrpcMethod('UserService', 'DeleteAvatar')
  async deleteAvatar(@Payload() req: UserIdRequestDto, @CurrentPrincipal() p: Principal) {
    await this.avatars.delete(p, req.userId);
    return {};
  }
}
