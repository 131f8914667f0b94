import { Body, Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { GRPC_WIRE, JSON_WIRE, type Wire } from '../../common/grpc/wire';
import { EmptyRequestDto } from '../../common/validation/empty-request.dto';
import { ListSessionsRequestDto, RevokeSessionRequestDto } from './dto/sessions-requests.dto';
import { SessionsService } from './sessions.service';
import { presentSession } from './sessions.presenter';

class SessionInfoView {
  @ApiProperty() deviceId!: string;
  @ApiProperty() deviceName!: string;
  @ApiProperty() deviceType!: string;
  @ApiProperty() clientVersion!: string;
  @ApiProperty() ipAddress!: string;
  @ApiProperty({ description: 'ISO country of ipAddress; ZZ for private addresses; empty without a GeoIP database' }) ipCountry!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) lastSeenAt!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty() isCurrent!: boolean;
  @ApiProperty() ipCreatedBy!: string;
  @ApiProperty() activityCount!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) metadata!: Record<string, string>;
}

class ListSessionsResponseView {
  @ApiProperty({ type: SessionInfoView, isArray: true }) sessions!: SessionInfoView[];
}

class RevokeSessionsResponseView {
  @ApiProperty() revokedCount!: number;
}

/** The three session methods, shared by both controllers. */
class SessionsEndpoints {
  constructor(protected readonly sessions: SessionsService) {}

  protected async list(p: Principal, refreshToken: string | undefined, wire: Wire) {
    const sessions = await this.sessions.list(p.userId);
    return {
      sessions: sessions.map((s) => presentSession(s, s.id === p.sessionId || this.sessions.isTokenOf(s, refreshToken), wire)),
    };
  }
}

@Controller()
export class SessionsGrpcController extends SessionsEndpoints {
  constructor(sessions: SessionsService) {
    super(sessions);
  }

  // Not @ReadOnly: it returns IP addresses and devices, so the guard checks that the
  // caller's session is still live (a signed-out token reads nothing).
  @GrpcMethod('AuthService', 'ListSessions')
  async listSessions(@Payload() req: ListSessionsRequestDto, @CurrentPrincipal() p: Principal) {
    return this.list(p, req.refreshToken, GRPC_WIRE);
  }

  @GrpcMethod('AuthService', 'RevokeSession')
  async revokeSession(@Payload() req: RevokeSessionRequestDto, @CurrentPrincipal() p: Principal) {
    await this.sessions.revokeDevice(p.userId, req.deviceId);
    return {};
  }

  @GrpcMethod('AuthService', 'RevokeOtherSessions')
  async revokeOtherSessions(@Payload() _: EmptyRequestDto, @CurrentPrincipal() p: Principal) {
    return { revokedCount: await this.sessions.revokeAllExcept(p.userId, p.sessionId) };
  }
}

@ApiTags('sessions')
@ApiBearerAuth()
@Controller(['v1/auth/sessions', 'v2/auth/sessions'])
export class SessionsHttpController extends SessionsEndpoints {
  constructor(sessions: SessionsService) {
    super(sessions);
  }

  // Not @ReadOnly: see the gRPC handler.
  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'ListSessions: the caller\'s sessions, newest first' })
  @ApiOkResponse({ type: ListSessionsResponseView })
  async listSessions(@Body() req: ListSessionsRequestDto, @CurrentPrincipal() p: Principal) {
    return this.list(p, req.refreshToken, JSON_WIRE);
  }

  @Delete(':deviceId')
  @HttpCode(204)
  @ApiOperation({ summary: 'RevokeSession: end the caller\'s session on one device' })
  @ApiNoContentResponse()
  async revokeSession(@Param() req: RevokeSessionRequestDto, @CurrentPrincipal() p: Principal): Promise<void> {
    await this.sessions.revokeDevice(p.userId, req.deviceId);
  }

  @Delete()
  @HttpCode(200)
  @ApiOperation({ summary: 'RevokeOtherSessions: end every session of the caller but this one' })
  @ApiOkResponse({ type: RevokeSessionsResponseView })
  async revokeOtherSessions(@CurrentPrincipal() p: Principal) {
    return { revokedCount: await this.sessions.revokeAllExcept(p.userId, p.sessionId) };
  }
}
