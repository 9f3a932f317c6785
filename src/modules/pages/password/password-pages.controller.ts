import { Body, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ReqMeta, type RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { RateLimit } from '#src/common/decorators/rate-limit.decorator.js';
import { ForgotPasswordFormDto, ResetPasswordFormDto } from '../dto/page-forms.dto.js';
import { PageController, PageForm } from '../pages.decorators.js';
import { PageRenderer } from '../rendering/page-renderer.service.js';
import { PasswordPages } from './password-pages.service.js';

@PageController()
export class PasswordPagesController {
  constructor(
    private readonly pages: PasswordPages,
    private readonly renderer: PageRenderer,
  ) {}

  @Get('reset-password')
  showReset(@Query('token') token: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    this.renderer.send(reply, this.pages.resetPage(request, reply, typeof token === 'string' ? token : undefined));
  }

  @Post('reset-password')
  @PageForm()
  async reset(
    @Body() form: ResetPasswordFormDto,
    @ReqMeta() meta: RequestMeta,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.renderer.send(reply, await this.pages.reset(request, reply, form, meta));
  }

  @Get('forgot-password')
  showForgot(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    this.renderer.send(reply, this.pages.forgotPage(request, reply));
  }

  @Post('forgot-password')
  @PageForm()
  @RateLimit('register')
  forgot(@Body() form: ForgotPasswordFormDto, @Res() reply: FastifyReply): void {
    this.renderer.send(reply, this.pages.forgot(form));
  }
}
