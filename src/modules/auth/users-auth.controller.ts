import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { UserPrincipal } from '#src/common/auth/principal.js';
import { CurrentUser, ReqMeta, type RequestMeta, Roles, ServiceToken } from '#src/common/decorators/auth.decorators.js';
import { RateLimit } from '#src/common/decorators/rate-limit.decorator.js';
import { ApiErrors } from '#src/common/http/api-errors.decorator.js';
import { UuidParam } from '#src/common/http/uuid-param.pipe.js';
import { VerifyCredentialsRequestDto, VerifyCredentialsResponseDto } from './dto/auth.dto.js';
import { LoginService } from './login.service.js';

/** The credential-related user routes: they live with the login logic they share. */
@ApiTags('users')
@Controller('api/v1/users')
export class UsersAuthController {
  constructor(private readonly login: LoginService) {}

  @Post('verify-credentials')
  @ServiceToken('required')
  @HttpCode(200)
  @RateLimit('login')
  @ApiSecurity('service-token')
  @ApiOperation({ summary: 'Check a password for another service (X-Service-Token); lockout applies' })
  @ApiOkResponse({ type: VerifyCredentialsResponseDto })
  @ApiErrors('COMMON_1000', 'COMMON_1001', 'COMMON_1400', 'USER_1003')
  verifyCredentials(
    @Body() dto: VerifyCredentialsRequestDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<VerifyCredentialsResponseDto> {
    return this.login.verifyCredentials(dto, meta);
  }

  @Post(':id/unlock')
  @Roles('admin')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Clear a lockout (admin)' })
  @ApiNoContentResponse()
  @ApiErrors('COMMON_1000', 'COMMON_1001', 'COMMON_1003', 'USER_1101')
  unlock(
    @Param('id', UuidParam('id')) id: string,
    @CurrentUser() actor: UserPrincipal,
    @ReqMeta() meta: RequestMeta,
  ): Promise<void> {
    return this.login.unlock(id, actor.userId, meta);
  }
}
