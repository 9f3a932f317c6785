import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mapError } from '#src/common/errors/error-mapper.js';
import { requestIdOf } from '#src/common/http/request-id.js';
import { PageRenderer } from './page-renderer.service.js';
import { pageMessageOf } from './page-messages.policy.js';

/** Thrown by the account guard: the browser goes to the sign-in page (303), not to an error. */
export class SignInRequired extends Error {
  constructor(readonly to: string) {
    super('sign-in required');
  }
}

/**
 * The pages' errors are pages: the contract's codes and statuses (mapError, as the JSON
 * filter), rendered as HTML with a message for people. Refusals the page services expect
 * (a wrong password, a weak new password) never get here: they re-render their form.
 */
@Catch()
export class PageExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('PageErrors');

  constructor(private readonly renderer: PageRenderer) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (reply.sent) return;
    if (exception instanceof SignInRequired) {
      this.renderer.send(reply, { redirect: exception.to });
      return;
    }
    const mapped = mapError(exception);
    const requestId = requestIdOf(request.raw);
    if (mapped.unexpected) this.logger.error({ err: exception, request_id: requestId }, 'unexpected error');
    void reply.headers(mapped.headers);
    this.renderer.send(reply, {
      status: mapped.status,
      template: 'error',
      title: mapped.status >= 500 ? 'Sorry, something went wrong' : 'That did not work',
      data: {
        status: mapped.status,
        message: pageMessageOf(mapped.code, mapped.status),
        requestId,
        link: { href: '/account', text: 'Go to your account' },
      },
    });
  }
}
