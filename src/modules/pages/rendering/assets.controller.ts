import { Get, Headers, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { sendCacheable } from '#src/common/http/conditional-get.js';
import { PageController } from '../pages.decorators.js';
import { PageRenderer } from './page-renderer.service.js';

/** The pages' stylesheet: same origin (the pages' CSP allows no other), cacheable with a validator. */
@PageController('pages/assets')
export class AssetsController {
  constructor(private readonly renderer: PageRenderer) {}

  @Get('site.css')
  css(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res() reply: FastifyReply): void {
    void reply.header('content-type', 'text/css; charset=utf-8');
    sendCacheable(reply, ifNoneMatch, this.renderer.stylesheet());
  }
}
