/**
 * A browser without a browser for the hosted pages' e2e tests: fetch with a cookie jar, no
 * redirect following (the tests look at each 303), form posts as
 * application/x-www-form-urlencoded, and the CSRF token read from the last page.
 */
export interface PageRes {
  status: number;
  html: string;
  headers: Headers;
  location: string | null;
}

export class PageClient {
  readonly cookies = new Map<string, string>();
  /** The last HTML page. */
  last = '';
  /** The CSRF token of the last page that had a form: what `post` sends by default. */
  csrf: string | null = null;

  constructor(readonly base: string) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<PageRes> {
    return this.send('GET', path, undefined, headers);
  }

  /** Posts a form with the last page's CSRF token unless `_csrf` is given (null: none at all). */
  async post(path: string, fields: Record<string, string>, csrf?: string | null): Promise<PageRes> {
    if (csrf === undefined && this.csrf === null) throw new Error('no page with a form was loaded');
    const token = csrf === undefined ? this.csrf : csrf;
    const form = new URLSearchParams(token === null ? fields : { _csrf: token, ...fields });
    return this.send('POST', path, form.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
  }

  /** A raw body, for the size and shape probes. */
  async postRaw(path: string, body: string, contentType = 'application/x-www-form-urlencoded'): Promise<PageRes> {
    return this.send('POST', path, body, { 'content-type': contentType });
  }

  private async send(
    method: string,
    path: string,
    body: string | undefined,
    headers: Record<string, string>,
  ): Promise<PageRes> {
    // The provider answers absolute URLs (its issuer is PUBLIC_URL, the listener in these tests).
    if (path.startsWith(this.base)) path = path.slice(this.base.length);
    if (!path.startsWith('/')) throw new Error(`not this site: ${path}`);
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(this.base + path, {
      method,
      body,
      redirect: 'manual',
      headers: { ...headers, ...(cookie === '' ? {} : { cookie }) },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const html = await res.text();
    if (res.headers.get('content-type')?.startsWith('text/html') === true) {
      this.last = html;
      const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
      if (token !== undefined) this.csrf = token;
    }
    return { status: res.status, html, headers: res.headers, location: res.headers.get('location') };
  }
}

/** The first `_csrf` hidden field of a page. */
export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (match === null) throw new Error('no CSRF token on the page');
  return match[1];
}

/** A hidden or text field's value by name. */
export function fieldOf(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (match === null) throw new Error(`no field ${name} on the page`);
  return match[1];
}

/** The text of the error summary's items (empty when there is none). */
export function errorsOf(html: string): string[] {
  const summary = /<div class="error-summary"[\s\S]*?<\/div>/.exec(html)?.[0] ?? '';
  return [...summary.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1].replace(/<[^>]+>/g, '').trim());
}

/** A form's action by the form's id. */
export function actionOf(html: string, formId: string): string {
  const match = new RegExp(`<form [^>]*action="([^"]+)"[^>]*id="${formId}"`).exec(html);
  if (match === null) throw new Error(`no form #${formId} on the page`);
  return match[1].replaceAll('&#x2F;', '/').replaceAll('&#47;', '/').replaceAll('&amp;', '&');
}

/** Follows 303s (the provider's and ours) until a page answers or the browser is sent to `/account`. */
export async function follow(client: PageClient, res: PageRes): Promise<PageRes> {
  let current = res;
  for (let hops = 0; current.status === 303 && current.location !== '/account'; hops += 1) {
    if (hops > 10 || current.location === null) throw new Error(`redirect loop or no location: ${current.location}`);
    current = await client.get(current.location);
  }
  return current;
}

/**
 * Starts the account page's sign-in as a browser does: GET /account/signin → the provider's
 * /oidc/auth (client `account`, PKCE) → the interaction's hosted sign-in page.
 */
export async function startSignIn(client: PageClient): Promise<PageRes> {
  const page = await follow(client, await client.get('/account/signin'));
  if (!/id="signin-form"/.test(page.html))
    throw new Error(`no sign-in page: ${page.status} ${page.html.slice(0, 300)}`);
  return page;
}

/**
 * Signs a page client in through the provider (the interaction's form, then its redirects to
 * /account/callback); answers the 303 to /account, or the page the sign-in stopped at (an
 * error, the second factor).
 */
export async function signInPage(client: PageClient, identifier: string, password: string): Promise<PageRes> {
  const page = await startSignIn(client);
  return follow(client, await client.post(actionOf(page.html, 'signin-form'), { identifier, password }));
}
