import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppException } from '#src/common/errors/app.exception.js';
import { EmailVerificationService } from '#src/modules/auth/email-verification.service.js';
import type { TokenFormDto } from '../dto/page-forms.dto.js';
import { CsrfService } from '../page-session/csrf.service.js';
import type { Page } from '../rendering/page.js';
import { pageMessageOf } from '../rendering/page-messages.policy.js';

const ACCOUNT_LINK = { href: '/account', text: 'Go to your account' };

/** /verify-email: the mailed link shows a button (GET spends nothing); the POST verifies. */
@Injectable()
export class VerifyEmailPages {
  constructor(
    private readonly verification: EmailVerificationService,
    private readonly csrf: CsrfService,
  ) {}

  page(request: FastifyRequest, reply: FastifyReply, token: string | undefined): Page {
    if (token === undefined || token === '') return this.failed(400);
    return {
      status: 200,
      template: 'verify-email',
      title: 'Confirm your email address',
      data: { token, csrf: this.csrf.token(request, reply) },
    };
  }

  async submit(form: TokenFormDto): Promise<Page> {
    try {
      await this.verification.verifyEmail(form.token);
    } catch (error) {
      if (error instanceof AppException && error.code === 'USER_1007') return this.failed(error.status);
      throw error;
    }
    return {
      status: 200,
      template: 'message',
      title: 'Email address confirmed',
      data: { message: 'Thank you: your email address is confirmed.', link: ACCOUNT_LINK },
    };
  }

  private failed(status: number): Page {
    return {
      status,
      template: 'message',
      title: 'This link does not work',
      data: {
        message: `${pageMessageOf('USER_1007', status)} Signed in, you can ask for a new link from your account.`,
        link: ACCOUNT_LINK,
      },
    };
  }
}
