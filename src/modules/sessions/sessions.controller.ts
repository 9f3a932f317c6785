import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { UserPrincipal } from '#src/common/auth/principal.js';
import {
  Authenticated,
  CurrentUser,
  MfaEnrollmentExempt,
  ReqMeta,
  type RequestMeta,
} from '#src/common/decorators/auth.decorators.js';
import { ApiErrors } from '#src/common/http/api-errors.decorator.js';
import { UuidParam } from '#src/common/http/uuid-param.pipe.js';
import { SessionRevocationService } from './session-revocation.service.js';
import { SessionDto } from './dto/session.dto.js';
import { SessionsService } from './sessions.service.js';

@ApiTags('sessions')
@ApiBearerAuth()
@MfaEnrollmentExempt()
@Controller('api/v1/sessions')
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly revocation: SessionRevocationService,
  ) {}

  @Get()
  @Authenticated()
  @ApiOperation({ summary: "The signed-in user's live sessions" })
  @ApiOkResponse({ type: [SessionDto] })
  @ApiErrors('COMMON_1001', 'USER_1005', 'USER_1006')
  list(@CurrentUser() user: UserPrincipal): Promise<SessionDto[]> {
    return this.sessions.list(user.userId, user.sessionId);
  }

  @Delete(':id')
  @Authenticated()
  @HttpCode(204)
  @ApiOperation({ summary: 'End a session (own; admins any)' })
  @ApiNoContentResponse()
  @ApiErrors('COMMON_1000', 'COMMON_1001', 'USER_1005', 'USER_1006', 'USER_1201')
  revoke(
    @Param('id', UuidParam('id')) id: string,
    @CurrentUser() user: UserPrincipal,
    @ReqMeta() meta: RequestMeta,
  ): Promise<void> {
    return this.revocation.revokeSession(id, user, meta);
  }
}
