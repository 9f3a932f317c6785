import { Body, Get, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ReqMeta, type RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { RateLimit } from '#src/common/decorators/rate-limit.decorator.js';
import {
  ChangePasswordFormDto,
  MfaCodeFormDto,
  PageFormDto,
  ProfileFormDto,
  RevokeSessionFormDto,
} from '../dto/page-forms.dto.js';
import type { PageUser } from '../page-session/page-session.service.js';
import { CurrentPageUser } from '../page-session/page-user.guard.js';
import { PageController, SignedInForm, SignedInPage } from '../pages.decorators.js';
import { PageRenderer } from '../rendering/page-renderer.service.js';
import { AccountPages } from './account-pages.service.js';

/** The account page and its forms; a signed-out browser is sent to /account/signin. */
@PageController('account')
export class AccountController {
  constructor(
    private readonly pages: AccountPages,
    private readonly renderer: PageRenderer,
  ) {}

  @Get()
  @SignedInPage()
  async show(
    @CurrentPageUser() user: PageUser,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.renderer.send(reply, await this.pages.overview(request, reply, user));
  }

  @Post('profile')
  @SignedInForm()
  async profile(
    @CurrentPageUser() user: PageUser,
    @Body() form: ProfileFormDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.renderer.send(reply, await this.pages.updateProfile(request, reply, user, form));
  }

  @Post('sessions/revoke')
  @SignedInForm()
  async revoke(
    @CurrentPageUser() user: PageUser,
    @Body() form: RevokeSessionFormDto,
    @ReqMeta() meta: RequestMeta,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.renderer.send(reply, await this.pages.revokeSession(request, reply, user, form.session_id, meta));
  }

  @Post('password')
  @SignedInForm()
  @RateLimit('login')
  async password(
    @CurrentPageUser() user: PageUser,
    @Body() form: ChangePasswordFormDto,
    @ReqMeta() meta: RequestMeta,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.renderer.send(reply, await this.pages.changePassword(request, reply, user, form, meta));
  }

  @Post('mfa/setup')
  @SignedInForm()
  async mfaSetup(
    @CurrentPageUser() user: PageUser,
    @Body() _form: PageFormDto,
    @ReqMeta() meta: RequestMeta,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.renderer.send(reply, await this.pages.startMfaSetup(request, reply, user, meta));
  }

  @Post('mfa/confirm')
  @SignedInForm()
  @RateLimit('login')
  async mfaConfirm(
    @CurrentPageUser() user: PageUser,
    @Body() form: MfaCodeFormDto,
    @ReqMeta() meta: RequestMeta,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.renderer.send(reply, await this.pages.confirmMfa(request, reply, user, form, meta));
  }

  @Post('verify-email')
  @SignedInForm()
  async resendVerification(
    @CurrentPageUser() user: PageUser,
    @Body() _form: PageFormDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.renderer.send(reply, await this.pages.resendVerification(request, reply, user));
  }

  @Post('signout')
  @SignedInForm()
  async signOut(
    @CurrentPageUser() user: PageUser,
    @Body() _form: PageFormDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.renderer.send(reply, await this.pages.signOut(reply, user));
  }
}
