import { applyDecorators, Controller, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '#src/common/decorators/auth.decorators.js';
import { FormBody } from '#src/common/http/form-body.js';
import { CsrfGuard } from './page-session/csrf.guard.js';
import { PageUserGuard } from './page-session/page-user.guard.js';
import { PageExceptionFilter } from './rendering/page-exception.filter.js';

/**
 * A controller of hosted pages: outside the JWT guard (pages have their own cookie
 * session), outside the OpenAPI document (HTML, not the JSON API), errors rendered as pages.
 * The OpenID interaction's controller uses it too.
 */
export const PageController = (path = ''): ClassDecorator =>
  applyDecorators(Controller(path), Public(), ApiExcludeController(), UseFilters(PageExceptionFilter));

/** A page form's POST: a urlencoded body (small) and a valid CSRF token, else 403 before anything runs. */
export const PageForm = (): MethodDecorator => applyDecorators(FormBody(), UseGuards(CsrfGuard));

/** An account page (GET): a live page session, else a redirect to the sign-in page. */
export const SignedInPage = (): MethodDecorator => applyDecorators(UseGuards(PageUserGuard));

/** An account form: the CSRF token first, then the live page session. */
export const SignedInForm = (): MethodDecorator => applyDecorators(FormBody(), UseGuards(CsrfGuard, PageUserGuard));
