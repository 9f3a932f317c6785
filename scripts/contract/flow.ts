// The typescript-fetch client's flow (issue 13 item 2), run by scripts/contract/clients.mjs:
// compiled with tsc (strict) against the client openapi-generator made from the served
// document, so it is not part of the repository's own build or lint (only Prettier's). It
// goes through every tag as a client team would, and fails on a field the client dropped
// (each answer's raw JSON, captured by a middleware, against what the client deserialised),
// a deserialisation error, or an error body that is not contract §1's or whose code the
// document does not list for that operation and status.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as api from './client/index.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set (run scripts/contract/clients.sh)`);
  return value;
};
const base = env('FLOW_BASE_URL');
const mailDir = env('FLOW_MAIL_DIR');
const serviceToken = env('FLOW_SERVICE_TOKEN');
const admin = { email: env('FLOW_ADMIN_EMAIL'), password: env('FLOW_ADMIN_PASSWORD') };
const importHash = { hash: env('FLOW_IMPORT_HASH'), password: env('FLOW_IMPORT_PASSWORD') };
type Operation = { operationId?: string; responses: Record<string, unknown>; 'x-error-codes'?: string[] };
const document = JSON.parse(readFileSync(env('FLOW_OPENAPI'), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
};

const problems: string[] = [];
let steps = 0;

// --- the raw answer of the last call, as the server sent it -----------------------------
let captured: { status: number; text: string } | undefined;
const capture: api.Middleware = {
  async post(context) {
    captured = { status: context.response.status, text: await context.response.clone().text() };
    return context.response;
  },
};
/** The answer captured since the last call of this (a function: TS would keep `undefined` narrowed). */
function takeCaptured(): { status: number; text: string } | undefined {
  const value = captured;
  captured = undefined;
  return value;
}

function clients(auth: { bearer?: string; service?: boolean } = {}) {
  const configuration = new api.Configuration({
    basePath: base,
    middleware: [capture],
    accessToken: auth.bearer === undefined ? undefined : () => auth.bearer ?? '',
    apiKey: auth.service === true ? () => serviceToken : undefined,
  });
  return {
    auth: new api.AuthApi(configuration),
    users: new api.UsersApi(configuration),
    sessions: new api.SessionsApi(configuration),
    extras: new api.ProfileExtrasApi(configuration),
    audit: new api.AuditApi(configuration),
    compat: new api.CompatFirstVersionApi(configuration),
    ops: new api.OperationsApi(configuration),
  };
}

const camel = (key: string): string => key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
const show = (v: unknown): string => (v instanceof Date ? v.toISOString() : JSON.stringify(v));

/** Every field of the wire JSON must be in the deserialised value, equal (dates as instants). */
function compare(path: string, raw: unknown, got: unknown): void {
  if (raw === null || typeof raw !== 'object') {
    const same =
      got instanceof Date ? typeof raw === 'string' && Date.parse(raw) === got.getTime() : Object.is(raw, got);
    if (!same) problems.push(`${path}: ${show(raw)} on the wire, ${show(got)} in the client`);
    return;
  }
  if (Array.isArray(raw)) {
    if (!Array.isArray(got) || got.length !== raw.length) {
      problems.push(`${path}: an array of ${raw.length} on the wire, ${show(got)} in the client`);
      return;
    }
    raw.forEach((item, i) => compare(`${path}[${i}]`, item, got[i]));
    return;
  }
  if (typeof got !== 'object' || got === null || got instanceof Date || Array.isArray(got)) {
    problems.push(`${path}: an object on the wire, ${show(got)} in the client`);
    return;
  }
  const value = got as Record<string, unknown>;
  for (const [key, item] of Object.entries(raw)) {
    // Model properties are camelCase; free-form objects keep the wire's keys.
    const name = camel(key) in value ? camel(key) : key;
    if (value[name] === undefined) problems.push(`${path}.${key}: dropped by the client (wire: ${show(item)})`);
    else compare(`${path}.${key}`, item, value[name]);
  }
}

/** One call whose answer is checked field by field against the raw JSON. */
async function step<T>(label: string, call: () => Promise<T>): Promise<T> {
  steps += 1;
  takeCaptured();
  let value: T;
  try {
    value = await call();
  } catch (error) {
    const answer = takeCaptured();
    const detail =
      error instanceof api.ResponseError ? `${error.response.status} ${answer?.text ?? ''}` : String(error);
    throw new Error(`${label}: ${detail}`);
  }
  const answer = takeCaptured();
  if (answer === undefined) throw new Error(`${label}: no response captured`);
  if (answer.text !== '') compare(label, JSON.parse(answer.text), value);
  return value;
}

function operation(operationId: string): Operation {
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(item)) if (op.operationId === operationId) return op;
  }
  throw new Error(`no operation ${operationId} in the document`);
}

const ERROR_FIELDS = ['details', 'error_code', 'message', 'request_id', 'timestamp'];

/** A call that must fail with `status` and `code`, in contract §1's body, as the document declares. */
async function fails(label: string, operationId: string, status: number, code: string, call: () => Promise<unknown>) {
  steps += 1;
  try {
    await call();
  } catch (error) {
    if (!(error instanceof api.ResponseError)) throw new Error(`${label}: ${String(error)}`);
    const body = (await error.response.json()) as Record<string, unknown>;
    const op = operation(operationId);
    if (error.response.status !== status) problems.push(`${label}: status ${error.response.status}, not ${status}`);
    if (JSON.stringify(Object.keys(body).sort()) !== JSON.stringify(ERROR_FIELDS)) {
      problems.push(`${label}: error body fields ${Object.keys(body).sort().join(',')}`);
    }
    if (body.error_code !== code) problems.push(`${label}: error_code ${show(body.error_code)}, not ${code}`);
    if (op.responses[String(status)] === undefined) problems.push(`${label}: ${status} is not declared`);
    if (!(op['x-error-codes'] ?? []).includes(code)) problems.push(`${label}: ${code} is not declared`);
    return;
  }
  problems.push(`${label}: succeeded, expected ${status} ${code}`);
}

// --- mail from the test SMTP server ------------------------------------------------------
/** The token of the `nth` mail to `to` with a `link` (sign-up sends one verification mail, resend another). */
async function tokenFromMail(to: string, link: 'verify-email' | 'reset-password', nth: number): Promise<string> {
  const pattern = new RegExp(`/${link}\\?token=([A-Za-z0-9_-]+)`);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const tokens = readdirSync(mailDir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(mailDir, f), 'utf8')) as { to: string[]; text: string })
      .filter((mail) => mail.to.includes(to.toLowerCase()))
      .map((mail) => pattern.exec(mail.text)?.[1])
      .filter((token) => token !== undefined);
    if (tokens.length >= nth) return tokens[nth - 1];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${link} mail number ${nth} to ${to} within 15 s`);
}

function expect(label: string, condition: boolean): void {
  if (!condition) problems.push(label);
}

// --- the flow ----------------------------------------------------------------------------
const tag = Math.random().toString(36).slice(2, 8);
const anon = clients();
const service = clients({ service: true });
const user = { email: `ts-user-${tag}@example.com`, password: `Ts-User-${tag}-Pass9!`, username: `tsuser${tag}` };

// operations
await step('liveness', () => anon.ops.healthControllerLiveness());
await step('readiness', () => anon.ops.healthControllerReadiness());
await step('stats', () => anon.ops.healthControllerStats());
await step('health', () => anon.ops.healthControllerStatus());
await step('jwks', () => anon.auth.jwksControllerJwks());

// user self-service
const created = await step('register', () =>
  anon.auth.authControllerRegister({
    registerRequestDto: { email: user.email, password: user.password, name: 'TS User', username: user.username },
  }),
);
let tokens = await step('login', () =>
  anon.auth.authControllerLogin({ loginRequestDto: { email: user.email, password: user.password } }),
);
let me = clients({ bearer: tokens.accessToken });
await step('me', () => me.users.usersControllerMe());
await step('update profile', () =>
  me.users.usersControllerUpdateMe({
    updateProfileRequestDto: { name: 'TS User Renamed', region: 'Wales', businessType: 'bakery', phone: null },
  }),
);
tokens = await step('refresh', () =>
  anon.auth.authControllerRefresh({ refreshRequestDto: { refreshToken: tokens.refreshToken } }),
);
me = clients({ bearer: tokens.accessToken });
await fails('refresh with a spent token', 'AuthController_refresh', 401, 'USER_1006', () =>
  anon.auth.authControllerRefresh({ refreshRequestDto: { refreshToken: 'x'.repeat(43) } }),
);

// email verification and password flows, mail read from the test SMTP server
await step('resend verification', () => me.auth.authControllerResend());
const verifyToken = await tokenFromMail(user.email, 'verify-email', 2);
await step('verify email', () =>
  anon.auth.authControllerVerifyEmail({ verifyEmailRequestDto: { token: verifyToken } }),
);
expect('is_verified after verification', (await step('me (verified)', () => me.users.usersControllerMe())).isVerified);
user.password = `Ts-Changed-${tag}-Pass9!`;
await step('change password', () =>
  me.auth.authControllerChangePassword({
    changePasswordRequestDto: { currentPassword: `Ts-User-${tag}-Pass9!`, newPassword: user.password },
  }),
);
await step('forgot password', () =>
  anon.auth.authControllerForgot({ forgotPasswordRequestDto: { email: user.email } }),
);
const resetToken = await tokenFromMail(user.email, 'reset-password', 1);
user.password = `Ts-Reset-${tag}-Pass9!`;
await step('reset password', () =>
  anon.auth.authControllerReset({ resetPasswordRequestDto: { token: resetToken, newPassword: user.password } }),
);
await fails('reset with a used token', 'AuthController_reset', 400, 'USER_1007', () =>
  anon.auth.authControllerReset({ resetPasswordRequestDto: { token: resetToken, newPassword: user.password } }),
);

// sessions
tokens = await step('login after reset', () =>
  anon.auth.authControllerLogin({ loginRequestDto: { username: user.username, password: user.password } }),
);
me = clients({ bearer: tokens.accessToken });
const second = await step('second login', () =>
  anon.auth.authControllerLogin({ loginRequestDto: { email: user.email, password: user.password } }),
);
const sessions = await step('list sessions', () => me.sessions.sessionsControllerList());
const other = sessions.find((s) => !s.current);
expect('two sessions, one current', sessions.length === 2 && other !== undefined);
if (other !== undefined) await step('revoke session', () => me.sessions.sessionsControllerRevoke({ id: other.id }));
await fails('the revoked session', 'UsersController_me', 401, 'USER_1006', () =>
  clients({ bearer: second.accessToken }).users.usersControllerMe(),
);

// badges and goals
await step('add badge', () =>
  me.extras.profileExtrasControllerAddBadge({
    id: created.id,
    createBadgeRequestDto: { name: 'First steps', iconUrl: 'https://example.com/b.png' },
  }),
);
await step('list badges', () => anon.extras.profileExtrasControllerListBadges({ id: created.id }));
const goal = await step('add goal', () =>
  me.extras.profileExtrasControllerAddGoal({ id: created.id, createGoalRequestDto: { title: 'Read daily' } }),
);
await step('update goal', () =>
  me.extras.profileExtrasControllerUpdateGoal({
    id: created.id,
    goalId: goal.id,
    updateGoalRequestDto: { status: 'completed', streakCount: 3 },
  }),
);
await step('list goals', () => anon.extras.profileExtrasControllerListGoals({ id: created.id, limit: 5 }));
await step('remove goal', () => me.extras.profileExtrasControllerRemoveGoal({ id: created.id, goalId: goal.id }));
await step('export own data', () => me.users.usersControllerExport());

// admin reads and writes of another user
const adminTokens = await step('admin login', () =>
  anon.auth.authControllerLogin({ loginRequestDto: { email: admin.email, password: admin.password } }),
);
const staff = clients({ bearer: adminTokens.accessToken });
const adminMe = await step('admin me', () => staff.users.usersControllerMe());
const full = await step('admin reads user by id', () => staff.users.usersControllerById({ id: created.id }));
expect('admin sees the email and role of another user', full.email === user.email && full.role === 'user');
await step('admin reads user by username', () => staff.users.usersControllerByUsername({ username: user.username }));
await step('admin lists users', () => staff.users.usersControllerList({ q: user.username, limit: 10 }));
await step('admin changes role', () =>
  staff.users.usersControllerChangeRole({ id: created.id, changeRoleRequestDto: { role: 'moderator' } }),
);
await step('admin changes role back', () =>
  staff.users.usersControllerChangeRole({ id: created.id, changeRoleRequestDto: { role: 'user' } }),
);
const extra = await step('admin creates user', () =>
  staff.users.usersControllerCreate({
    adminCreateUserRequestDto: {
      email: `ts-extra-${tag}@example.com`,
      password: `Ts-Extra-${tag}-Pass9!`,
      name: 'TS Extra',
      role: 'user',
      isVerified: true,
    },
  }),
);
await step('admin deactivates user', () =>
  staff.users.usersControllerUpdate({ id: extra.id, adminUpdateUserRequestDto: { isActive: false, region: 'Kent' } }),
);
await step('admin unlocks user', () => staff.users.usersAuthControllerUnlock({ id: extra.id }));
await step('admin erases user', () => staff.users.usersControllerRemove({ id: extra.id }));
await fails('the erased user', 'UsersController_byId', 404, 'USER_1101', () =>
  staff.users.usersControllerById({ id: extra.id }),
);
const publicView = await step('a user reads another (public view)', () =>
  me.users.usersControllerById({ id: adminMe.id }),
);
expect('the public view has no email', publicView.email === undefined && publicView.name === adminMe.name);
await fails('a user lists users', 'UsersController_list', 403, 'COMMON_1003', () => me.users.usersControllerList({}));

// import and audit
const report = await step('admin imports a user', () =>
  staff.users.userImportControllerImport({
    importUsersRequestDto: {
      users: [{ email: `ts-imported-${tag}@example.com`, name: 'TS Imported', passwordHash: importHash.hash }],
    },
  }),
);
expect('the import imported one user', report.imported === 1);
await step('the imported user logs in', () =>
  anon.auth.authControllerLogin({
    loginRequestDto: { email: `ts-imported-${tag}@example.com`, password: importHash.password },
  }),
);
const audit = await step('admin reads the audit', () => staff.audit.auditControllerList({ userId: created.id }));
expect(
  'the audit lists the role changes',
  audit.items.some((e) => e.action === 'user.role_change'),
);

// service-token reads: by id, by username, credential check, the export a consumer backfills from
const asService = await step('service reads user by id', () => service.users.usersControllerById({ id: created.id }));
expect('a service token gets the full user', asService.email === user.email);
await step('service reads user by username', () =>
  service.users.usersControllerByUsername({ username: user.username }),
);
await step('service checks credentials', () =>
  service.users.usersAuthControllerVerifyCredentials({
    verifyCredentialsRequestDto: { email: user.email, password: user.password },
  }),
);
const seen: string[] = [];
let cursor: string | undefined;
for (let page = 0; page < 50; page += 1) {
  const got = await step(`service export page ${page}`, () =>
    service.users.usersControllerExportPage({ after: cursor, limit: 2 }),
  );
  seen.push(...got.items.map((u) => u.id));
  if (got.nextCursor === null || got.nextCursor === undefined) break;
  cursor = got.nextCursor;
}
expect('the export lists the user and the admin', seen.includes(created.id) && seen.includes(adminMe.id));
expect('the export leaves the erased user out', !seen.includes(extra.id));
await fails('a user reads the export', 'UsersController_exportPage', 401, 'COMMON_1001', () =>
  me.users.usersControllerExportPage({}),
);
await fails('a forged cursor', 'UsersController_exportPage', 400, 'COMMON_1000', () =>
  service.users.usersControllerExportPage({ after: "'OR 1=1--AAAAAAAAAAAAAA" }),
);

// the first version's routes
const legacy = {
  username: `tslegacy${tag}`,
  email: `ts-legacy-${tag}@example.com`,
  password: `Ts-Legacy-${tag}-Pass9!`,
};
await step('legacy sign-up', () => anon.compat.legacyUsersControllerCreate({ legacyCreateUserRequestDto: legacy }));
const legacyFull = await step('legacy lookup (service)', () =>
  service.compat.legacyUsersControllerByUsername({ username: legacy.username }),
);
expect('the legacy lookup gives a service the email', legacyFull.email === legacy.email);
await step('legacy lookup (another user: public)', () =>
  me.compat.legacyUsersControllerByUsername({ username: legacy.username }),
);
await step('legacy credential check', () =>
  service.compat.legacyUsersControllerVerifyCredentials({
    verifyCredentialsRequestDto: { username: legacy.username, password: legacy.password },
  }),
);
const legacyTokens = await step('legacy user logs in', () =>
  anon.auth.authControllerLogin({ loginRequestDto: { email: legacy.email, password: legacy.password } }),
);
await step('legacy user erases own account', () =>
  clients({ bearer: legacyTokens.accessToken }).users.usersControllerDeleteMe({
    deleteAccountRequestDto: { password: legacy.password },
  }),
);

// the end of sessions
await step('logout', () => me.auth.authControllerLogout());
await fails('after logout', 'UsersController_me', 401, 'USER_1006', () => me.users.usersControllerMe());
const again = await step('login again', () =>
  anon.auth.authControllerLogin({ loginRequestDto: { email: user.email, password: user.password } }),
);
await step('logout everywhere', () => clients({ bearer: again.accessToken }).auth.authControllerLogoutAll());

if (problems.length > 0) {
  console.error(`[flow.ts] ${problems.length} problem(s) in ${steps} calls:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.error(`[flow.ts] ${steps} calls over every tag: no field dropped, every error body typed`);
