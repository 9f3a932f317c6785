import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { AppException } from '#src/common/errors/app.exception.js';
import type { LoginRequestDto } from '#src/modules/auth/dto/auth.dto.js';
import { LoginService, type SignedIn } from '#src/modules/auth/login.service.js';
import type { SecondFactorFormDto, SignInFormDto } from '../dto/page-forms.dto.js';
import type { PageSignIn } from '../page-session/page-session.service.js';
import { CsrfService } from '../page-session/csrf.service.js';
import type { Page, PageError } from '../rendering/page.js';
import { pageMessageOf } from '../rendering/page-messages.policy.js';

/** Where the sign-in's forms post, and for whom the user signs in (an OpenID client's name). */
export interface SignInView {
  /** The password form's action, e.g. `/account/signin` or `/oidc/interaction/<uid>/login`. */
  action: string;
  /** The second-factor form's action. */
  secondFactorAction: string;
  /** Shown as "to continue to <client>" (OpenID sign-ins). */
  clientName?: string;
  /** The OpenID client signed in for: `user.logged_in` carries it. */
  clientId?: string;
}

/** A step of the sign-in: one of our sessions is open, or a page to show (an error, the second step). */
export type SignInStep = { signedIn: PageSignIn } | { page: Page };

/** Refusals that send the user back to the password form with a message and the refusal's status. */
const PASSWORD_FORM_CODES = new Set(['USER_1001', 'USER_1002', 'USER_1003', 'USER_1004', 'USER_1006']);

const asLogin = (identifier: string, password: string): LoginRequestDto =>
  identifier.includes('@') ? { email: identifier, password } : { username: identifier, password };

const optional = (value: string | undefined): string | undefined => {
  const v = value?.trim();
  return v === undefined || v === '' ? undefined : v;
};

/**
 * The hosted sign-in: identifier + password, then the second factor for a user with MFA,
 * through LoginService's one sign-in (lockout, MFA, login history, `user.logged_in`, a new
 * session) exactly as POST /api/v1/auth/login. The caller (the account page, or the OpenID
 * interaction) decides what a finished sign-in becomes: a page session, interactionFinished.
 * Rate limits are the calling route's (@RateLimit('login')).
 */
@Injectable()
export class SignInFlow {
  constructor(
    private readonly logins: LoginService,
    private readonly csrf: CsrfService,
  ) {}

  /** The password form. */
  page(
    request: FastifyRequest,
    reply: FastifyReply,
    view: SignInView,
    state: { identifier?: string; errors?: PageError[]; status?: number } = {},
  ): Page {
    return {
      status: state.status ?? 200,
      template: 'sign-in',
      title: 'Sign in',
      errors: state.errors,
      data: {
        action: view.action,
        clientName: view.clientName,
        identifier: state.identifier ?? '',
        csrf: this.csrf.token(request, reply),
      },
    };
  }

  /** The password form's POST: a session, the second-factor page, or the form again with the refusal. */
  async submitPassword(
    request: FastifyRequest,
    reply: FastifyReply,
    form: SignInFormDto,
    meta: RequestMeta,
    view: SignInView,
  ): Promise<SignInStep> {
    const identifier = form.identifier.trim();
    const missing: PageError[] = [];
    if (identifier === '') missing.push({ message: 'Enter your email or username.', field: 'identifier' });
    if (form.password === '') missing.push({ message: 'Enter your password.', field: 'password' });
    if (missing.length > 0)
      return { page: this.page(request, reply, view, { identifier, errors: missing, status: 400 }) };
    try {
      const result = await this.logins.signIn(asLogin(identifier, form.password), meta, { clientId: view.clientId });
      if ('signedIn' in result) return { signedIn: sessionOf(result.signedIn) };
      return { page: this.secondFactorPage(request, reply, view, result.mfaRequired.mfa_token) };
    } catch (error) {
      return { page: this.refusedPage(error, request, reply, view, identifier) };
    }
  }

  /** The second-factor form's POST: a session, or the form again (wrong code), or back to the password form. */
  async submitSecondFactor(
    request: FastifyRequest,
    reply: FastifyReply,
    form: SecondFactorFormDto,
    meta: RequestMeta,
    view: SignInView,
  ): Promise<SignInStep> {
    const code = optional(form.code);
    const recoveryCode = code === undefined ? optional(form.recovery_code) : undefined;
    if (code === undefined && recoveryCode === undefined) {
      const errors = [{ message: 'Enter the code from your app, or a recovery code.', field: 'code' }];
      return { page: this.secondFactorPage(request, reply, view, form.mfa_token, errors, 400) };
    }
    try {
      const signedIn = await this.logins.signInSecondStep(
        { mfa_token: form.mfa_token, code, recovery_code: recoveryCode },
        meta,
        { clientId: view.clientId },
      );
      return { signedIn: sessionOf(signedIn) };
    } catch (error) {
      if (error instanceof AppException && error.code === 'USER_1401') {
        const errors = [{ message: pageMessageOf('USER_1401', 401), field: 'code' }];
        return { page: this.secondFactorPage(request, reply, view, form.mfa_token, errors, 401) };
      }
      return { page: this.refusedPage(error, request, reply, view, '') };
    }
  }

  private secondFactorPage(
    request: FastifyRequest,
    reply: FastifyReply,
    view: SignInView,
    mfaToken: string,
    errors: PageError[] = [],
    status = 200,
  ): Page {
    return {
      status,
      template: 'second-factor',
      title: 'Two-step verification',
      errors,
      data: { action: view.secondFactorAction, mfaToken, csrf: this.csrf.token(request, reply) },
    };
  }

  /** The password form with the refusal's words and status; anything unexpected goes on to the error page. */
  private refusedPage(
    error: unknown,
    request: FastifyRequest,
    reply: FastifyReply,
    view: SignInView,
    identifier: string,
  ): Page {
    if (!(error instanceof AppException) || !PASSWORD_FORM_CODES.has(error.code)) throw error;
    const errors = [{ message: pageMessageOf(error.code, error.status) }];
    return this.page(request, reply, view, { identifier, errors, status: error.status });
  }
}

const sessionOf = (signedIn: SignedIn): PageSignIn => ({ userId: signedIn.user.id, sessionId: signedIn.session.id });
