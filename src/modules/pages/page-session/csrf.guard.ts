import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CsrfService } from './csrf.service.js';

/** Every page form POST: the token must match this browser's secret, else 403 and nothing runs. */
@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(private readonly csrf: CsrfService) {}

  canActivate(context: ExecutionContext): boolean {
    this.csrf.assert(context.switchToHttp().getRequest<FastifyRequest>());
    return true;
  }
}
