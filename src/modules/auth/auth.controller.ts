import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiCreatedResponse,
  ApiOperation,
  ApiTags,
  ApiNoContentResponse,
  ApiAcceptedResponse,
} from '@nestjs/swagger';
import type { UserPrincipal } from '#src/common/auth/principal.js';
import {
  Authenticated,
  CurrentUser,
  Public,
  ReqMeta,
  type RequestMeta,
} from '#src/common/decorators/auth.decorators.js';
import { RateLimit } from '#src/common/decorators/rate-limit.decorator.js';
import { ApiErrors } from '#src/common/http/api-errors.decorator.js';
import { RegisterRequestDto, UserResponseDto } from '#src/modules/users/dto/user.dto.js';
import { EmailVerificationService } from './email-verification.service.js';
import { LoginService } from './login.service.js';
import { PasswordService } from './password.service.js';
import { RegistrationService } from './registration.service.js';
import { SessionLifecycleService } from './session-lifecycle.service.js';
import { TokenService } from './token.service.js';
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

@ApiTags('auth')
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
  @ApiOperation({ summary: 'Log in with email (or username) and password' })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiErrors('COMMON_1000', 'COMMON_1400', 'USER_1001', 'USER_1002', 'USER_1003', 'USER_1004')
  login(@Body() dto: LoginRequestDto, @ReqMeta() meta: RequestMeta): Promise<TokenResponseDto> {
    return this.logins.login(dto, meta);
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
  @ApiOperation({ summary: "Change the password; the user's other sessions end" })
  @ApiNoContentResponse()
  @ApiErrors('COMMON_1000', 'COMMON_1001', 'USER_1001', 'USER_1003', 'USER_1005', 'USER_1006', 'USER_1103', 'USER_1106')
  changePassword(
    @CurrentUser() user: UserPrincipal,
    @Body() dto: ChangePasswordRequestDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<void> {
    return this.passwords.change(user, dto.current_password, dto.new_password, meta);
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

@ApiTags('auth')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly tokens: TokenService) {}

  @Get('jwks.json')
  @Public()
  @ApiOperation({ summary: 'Public signing keys (current and previous kid)' })
  @ApiOkResponse({ type: JwksResponseDto })
  jwks(): JwksResponseDto {
    return this.tokens.jwks();
  }
}
