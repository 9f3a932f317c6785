import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedRequest } from '#src/common/auth/principal.js';
import {
  Authenticated,
  Public,
  ReqMeta,
  type RequestMeta,
  ServiceToken,
} from '#src/common/decorators/auth.decorators.js';
import { RateLimit } from '#src/common/decorators/rate-limit.decorator.js';
import { ApiErrors } from '#src/common/http/api-errors.decorator.js';
import { LegacyCreateUserRequestDto } from '#src/modules/users/dto/legacy.dto.js';
import { UserResponseDto, UserViewDto } from '#src/modules/users/dto/user.dto.js';
import { AccountsService } from '#src/modules/users/accounts.service.js';
import { VerifyCredentialsRequestDto, VerifyCredentialsResponseDto } from '#src/modules/auth/dto/auth.dto.js';
import { LoginService } from '#src/modules/auth/login.service.js';
import { RegistrationService } from '#src/modules/auth/registration.service.js';

/** The first version's routes (contract §1), answered by the same services as /api/v1 (no second implementation). */
@ApiTags('compat (first version)')
@Controller('users')
// The class name makes the operationIds (`LegacyUsersController_create`...) clients and the
// fuzzing configuration know: it stays.
export class LegacyUsersController {
  constructor(
    private readonly registration: RegistrationService,
    private readonly accounts: AccountsService,
    private readonly logins: LoginService,
  ) {}

  @Post()
  @Public()
  @RateLimit('register')
  @ApiOperation({ summary: 'Legacy sign-up (first version): same as POST /api/v1/auth/register', deprecated: true })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiErrors('COMMON_1000', 'COMMON_1400', 'USER_1102', 'USER_1103', 'USER_1104', 'USER_1105')
  create(@Body() dto: LegacyCreateUserRequestDto): Promise<UserResponseDto> {
    return this.registration.register({ ...dto, name: dto.name ?? dto.username }, 'legacy');
  }

  @Post('verify-credentials')
  @ServiceToken('required')
  @HttpCode(200)
  @RateLimit('login')
  @ApiSecurity('service-token')
  @ApiOperation({ summary: 'Legacy credential check (first version)', deprecated: true })
  @ApiOkResponse({ type: VerifyCredentialsResponseDto })
  @ApiErrors('COMMON_1000', 'COMMON_1001', 'COMMON_1400', 'USER_1003')
  verifyCredentials(
    @Body() dto: VerifyCredentialsRequestDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<VerifyCredentialsResponseDto> {
    return this.logins.verifyCredentials(dto, meta);
  }

  @Get(':username')
  @ServiceToken('allowed')
  @Authenticated()
  @ApiBearerAuth()
  @ApiSecurity('service-token')
  @ApiOperation({
    summary:
      'Legacy lookup by username (first version): the full user for services, self and staff; public fields for others',
    deprecated: true,
  })
  @ApiOkResponse({ type: UserViewDto })
  @ApiErrors('COMMON_1001', 'USER_1005', 'USER_1006', 'USER_1101')
  byUsername(@Param('username') username: string, @Req() req: AuthenticatedRequest): Promise<UserViewDto> {
    // The first version answers with the full user to services, to the user themself and to staff.
    const viewer = req.principal?.kind === 'user' ? { userId: req.principal.userId, role: req.principal.role } : null;
    return this.accounts.getByUsername(username, viewer);
  }
}
