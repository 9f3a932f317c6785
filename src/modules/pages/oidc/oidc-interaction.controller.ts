import { Body, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ReqMeta, type RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { RateLimit } from '#src/common/decorators/rate-limit.decorator.js';
import { ConsentFormDto, SecondFactorFormDto, SignInFormDto } from '../dto/page-forms.dto.js';
import { PageController, PageForm } from '../pages.decorators.js';
import { PageRenderer } from '../rendering/page-renderer.service.js';
import { OidcInteractionPages } from './oidc-interaction-pages.service.js';

/**
 * The OpenID provider's interaction (`/oidc/interaction/:uid`): the hosted sign-in (and its
 * second factor) and the consent page, for the provider's authorization requests. Its POSTs
 * share the login rate limit with POST /auth/login.
 */
@PageController('oidc/interaction')
export class OidcInteractionController {
  constructor(
    private readonly pages: OidcInteractionPages,
    private readonly renderer: PageRenderer,
  ) {}

  @Get(':uid')
  async show(@Param('uid') uid: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.renderer.send(reply, await this.pages.page(uid, request, reply));
  }

  @Post(':uid/login')
  @PageForm()
  @RateLimit('login')
  async password(
    @Param('uid') uid: string,
    @Body() form: SignInFormDto,
    @ReqMeta() meta: RequestMeta,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.renderer.send(reply, await this.pages.password(uid, request, reply, form, meta));
  }

  @Post(':uid/second-factor')
  @PageForm()
  @RateLimit('login')
  async secondFactor(
    @Param('uid') uid: string,
    @Body() form: SecondFactorFormDto,
    @ReqMeta() meta: RequestMeta,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.renderer.send(reply, await this.pages.secondFactor(uid, request, reply, form, meta));
  }

  @Post(':uid/consent')
  @PageForm()
  async consent(
    @Param('uid') uid: string,
    @Body() form: ConsentFormDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.renderer.send(reply, await this.pages.consent(uid, request, reply, form));
  }
}
