import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { AppException } from '#src/common/errors/app.exception.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { EmailVerificationService } from '#src/modules/auth/email-verification.service.js';
import { MfaService } from '#src/modules/auth/mfa/mfa.service.js';
import { PasswordService } from '#src/modules/auth/password.service.js';
import { SessionLifecycleService } from '#src/modules/auth/session-lifecycle.service.js';
import { SessionRevocationService } from '#src/modules/sessions/session-revocation.service.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import { UpdateProfileRequestDto } from '#src/modules/users/dto/user.dto.js';
import { UserManagementService } from '#src/modules/users/user-management.service.js';
import type { ChangePasswordFormDto, MfaCodeFormDto, ProfileFormDto } from '../dto/page-forms.dto.js';
import { CsrfService } from '../page-session/csrf.service.js';
import { type PageUser, PageSessionService } from '../page-session/page-session.service.js';
import { ACCOUNT_SIGN_IN_PATH } from '../page-session/page-user.guard.js';
import type { Page, PageAnswer, PageError } from '../rendering/page.js';
import { pageMessageOf, passwordPolicyErrors, passwordPolicyHint } from '../rendering/page-messages.policy.js';

const ENROL_FIRST = 'Your role requires two-step verification: set it up below before anything else.';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Refusals of the password change shown on the account page, by code, with the field they concern. */
const PASSWORD_CHANGE_FIELDS: Record<string, string> = {
  USER_1001: 'current_password',
  USER_1106: 'new_password',
  USER_1401: 'password-code',
};

/**
 * The account page: profile, sessions, MFA enrolment, password change, sign-out. Every
 * action runs the use case its JSON route runs (UserManagementService, SessionRevocation,
 * MfaService, PasswordService) with the page session's principal, so the rules, events and
 * audit are the same; expected refusals re-render the page with a message.
 */
@Injectable()
export class AccountPages {
  constructor(
    private readonly sessions: SessionsService,
    private readonly revocation: SessionRevocationService,
    private readonly lifecycle: SessionLifecycleService,
    private readonly users: UserManagementService,
    private readonly passwords: PasswordService,
    private readonly mfa: MfaService,
    private readonly verification: EmailVerificationService,
    private readonly csrf: CsrfService,
    private readonly pageSessions: PageSessionService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async overview(
    request: FastifyRequest,
    reply: FastifyReply,
    current: PageUser,
    state: { notice?: string; errors?: PageError[]; status?: number } = {},
  ): Promise<Page> {
    const { user, principal } = current;
    return {
      status: state.status ?? 200,
      template: 'account',
      title: 'Your account',
      notice: state.notice ?? (this.mustEnrol(current) ? ENROL_FIRST : undefined),
      errors: state.errors,
      data: {
        user: {
          email: user.email,
          name: user.name,
          username: user.username,
          isVerified: user.isVerified,
          mfaEnabled: user.mfaEnabled,
        },
        sessions: await this.sessions.list(principal.userId, principal.sessionId),
        policyHint: passwordPolicyHint(this.config.password),
        csrf: this.csrf.token(request, reply),
      },
    };
  }

  /** Name and username, judged by the rules of PATCH /users/me (UpdateProfileRequestDto). */
  async updateProfile(
    request: FastifyRequest,
    reply: FastifyReply,
    current: PageUser,
    form: ProfileFormDto,
  ): Promise<Page> {
    this.assertEnrolled(current);
    const username = form.username?.trim();
    const dto = plainToInstance(UpdateProfileRequestDto, {
      name: form.name,
      ...(username === undefined || username === '' ? {} : { username }),
    });
    const problems = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
    if (problems.length > 0) {
      const errors = problems.map((p) => ({
        message:
          p.property === 'name'
            ? 'Enter a name of 1 to 100 visible characters.'
            : 'A username is 3 to 32 letters, digits, ".", "_" or "-".',
        field: p.property,
      }));
      return this.overview(request, reply, current, { errors, status: 400 });
    }
    try {
      const updated = await this.users.updateProfile(current.principal.userId, dto);
      const user = { ...current.user, name: updated.name, username: updated.username };
      return this.overview(request, reply, { ...current, user }, { notice: 'Your profile is saved.' });
    } catch (error) {
      if (error instanceof AppException && error.code === 'USER_1105') {
        const errors = [{ message: pageMessageOf('USER_1105', 409), field: 'username' }];
        return this.overview(request, reply, current, { errors, status: 409 });
      }
      throw error;
    }
  }

  /** Ends a session of the user; ending this one signs the page out. */
  async revokeSession(
    request: FastifyRequest,
    reply: FastifyReply,
    current: PageUser,
    sessionId: string,
    meta: RequestMeta,
  ): Promise<PageAnswer> {
    try {
      if (!UUID.test(sessionId)) throw new AppException('USER_1201');
      // As a user, whatever the role: the account page ends one's own sessions only (an
      // admin ends others' through DELETE /api/v1/sessions/{id}, audited).
      await this.revocation.revokeSession(sessionId, { ...current.principal, role: 'user' }, meta);
    } catch (error) {
      if (error instanceof AppException && error.code === 'USER_1201') {
        const errors = [{ message: pageMessageOf('USER_1201', 404) }];
        return this.overview(request, reply, current, { errors, status: 404 });
      }
      throw error;
    }
    if (sessionId === current.principal.sessionId) {
      this.pageSessions.clear(reply);
      return { redirect: ACCOUNT_SIGN_IN_PATH };
    }
    return this.overview(request, reply, current, { notice: 'That device is signed out.' });
  }

  /** PasswordService.change: the current password, a code with MFA on; the other sessions end. */
  async changePassword(
    request: FastifyRequest,
    reply: FastifyReply,
    current: PageUser,
    form: ChangePasswordFormDto,
    meta: RequestMeta,
  ): Promise<Page> {
    this.assertEnrolled(current);
    const code = form.code?.trim();
    try {
      await this.passwords.change(
        current.principal,
        {
          current_password: form.current_password,
          new_password: form.new_password,
          ...(code === undefined || code === '' ? {} : { code }),
        },
        meta,
      );
    } catch (error) {
      if (!(error instanceof AppException)) throw error;
      if (error.code === 'USER_1103') {
        const errors = passwordPolicyErrors(error.details, 'new_password');
        return this.overview(request, reply, current, { errors, status: 400 });
      }
      const field = PASSWORD_CHANGE_FIELDS[error.code];
      if (field === undefined && error.code !== 'USER_1003') throw error;
      const errors = [{ message: this.passwordChangeMessage(error.code, error.status), field }];
      return this.overview(request, reply, current, { errors, status: error.status });
    }
    return this.overview(request, reply, current, {
      notice: 'Your password is changed. Your other devices are signed out.',
    });
  }

  private passwordChangeMessage(code: AppException['code'], status: number): string {
    return code === 'USER_1001' ? 'The current password is not right.' : pageMessageOf(code, status);
  }

  /** A new pending TOTP secret: its QR code as a data: image (an <img> runs no script), the key as text. */
  async startMfaSetup(
    request: FastifyRequest,
    reply: FastifyReply,
    current: PageUser,
    meta: RequestMeta,
  ): Promise<Page> {
    try {
      const setup = await this.mfa.setup(current.principal, meta);
      return {
        status: 200,
        template: 'mfa-setup',
        title: 'Set up two-step verification',
        data: {
          qrDataUri: `data:image/svg+xml;base64,${Buffer.from(setup.qr_svg).toString('base64')}`,
          secret: setup.secret,
          csrf: this.csrf.token(request, reply),
        },
      };
    } catch (error) {
      return this.mfaRefused(error, request, reply, current);
    }
  }

  /** The first good code turns MFA on; the recovery codes are shown this once. */
  async confirmMfa(
    request: FastifyRequest,
    reply: FastifyReply,
    current: PageUser,
    form: MfaCodeFormDto,
    meta: RequestMeta,
  ): Promise<Page> {
    try {
      const { recovery_codes: codes } = await this.mfa.confirm(current.principal, form.code.trim(), meta);
      return { status: 200, template: 'recovery-codes', title: 'Save your recovery codes', data: { codes } };
    } catch (error) {
      if (error instanceof AppException && error.code === 'USER_1401') {
        return {
          status: 401,
          template: 'mfa-confirm',
          title: 'Set up two-step verification',
          errors: [{ message: pageMessageOf('USER_1401', 401), field: 'mfa-code' }],
          data: { csrf: this.csrf.token(request, reply) },
        };
      }
      return this.mfaRefused(error, request, reply, current);
    }
  }

  private async mfaRefused(
    error: unknown,
    request: FastifyRequest,
    reply: FastifyReply,
    current: PageUser,
  ): Promise<Page> {
    if (!(error instanceof AppException) || !['USER_1403', 'USER_1404', 'USER_1003'].includes(error.code)) throw error;
    const errors = [{ message: pageMessageOf(error.code, error.status) }];
    return this.overview(request, reply, current, { errors, status: error.status });
  }

  /** As POST /auth/email/resend: a new link to the current address (older links stop working). */
  async resendVerification(request: FastifyRequest, reply: FastifyReply, current: PageUser): Promise<Page> {
    this.assertEnrolled(current);
    await this.verification.sendVerification(current.principal);
    return this.overview(request, reply, current, {
      notice: `A new verification link is on its way to ${current.user.email}.`,
    });
  }

  /**
   * MFA_REQUIRED_ROLES, as the API's enrolment guard: until a second factor is confirmed,
   * only the page itself, MFA setup, sessions and sign-out (USER_1402, a page).
   */
  private mustEnrol(current: PageUser): boolean {
    return !current.user.mfaEnabled && this.config.mfa.requiredRoles.includes(current.user.role);
  }

  private assertEnrolled(current: PageUser): void {
    if (this.mustEnrol(current)) throw new AppException('USER_1402');
  }

  /** Ends this session (as POST /auth/logout) and drops the cookie. */
  async signOut(reply: FastifyReply, current: PageUser): Promise<PageAnswer> {
    await this.lifecycle.logout(current.principal);
    this.pageSessions.clear(reply);
    return { redirect: ACCOUNT_SIGN_IN_PATH };
  }
}
