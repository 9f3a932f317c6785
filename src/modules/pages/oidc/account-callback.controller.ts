import { Get, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PageController } from '../pages.decorators.js';
import { PageRenderer } from '../rendering/page-renderer.service.js';
import { AccountCallback } from './account-callback.service.js';

/** `GET /account/callback?code&state`: the account client's redirect URI (only with the provider). */
@PageController('account/callback')
export class AccountCallbackController {
  constructor(
    private readonly callback: AccountCallback,
    private readonly renderer: PageRenderer,
  ) {}

  @Get()
  async finish(
    @Query('code') code: unknown,
    @Query('state') state: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.renderer.send(reply, await this.callback.finish(request, reply, code, state));
  }
}
