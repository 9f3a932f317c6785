import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { AppException } from '#src/common/errors/app.exception.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { PasswordService } from '#src/modules/auth/password.service.js';
import type { ForgotPasswordFormDto, ResetPasswordFormDto } from '../dto/page-forms.dto.js';
import { CsrfService } from '../page-session/csrf.service.js';
import type { Page, PageError } from '../rendering/page.js';
import { pageMessageOf, passwordPolicyErrors, passwordPolicyHint } from '../rendering/page-messages.policy.js';

const SIGN_IN_LINK = { href: '/account/signin', text: 'Sign in' };

/** /reset-password (the mailed link) and /forgot-password, through PasswordService as the JSON routes. */
@Injectable()
export class PasswordPages {
  constructor(
    private readonly passwords: PasswordService,
    private readonly csrf: CsrfService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  resetPage(
    request: FastifyRequest,
    reply: FastifyReply,
    token: string | undefined,
    errors: PageError[] = [],
    status = 200,
  ): Page {
    if (token === undefined || token === '') return this.linkFailed(400);
    return {
      status,
      template: 'reset-password',
      title: 'Choose a new password',
      errors,
      data: { token, csrf: this.csrf.token(request, reply), policyHint: passwordPolicyHint(this.config.password) },
    };
  }

  async reset(
    request: FastifyRequest,
    reply: FastifyReply,
    form: ResetPasswordFormDto,
    meta: RequestMeta,
  ): Promise<Page> {
    if (form.new_password !== form.confirm_password) {
      const errors = [{ message: 'The two passwords are not the same.', field: 'confirm_password' }];
      return this.resetPage(request, reply, form.token, errors, 400);
    }
    try {
      await this.passwords.reset(form.token, form.new_password, meta);
    } catch (error) {
      if (!(error instanceof AppException)) throw error;
      if (error.code === 'USER_1007') return this.linkFailed(error.status);
      if (error.code === 'USER_1103') {
        return this.resetPage(request, reply, form.token, passwordPolicyErrors(error.details, 'new_password'), 400);
      }
      if (error.code === 'USER_1106') {
        const errors = [{ message: pageMessageOf('USER_1106', 400), field: 'new_password' }];
        return this.resetPage(request, reply, form.token, errors, 400);
      }
      throw error;
    }
    return {
      status: 200,
      template: 'message',
      title: 'Password changed',
      data: { message: 'Your new password is set, and every device was signed out.', link: SIGN_IN_LINK },
    };
  }

  forgotPage(request: FastifyRequest, reply: FastifyReply): Page {
    return {
      status: 200,
      template: 'forgot-password',
      title: 'Forgot your password?',
      data: { csrf: this.csrf.token(request, reply) },
    };
  }

  /** The same answer whether or not the account exists (PasswordService.forgot works after it). */
  forgot(form: ForgotPasswordFormDto): Page {
    const email = form.email.trim();
    if (email !== '') this.passwords.forgot(email);
    return {
      status: 200,
      template: 'message',
      title: 'Check your mail',
      data: {
        message:
          'If an account has this address, a link to choose a new password is on its way. It works once, for 30 minutes.',
        link: SIGN_IN_LINK,
      },
    };
  }

  private linkFailed(status: number): Page {
    return {
      status,
      template: 'message',
      title: 'This link does not work',
      data: {
        message: pageMessageOf('USER_1007', status),
        link: { href: '/forgot-password', text: 'Ask for a new link' },
      },
    };
  }
}
