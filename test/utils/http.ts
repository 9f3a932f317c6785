/** A tiny JSON client over fetch for the e2e tests. */
export interface Res<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function http<T = any>(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string>; raw?: string } = {},
): Promise<Res<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

let counter = 0;
/** A unique, policy-compliant identity for one test. */
export function newIdentity(tag = 'u'): { email: string; password: string; name: string; username: string } {
  counter += 1;
  const id = `${tag}${Date.now().toString(36)}${counter}${Math.floor(Math.random() * 1e6).toString(36)}`;
  return { email: `${id}@example.com`, password: `Str0ng-Pass-${id}`, name: `Test ${id}`, username: id.slice(0, 32) };
}

export async function registerAndLogin(
  base: string,
  identity = newIdentity(),
): Promise<{ id: string; access: string; refresh: string; identity: ReturnType<typeof newIdentity> }> {
  const reg = await http(base, 'POST', '/api/v1/auth/register', { body: identity });
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${JSON.stringify(reg.body)}`);
  const login = await http(base, 'POST', '/api/v1/auth/login', {
    body: { email: identity.email, password: identity.password },
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  return { id: reg.body.id, access: login.body.access_token, refresh: login.body.refresh_token, identity };
}
