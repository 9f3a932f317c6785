import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CsrfService } from '../page-session/csrf.service.js';
import type { Page } from '../rendering/page.js';

/** What each scope lets a client do, in words; unknown scopes show their name. */
const SCOPE_WORDS: Record<string, string> = {
  openid: 'Know who you are (your account id)',
  profile: 'See your name and username',
  email: 'See your email address and whether it is verified',
  offline_access: 'Stay signed in to it when you are away (a refresh token)',
};

/**
 * The consent page of a third-party client (first-party clients skip it). The OpenID
 * interaction renders it and handles the POST (ConsentFormDto: `decision` allow or deny);
 * what is granted is the provider's business.
 */
@Injectable()
export class ConsentPages {
  constructor(private readonly csrf: CsrfService) {}

  page(
    request: FastifyRequest,
    reply: FastifyReply,
    view: { action: string; clientName: string; scopes: string[] },
  ): Page {
    return {
      status: 200,
      template: 'consent',
      title: `Allow ${view.clientName}?`,
      data: {
        action: view.action,
        clientName: view.clientName,
        scopes: view.scopes.map((name) => ({ name, description: SCOPE_WORDS[name] ?? `Use the scope ${name}` })),
        csrf: this.csrf.token(request, reply),
      },
    };
  }
}
