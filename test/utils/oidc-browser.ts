/** A cookie jar over fetch: enough of a browser to drive the provider's sign-in with form POSTs. */
export class FormBrowser {
  private readonly cookies = new Map<string, string>();

  /** Follows redirects by hand (keeping cookies) until one leaves `base`, or a page answers. */
  async go(
    url: string,
    init: { method?: string; form?: Record<string, string>; stopAt?: string } = {},
  ): Promise<{ status: number; url: string; body: string; location: string | null }> {
    let current = url;
    let method = init.method ?? 'GET';
    let body: string | undefined = init.form === undefined ? undefined : new URLSearchParams(init.form).toString();
    for (let hop = 0; hop < 10; hop++) {
      const res = await fetch(current, {
        method,
        redirect: 'manual',
        headers: {
          cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        body,
      });
      for (const line of res.headers.getSetCookie()) {
        const [pair = ''] = line.split(';');
        const eq = pair.indexOf('=');
        const name = pair.slice(0, eq).trim();
        const value = pair.slice(eq + 1).trim();
        if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
        else this.cookies.set(name, value);
      }
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location !== null) {
        const next = new URL(location, current).href;
        if (new URL(next).origin !== new URL(url).origin || (init.stopAt !== undefined && next.startsWith(init.stopAt)))
          return { status: res.status, url: current, body: '', location: next };
        current = next;
        method = 'GET';
        body = undefined;
        continue;
      }
      return { status: res.status, url: current, body: await res.text(), location };
    }
    throw new Error('too many redirects');
  }
}

/** The action of the page's first form whose action ends with `suffix`. */
export function formAction(html: string, suffix: string): string {
  const match = [...html.matchAll(/<form[^>]*action="([^"]+)"/g)].map((m) => m[1]).find((a) => a.endsWith(suffix));
  if (match === undefined) throw new Error(`no form ending in ${suffix} in: ${html.slice(0, 400)}`);
  return match.replace(/&amp;/g, '&');
}

/** The hidden fields of the page's form whose action ends with `suffix` (`_csrf`, `mfa_token`). */
export function hiddenFields(html: string, suffix: string): Record<string, string> {
  const forms = [...html.matchAll(/<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)];
  const form = forms.find((m) => m[1].replace(/&amp;/g, '&').endsWith(suffix));
  if (form === undefined) throw new Error(`no form ending in ${suffix}`);
  const fields: Record<string, string> = {};
  for (const m of form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    fields[m[1]] = m[2];
  }
  return fields;
}
