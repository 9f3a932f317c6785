import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mapError } from '../errors/error-mapper.js';
import type { ErrorBody } from '../errors/error-codes.js';
import { requestIdOf } from '../http/request-id.js';

/** The one place errors become HTTP: `{error_code, message, details, timestamp, request_id}`. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendError(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), this.logger);
  }
}

function sendError(exception: unknown, request: FastifyRequest, reply: FastifyReply, logger: Logger): void {
  const mapped = mapError(exception);
  const requestId = requestIdOf(request.raw);
  if (mapped.unexpected) {
    logger.error({ err: exception, request_id: requestId }, 'unexpected error');
  } else if (mapped.status === 503) {
    logger.warn({ request_id: requestId, reason: (exception as Error | undefined)?.message }, 'dependency unavailable');
  }
  const body: ErrorBody = {
    error_code: mapped.code,
    message: mapped.message,
    details: mapped.details,
    timestamp: new Date().toISOString(),
    request_id: requestId,
  };
  if (reply.sent) return;
  void reply.headers(mapped.headers).header('x-request-id', requestId).status(mapped.status).send(body);
}
