import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Eta } from 'eta';
import type { FastifyReply } from 'fastify';
import type { CacheableBody } from '#src/common/http/conditional-get.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { isRedirect, type Page, type PageAnswer, TEMPLATES } from './page.js';
import { SITE_CSS } from './site-css.js';

const SITE_CSS_PATH = '/pages/assets/site.css';

/**
 * The pages' Content-Security-Policy: no script at all, styles and images from this origin
 * (the MFA QR code is a data: image), nothing may frame them. No `form-action`: browsers
 * apply it to the redirects after a POST too, and the OpenID sign-in ends with a redirect
 * to the client's own origin.
 */
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'none'",
  "style-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "object-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SITE_NAME = 'Account';

/** Renders the hosted pages with Eta (auto-escaping) and sends them, or their redirects. */
@Injectable()
export class PageRenderer {
  private readonly eta = new Eta({ autoEscape: true, autoTrim: [false, 'nl'], cache: true, useWith: false });
  private readonly css: CacheableBody<string> = {
    body: SITE_CSS,
    etag: `"${createHash('sha256').update(SITE_CSS).digest('base64url').slice(0, 32)}"`,
    cacheControl: 'public, max-age=3600',
  };

  constructor(@InjectConfig() private readonly config: AppConfig) {
    for (const [name, template] of Object.entries(TEMPLATES)) this.eta.loadTemplate(`@${name}`, template);
  }

  /** The HTML of a page (tests and the OpenID interaction may want the text itself). */
  render(page: Page): string {
    return this.eta.render(`@${page.template}`, {
      ...page.data,
      title: page.title,
      errors: page.errors ?? [],
      notice: page.notice,
      siteName: SITE_NAME,
      cssHref: SITE_CSS_PATH,
    });
  }

  /** Sends a page (HTML, the pages' CSP, never cached) or a 303 redirect. */
  send(reply: FastifyReply, answer: PageAnswer): void {
    if (isRedirect(answer)) {
      void reply.status(303).header('location', answer.redirect).send();
      return;
    }
    void reply
      .status(answer.status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', PAGE_CSP)
      .header('cache-control', 'no-store')
      .send(this.render(answer));
  }

  /** The stylesheet, with its validator: the same on every pod. */
  stylesheet(): CacheableBody<string> {
    return this.css;
  }

  /** Cookies are Secure when the service is reached over HTTPS (PUBLIC_URL). */
  get secureCookies(): boolean {
    return this.config.http.publicUrl.startsWith('https:');
  }
}
