import { Body, Controller, Get, Headers, HttpCode, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiCreatedResponse,
  ApiOperation,
  ApiTags,
  ApiNoContentResponse,
  ApiAcceptedResponse,
  ApiHeader,
  ApiResponse,
  ApiExtraModels,
  getSchemaPath,
} from '@nestjs/swagger';
import type { UserPrincipal } from '#src/common/auth/principal.js';
import {
  Authenticated,
  CurrentUser,
  MfaEnrollmentExempt,
  Public,
  ReqMeta,
  type RequestMeta,
} from '#src/common/decorators/auth.decorators.js';
import { RateLimit } from '#src/common/decorators/rate-limit.decorator.js';
import { ApiErrors } from '#src/common/http/api-errors.decorator.js';
import { sendCacheable } from '#src/common/http/conditional-get.js';
import { RegisterRequestDto, UserResponseDto } from '#src/modules/users/dto/user.dto.js';
import { EmailVerificationService } from './email-verification.service.js';
import { LoginService } from './login.service.js';
import { PasswordService } from './password.service.js';
import { RegistrationService } from './registration.service.js';
import { SessionLifecycleService } from './session-lifecycle.service.js';
import { JWKS_MAX_AGE_SECONDS, TokenService } from './token.service.js';
import {
  ChangePasswordRequestDto,
  ForgotPasswordRequestDto,
  JwksResponseDto,
  LoginRequestDto,
  RefreshRequestDto,
  ResetPasswordRequestDto,
  TokenResponseDto,
  VerifyEmailRequestDto,
} from './dto/auth.dto.js';
import { LoginMfaRequestDto, MfaRequiredResponseDto } from './mfa/dto/mfa.dto.js';

/** The login answer: tokens, or for a user with MFA the second step to take. */
const tokensOrMfaRequired = {
  description: 'TokenResponse, or for a user with MFA `{mfa_required, mfa_token, mfa_methods, expires_in}` (no tokens)',
  schema: { oneOf: [{ $ref: getSchemaPath(TokenResponseDto) }, { $ref: getSchemaPath(MfaRequiredResponseDto) }] },
};

@ApiTags('auth')
@ApiExtraModels(TokenResponseDto, MfaRequiredResponseDto)
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    private readonly registration: RegistrationService,
    private readonly logins: LoginService,
    private readonly lifecycle: SessionLifecycleService,
    private readonly passwords: PasswordService,
    private readonly verification: EmailVerificationService,
  ) {}

  @Post('register')
  @Public()
  @RateLimit('register')
  @ApiOperation({ summary: 'Sign up; a verification mail is sent' })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiErrors(
    'COMMON_1000',
    'COMMON_1400',
    'COMMON_1413',
    'COMMON_1415',
    'USER_1102',
    'USER_1103',
    'USER_1104',
    'USER_1105',
  )
  register(@Body() dto: RegisterRequestDto): Promise<UserResponseDto> {
    return this.registration.register(dto);
  }

  @Post('login')
  @Public()
  @HttpCode(200)
  @RateLimit('login')
  @ApiOperation({
    summary: 'Log in with email (or username) and password; a user with MFA gets an mfa_token for login/mfa',
  })
  @ApiOkResponse(tokensOrMfaRequired)
  @ApiErrors('COMMON_1000', 'COMMON_1400', 'USER_1001', 'USER_1002', 'USER_1003', 'USER_1004')
  login(
    @Body() dto: LoginRequestDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<TokenResponseDto | MfaRequiredResponseDto> {
    return this.logins.login(dto, meta);
  }

  @Post('login/mfa')
  @Public()
  @HttpCode(200)
  @RateLimit('login')
  @ApiOperation({ summary: 'The second login step: the mfa_token with a current code or a recovery code' })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiErrors('COMMON_1000', 'COMMON_1400', 'COMMON_1503', 'USER_1003', 'USER_1006', 'USER_1401')
  loginMfa(@Body() dto: LoginMfaRequestDto, @ReqMeta() meta: RequestMeta): Promise<TokenResponseDto> {
    return this.logins.loginSecondStep(dto, meta);
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate the refresh token; a spent token ends its session' })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiErrors('COMMON_1000', 'COMMON_1400', 'USER_1006')
  refresh(@Body() dto: RefreshRequestDto, @ReqMeta() meta: RequestMeta): Promise<TokenResponseDto> {
    return this.lifecycle.refresh(dto.refresh_token, meta);
  }

  @Post('logout')
  @Authenticated()
  @MfaEnrollmentExempt()
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'End this session; its tokens stop working at once' })
  @ApiNoContentResponse()
  @ApiErrors('COMMON_1001', 'USER_1005', 'USER_1006')
  logout(@CurrentUser() user: UserPrincipal): Promise<void> {
    return this.lifecycle.logout(user);
  }

  @Post('logout-all')
  @Authenticated()
  @MfaEnrollmentExempt()
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'End every session of the user' })
  @ApiNoContentResponse()
  @ApiErrors('COMMON_1001', 'USER_1005', 'USER_1006')
  logoutAll(@CurrentUser() user: UserPrincipal): Promise<void> {
    return this.lifecycle.logoutAll(user);
  }

  @Post('password/change')
  @Authenticated()
  @HttpCode(204)
  @RateLimit('login')
  @ApiBearerAuth()
  @ApiOperation({ summary: "Change the password (and a code with MFA on); the user's other sessions end" })
  @ApiNoContentResponse()
  @ApiErrors(
    'COMMON_1000',
    'COMMON_1001',
    'USER_1001',
    'USER_1003',
    'USER_1005',
    'USER_1006',
    'USER_1103',
    'USER_1106',
    'USER_1401',
  )
  changePassword(
    @CurrentUser() user: UserPrincipal,
    @Body() dto: ChangePasswordRequestDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<void> {
    return this.passwords.change(user, dto, meta);
  }

  @Post('password/forgot')
  @Public()
  @HttpCode(202)
  @RateLimit('register')
  @ApiOperation({ summary: 'Mail a one-time reset link (30 min); 202 whether or not the account exists' })
  @ApiAcceptedResponse()
  @ApiErrors('COMMON_1000', 'COMMON_1400')
  forgot(@Body() dto: ForgotPasswordRequestDto): void {
    this.passwords.forgot(dto.email);
  }

  @Post('password/reset')
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: 'Set a new password with a reset token; every session ends' })
  @ApiNoContentResponse()
  @ApiErrors('COMMON_1000', 'COMMON_1400', 'USER_1007', 'USER_1103', 'USER_1106')
  reset(@Body() dto: ResetPasswordRequestDto, @ReqMeta() meta: RequestMeta): Promise<void> {
    return this.passwords.reset(dto.token, dto.new_password, meta);
  }

  @Post('email/verify')
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: 'Confirm the email address with the mailed token' })
  @ApiNoContentResponse()
  @ApiErrors('COMMON_1000', 'COMMON_1400', 'USER_1007')
  verifyEmail(@Body() dto: VerifyEmailRequestDto): Promise<void> {
    return this.verification.verifyEmail(dto.token);
  }

  @Post('email/resend')
  @Authenticated()
  @HttpCode(202)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Mail a new verification link' })
  @ApiAcceptedResponse()
  @ApiErrors('COMMON_1001', 'USER_1005', 'USER_1006')
  resend(@CurrentUser() user: UserPrincipal): Promise<void> {
    return this.verification.sendVerification(user);
  }
}

const JWKS_HEADERS = {
  ETag: { description: 'strong validator of the key set', schema: { type: 'string' } },
  'Cache-Control': { description: `public, max-age=${JWKS_MAX_AGE_SECONDS}`, schema: { type: 'string' } },
};

@ApiTags('auth')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly tokens: TokenService) {}

  @Get('jwks.json')
  @Public()
  @ApiOperation({
    summary: 'Public signing keys (current and previous kid)',
    description: `Cacheable: \`Cache-Control: public, max-age=${JWKS_MAX_AGE_SECONDS}\` and an \`ETag\`; a conditional GET (\`If-None-Match\`) is answered 304 while the keys are unchanged. A token verified offline with these keys stays valid until its \`exp\`, even after logout: ask \`GET /api/v1/users/me\` with the token for the live answer.`,
  })
  @ApiOkResponse({ type: JwksResponseDto, headers: JWKS_HEADERS })
  @ApiResponse({ status: 304, description: 'The copy named in If-None-Match is current', headers: JWKS_HEADERS })
  @ApiHeader({ name: 'If-None-Match', required: false, description: 'The ETag of a cached copy' })
  jwks(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res() reply: FastifyReply): void {
    sendCacheable(reply, ifNoneMatch, this.tokens.jwksDocument());
  }
}
