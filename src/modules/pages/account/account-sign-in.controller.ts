import { Body, Get, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ReqMeta, type RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { RateLimit } from '#src/common/decorators/rate-limit.decorator.js';
import { SecondFactorFormDto, SignInFormDto } from '../dto/page-forms.dto.js';
import { PageController, PageForm } from '../pages.decorators.js';
import { PageRenderer } from '../rendering/page-renderer.service.js';
import { AccountSignIn } from './account-sign-in.service.js';

/** The hosted sign-in for the account page; its POSTs share the login rate limit with POST /auth/login. */
@PageController('account/signin')
export class AccountSignInController {
  constructor(
    private readonly signIn: AccountSignIn,
    private readonly renderer: PageRenderer,
  ) {}

  @Get()
  async show(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.renderer.send(reply, await this.signIn.page(request, reply));
  }

  @Post()
  @PageForm()
  @RateLimit('login')
  async password(
    @Body() form: SignInFormDto,
    @ReqMeta() meta: RequestMeta,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.renderer.send(reply, await this.signIn.password(request, reply, form, meta));
  }

  @Post('second-factor')
  @PageForm()
  @RateLimit('login')
  async secondFactor(
    @Body() form: SecondFactorFormDto,
    @ReqMeta() meta: RequestMeta,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.renderer.send(reply, await this.signIn.secondFactor(request, reply, form, meta));
  }
}
