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

/** Signs a page client in through the hosted form; returns the 303's location. */
export async function signInPage(client: PageClient, identifier: string, password: string): Promise<PageRes> {
  await client.get('/account/signin');
  return client.post('/account/signin', { identifier, password });
}
