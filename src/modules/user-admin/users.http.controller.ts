import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth, ApiBody, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, RequirePermissions } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { DomainError } from '../../common/errors/domain-error';
import { USER_ROLE, USER_STATUS } from '../../common/grpc/enums';
import { JSON_WIRE } from '../../common/grpc/wire';
import { streamFormatOf, streamToHttp } from '../../common/streaming/http-stream';
import { AppValidationPipe } from '../../common/validation/validation.pipe';
import { AvatarsService } from './avatars.service';
import {
  AvatarUploadUrlBodyDto, CreateUserRequestDto, ListUsersRequestDto, SetPasswordBodyDto, UpdateUserBodyDto, UserIdParamDto,
} from './dto/users-requests.dto';
import { AvatarUploadUrlView, UserInfoView, UserView } from './dto/users-responses.dto';
import { USERS_PASSWORD, USERS_WRITE } from './user-access';
import { UserAdminService } from './user-admin.service';
import { UserListService } from './user-list.service';
import type { UserRecord } from '../users/user.model';
import { presentUser, presentUserInfo } from '../users/users.presenter';
import { isUuid } from '../../common/validation/uuid';


/** Query parameters in proto (snake_case) or JSON (lowerCamelCase) names; repeated ones as repeats or comma lists. */
export function listRequestOf(query: Record<string, unknown>): Record<string, unknown> {
  const values = (...names: string[]): string[] | undefined => {
    const found = names.flatMap((n) => (query[n] === undefined ? [] : Array.isArray(query[n]) ? (query[n] as unknown[]) : [query[n]]));
    return found.length ? found.flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter(Boolean) : undefined;
  };
  const single = (...names: string[]): string | undefined => values(...names)?.[0];
  const out: Record<string, unknown> = {
    userId: single('user_id', 'userId'),
    userIds: values('user_ids', 'userIds'),
    statuses: values('statuses'),
    roles: values('roles'),
    pageToken: single('page_token', 'pageToken'),
  };
  // The query text may hold commas: taken whole.
  const text = query.query;
  if (text !== undefined) out.query = Array.isArray(text) ? String(text[0]) : String(text);
  const size = query.page_size ?? query.pageSize;
  if (size !== undefined) out.pageSize = Array.isArray(size) ? size[0] : size;
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

function ListQueryDocs(): MethodDecorator {
  const decorators = [
    ApiQuery({ name: 'user_ids', required: false, isArray: true, type: String, description: 'Repeat or comma-separate; also userIds' }),
    ApiQuery({ name: 'statuses', required: false, isArray: true, enum: USER_STATUS, description: 'Default: every status but DELETED' }),
    ApiQuery({ name: 'roles', required: false, isArray: true, enum: USER_ROLE }),
    ApiQuery({ name: 'query', required: false, type: String, description: 'Case-insensitive substring of name, email or phone' }),
    ApiQuery({ name: 'page_size', required: false, type: Number, description: 'Most items to stream; 0: all. Also pageSize' }),
    ApiQuery({ name: 'page_token', required: false, type: String, description: 'base64url of the last id received: the next page starts after it. Also pageToken' }),
    ApiHeader({ name: 'Last-Event-ID', required: false, description: 'SSE resume: continue after this user id' }),
    ApiProduces('text/event-stream', 'application/x-ndjson'),
  ];
  return (target, key, descriptor) => {
    for (const d of decorators) d(target, key, descriptor);
  };
}

/** users.v1/v2 UserService over REST (routes of the seed contract): translation only. */
@ApiTags('users')
@ApiBearerAuth()
@Controller(['v1/users', 'v2/users'])
export class UsersHttpController {
  constructor(
    private readonly list: UserListService,
    private readonly admin: UserAdminService,
    private readonly avatars: AvatarsService,
    private readonly validation: AppValidationPipe,
  ) {}

  @Get()
  @ListQueryDocs()
  @ApiOperation({ summary: 'ListUsers: stream full user views (SSE, or NDJSON with Accept: application/x-ndjson)' })
  @ApiOkResponse({ type: UserView, description: 'One item per event / line' })
  async listUsers(@Query() query: Record<string, unknown>, @Headers() headers: Record<string, string | undefined>, @CurrentPrincipal() p: Principal, @Res() reply: FastifyReply) {
    await this.stream(query, headers, p, reply, (u) => presentUser(u, JSON_WIRE), 'ListUsers');
  }

  @Get('info')
  @ListQueryDocs()
  @ApiOperation({ summary: 'ListUsersInfo: stream compact user views (SSE, or NDJSON with Accept: application/x-ndjson)' })
  @ApiOkResponse({ type: UserInfoView, description: 'One item per event / line' })
  async listUsersInfo(@Query() query: Record<string, unknown>, @Headers() headers: Record<string, string | undefined>, @CurrentPrincipal() p: Principal, @Res() reply: FastifyReply) {
    await this.stream(query, headers, p, reply, (u) => presentUserInfo(u, JSON_WIRE), 'ListUsersInfo');
  }

  @Post()
  @HttpCode(200)
  @RequirePermissions(USERS_WRITE)
  @ApiOperation({ summary: 'CreateUser (users:write)' })
  @ApiOkResponse({ type: UserView })
  async createUser(@Body() req: CreateUserRequestDto, @CurrentPrincipal() p: Principal) {
    return presentUser(await this.admin.create(p, req), JSON_WIRE);
  }

  @Patch(':userId')
  @ApiOperation({ summary: 'UpdateUser: users:write, or profile:write for one\'s own name, locale and timezone' })
  @ApiOkResponse({ type: UserView })
  async updateUser(@Param() params: UserIdParamDto, @Body() body: UpdateUserBodyDto, @CurrentPrincipal() p: Principal) {
    const { updateMask, ...fields } = body;
    return presentUser(await this.admin.update(p, params.userId, fields, updateMask), JSON_WIRE);
  }

  @Put(':userId/password')
  @HttpCode(204)
  @RequirePermissions(USERS_PASSWORD)
  @ApiOperation({ summary: 'SetPassword (users:password): ends the user\'s sessions' })
  @ApiNoContentResponse()
  async setPassword(@Param() params: UserIdParamDto, @Body() body: SetPasswordBodyDto, @CurrentPrincipal() p: Principal): Promise<void> {
    await this.admin.setPassword(p, params.userId, body.password);
  }

  @Post(':userId/avatar/upload-url')
  @HttpCode(200)
  @ApiOperation({ summary: 'GetAvatarUploadUrl: a presigned PUT, valid 300 s' })
  @ApiBody({ type: AvatarUploadUrlBodyDto })
  @ApiOkResponse({ type: AvatarUploadUrlView })
  async getAvatarUploadUrl(@Param() params: UserIdParamDto, @Body() body: AvatarUploadUrlBodyDto, @CurrentPrincipal() p: Principal) {
    const { url, expiresInSeconds } = await this.avatars.uploadUrl(p, params.userId, body.contentType, body.contentSize);
    return { uploadUrl: url, expiresIn: JSON_WIRE.duration(expiresInSeconds) };
  }

  @Post(':userId/avatar/confirm')
  @HttpCode(204)
  @ApiOperation({ summary: 'ConfirmAvatarUpload: checks the uploaded object and stores the avatar URL' })
  @ApiNoContentResponse()
  async confirmAvatarUpload(@Param() params: UserIdParamDto, @CurrentPrincipal() p: Principal): Promise<void> {
    await this.avatars.confirm(p, params.userId);
  }

  @Delete(':userId/avatar')
  @HttpCode(204)
  @ApiOperation({ summary: 'DeleteAvatar' })
  @ApiNoContentResponse()
  async deleteAvatar(@Param() params: UserIdParamDto, @CurrentPrincipal() p: Principal): Promise<void> {
    await this.avatars.delete(p, params.userId);
  }

  private async stream(
    query: Record<string, unknown>,
    headers: Record<string, string | undefined>,
    p: Principal,
    reply: FastifyReply,
    present: (u: UserRecord) => unknown,
    label: string,
  ): Promise<void> {
    const req = (await this.validation.transform(listRequestOf(query), { type: 'query', metatype: ListUsersRequestDto })) as ListUsersRequestDto;
    const lastEventId = headers['last-event-id']?.trim();
    if (lastEventId !== undefined && lastEventId !== '' && !isUuid(lastEventId)) {
      throw DomainError.validation([{ field: 'Last-Event-ID', description: 'must be the id of an event of this stream' }]);
    }
    const afterId = lastEventId ? lastEventId.toLowerCase() : undefined;
    await streamToHttp(reply, this.list.list(p, { ...req, afterId }), {
      format: streamFormatOf(headers.accept),
      idOf: (u) => u.id,
      present,
      label,
      resumed: afterId !== undefined,
    });
  }
}
