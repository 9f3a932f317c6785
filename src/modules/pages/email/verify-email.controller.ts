import { Body, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TokenFormDto } from '../dto/page-forms.dto.js';
import { PageController, PageForm } from '../pages.decorators.js';
import { PageRenderer } from '../rendering/page-renderer.service.js';
import { VerifyEmailPages } from './verify-email-pages.service.js';

@PageController('verify-email')
export class VerifyEmailController {
  constructor(
    private readonly pages: VerifyEmailPages,
    private readonly renderer: PageRenderer,
  ) {}

  @Get()
  show(@Query('token') token: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    this.renderer.send(reply, this.pages.page(request, reply, typeof token === 'string' ? token : undefined));
  }

  @Post()
  @PageForm()
  async confirm(@Body() form: TokenFormDto, @Res() reply: FastifyReply): Promise<void> {
    this.renderer.send(reply, await this.pages.submit(form));
  }
}
