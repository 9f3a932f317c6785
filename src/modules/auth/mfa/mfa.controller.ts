import { Body, Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { UserPrincipal } from '#src/common/auth/principal.js';
import {
  Authenticated,
  CurrentUser,
  MfaEnrollmentExempt,
  ReqMeta,
  type RequestMeta,
  Roles,
} from '#src/common/decorators/auth.decorators.js';
import { RateLimit } from '#src/common/decorators/rate-limit.decorator.js';
import { ApiErrors } from '#src/common/http/api-errors.decorator.js';
import { UuidParam } from '#src/common/http/uuid-param.pipe.js';
import {
  ConfirmTotpRequestDto,
  MfaStepUpRequestDto,
  RecoveryCodesResponseDto,
  TotpSetupResponseDto,
} from './dto/mfa.dto.js';
import { MfaService } from './mfa.service.js';

@ApiTags('mfa')
@ApiBearerAuth()
@Controller('api/v1/auth/mfa')
export class MfaController {
  constructor(private readonly mfa: MfaService) {}

  @Post('totp/setup')
  @Authenticated()
  @MfaEnrollmentExempt()
  @HttpCode(200)
  @ApiOperation({ summary: 'Start TOTP enrolment: a new secret, not active until confirmed (replaces a pending one)' })
  @ApiOkResponse({ type: TotpSetupResponseDto })
  @ApiErrors('COMMON_1001', 'COMMON_1503', 'USER_1005', 'USER_1006', 'USER_1403')
  setup(@CurrentUser() user: UserPrincipal, @ReqMeta() meta: RequestMeta): Promise<TotpSetupResponseDto> {
    return this.mfa.setup(user, meta);
  }

  @Post('totp/confirm')
  @Authenticated()
  @MfaEnrollmentExempt()
  @HttpCode(200)
  @ApiOperation({ summary: 'Confirm enrolment with a current code: MFA is on; the 10 recovery codes are shown once' })
  @ApiOkResponse({ type: RecoveryCodesResponseDto })
  @ApiErrors(
    'COMMON_1000',
    'COMMON_1001',
    'COMMON_1400',
    'USER_1005',
    'USER_1006',
    'USER_1401',
    'USER_1403',
    'USER_1404',
  )
  confirm(
    @CurrentUser() user: UserPrincipal,
    @Body() dto: ConfirmTotpRequestDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<RecoveryCodesResponseDto> {
    return this.mfa.confirm(user, dto.code, meta);
  }

  @Post('recovery-codes')
  @Authenticated()
  @HttpCode(200)
  @RateLimit('login')
  @ApiOperation({ summary: 'A new set of 10 recovery codes (password and a code); the old set stops working' })
  @ApiOkResponse({ type: RecoveryCodesResponseDto })
  @ApiErrors(
    'COMMON_1000',
    'COMMON_1001',
    'COMMON_1400',
    'USER_1001',
    'USER_1003',
    'USER_1005',
    'USER_1006',
    'USER_1401',
    'USER_1404',
  )
  regenerate(
    @CurrentUser() user: UserPrincipal,
    @Body() dto: MfaStepUpRequestDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<RecoveryCodesResponseDto> {
    return this.mfa.regenerateRecoveryCodes(user, dto, meta);
  }

  @Delete('totp')
  @Authenticated()
  @HttpCode(204)
  @RateLimit('login')
  @ApiOperation({ summary: 'Turn MFA off (password and a code); the recovery codes are gone' })
  @ApiNoContentResponse()
  @ApiErrors(
    'COMMON_1000',
    'COMMON_1001',
    'COMMON_1400',
    'USER_1001',
    'USER_1003',
    'USER_1005',
    'USER_1006',
    'USER_1401',
    'USER_1404',
  )
  disable(
    @CurrentUser() user: UserPrincipal,
    @Body() dto: MfaStepUpRequestDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<void> {
    return this.mfa.disable(user, dto, meta);
  }
}

@ApiTags('mfa')
@ApiBearerAuth()
@Controller('api/v1/users')
export class MfaAdminController {
  constructor(private readonly mfa: MfaService) {}

  @Delete(':id/mfa')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: "Turn a user's MFA off (admin, for a lost device); their sessions end" })
  @ApiNoContentResponse()
  @ApiErrors('COMMON_1000', 'COMMON_1001', 'COMMON_1003', 'USER_1005', 'USER_1006', 'USER_1101', 'USER_1404')
  reset(
    @Param('id', UuidParam('id')) id: string,
    @CurrentUser() actor: UserPrincipal,
    @ReqMeta() meta: RequestMeta,
  ): Promise<void> {
    return this.mfa.adminReset(id, actor.userId, meta);
  }
}
