import { LAYOUT_TEMPLATES } from './layout.templates.js';
import { ACCOUNT_TEMPLATES } from '../account/account.templates.js';
import { CONSENT_TEMPLATES } from '../consent/consent.templates.js';
import { EMAIL_TEMPLATES } from '../email/email.templates.js';
import { PASSWORD_TEMPLATES } from '../password/password.templates.js';
import { SIGN_IN_TEMPLATES } from '../sign-in/sign-in.templates.js';

/** Every template, by name (the layout included). */
export const TEMPLATES = {
  ...LAYOUT_TEMPLATES,
  ...SIGN_IN_TEMPLATES,
  ...CONSENT_TEMPLATES,
  ...EMAIL_TEMPLATES,
  ...PASSWORD_TEMPLATES,
  ...ACCOUNT_TEMPLATES,
};

type TemplateName = Exclude<keyof typeof TEMPLATES, 'layout'>;

/** A problem shown in the error summary; `field` is the id of the input it links to. */
export interface PageError {
  message: string;
  field?: string;
}

/**
 * A page to send: what services return to controllers, which only send it. Everything in
 * `data` is escaped by the template.
 */
export interface Page {
  status: number;
  template: TemplateName;
  title: string;
  data?: Record<string, unknown>;
  errors?: PageError[];
  notice?: string;
}

/** A redirect after a form POST (303: the browser follows with a GET). */
export interface Redirect {
  redirect: string;
}

export type PageAnswer = Page | Redirect;

export const isRedirect = (answer: PageAnswer): answer is Redirect => 'redirect' in answer;
