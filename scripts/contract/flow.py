"""The python client's flow (issue 13 item 2), run by scripts/contract/clients.mjs.

Drives the client openapi-generator made from the served document through every tag, as
scripts/contract/flow.ts does, and fails on a field the client dropped (each answer's raw
JSON against what the client deserialised), a deserialisation error, or an error body that
the client cannot type, that is not contract §1's, or whose code the document does not list
for that operation and status.
"""

import json
import os
import random
import re
import string
import sys
import time
from datetime import datetime
from pathlib import Path
from uuid import UUID

import user_service_client as api
from user_service_client.exceptions import ApiException


def env(name):
    value = os.environ.get(name, "")
    if not value:
        sys.exit(f"[flow.py] {name} is not set (run scripts/contract/clients.sh)")
    return value


BASE = env("FLOW_BASE_URL")
MAIL_DIR = Path(env("FLOW_MAIL_DIR"))
SERVICE_TOKEN = env("FLOW_SERVICE_TOKEN")
ADMIN = {"email": env("FLOW_ADMIN_EMAIL"), "password": env("FLOW_ADMIN_PASSWORD")}
IMPORT_HASH, IMPORT_PASSWORD = env("FLOW_IMPORT_HASH"), env("FLOW_IMPORT_PASSWORD")
DOCUMENT = json.loads(Path(env("FLOW_OPENAPI")).read_text())
ERROR_FIELDS = ["details", "error_code", "message", "request_id", "timestamp"]

problems = []
steps = 0


class Clients:
    """One API object per tag, signed in as a bearer, a service, or nobody."""

    def __init__(self, bearer=None, service=False):
        configuration = api.Configuration(host=BASE)
        if bearer is not None:
            configuration.access_token = bearer
        if service:
            configuration.api_key["service-token"] = SERVICE_TOKEN
        client = api.ApiClient(configuration)
        self.auth = api.AuthApi(client)
        self.users = api.UsersApi(client)
        self.sessions = api.SessionsApi(client)
        self.extras = api.ProfileExtrasApi(client)
        self.audit = api.AuditApi(client)
        self.compat = api.CompatFirstVersionApi(client)
        self.ops = api.OperationsApi(client)


def same_scalar(raw, got):
    if isinstance(got, datetime):
        return isinstance(raw, str) and datetime.fromisoformat(raw.replace("Z", "+00:00")) == got
    if isinstance(got, UUID):
        return isinstance(raw, str) and UUID(raw) == got
    if isinstance(raw, bool) or isinstance(got, bool):
        return raw is got
    return raw == got


def compare(path, raw, got):
    """Every field of the wire JSON must be in the deserialised value, equal (dates as instants)."""
    if isinstance(raw, dict):
        if not isinstance(got, dict):
            problems.append(f"{path}: an object on the wire, {got!r} in the client")
            return
        for key, item in raw.items():
            if key not in got:
                problems.append(f"{path}.{key}: dropped by the client (wire: {item!r})")
            else:
                compare(f"{path}.{key}", item, got[key])
    elif isinstance(raw, list):
        if not isinstance(got, list) or len(got) != len(raw):
            problems.append(f"{path}: an array of {len(raw)} on the wire, {got!r} in the client")
            return
        for i, (r, g) in enumerate(zip(raw, got)):
            compare(f"{path}[{i}]", r, g)
    elif not same_scalar(raw, got):
        problems.append(f"{path}: {raw!r} on the wire, {got!r} in the client")


def plain(value):
    """A deserialised answer as plain data: models through their to_dict(), lists item by item."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return value


def step(label, call):
    """One call (a *_with_http_info method) whose answer is checked field by field against the raw JSON."""
    global steps
    steps += 1
    try:
        response = call()
    except ApiException as error:
        raise SystemExit(f"[flow.py] {label}: {error.status} {error.body}") from error
    if response.raw_data:
        compare(label, json.loads(response.raw_data), plain(response.data))
    return response.data


def operation(operation_id):
    for item in DOCUMENT["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return op
    raise SystemExit(f"[flow.py] no operation {operation_id} in the document")


def fails(label, operation_id, status, code, call):
    """A call that must fail with status and code, in contract §1's body, typed by the client."""
    global steps
    steps += 1
    try:
        call()
    except ApiException as error:
        body = json.loads(error.body)
        op = operation(operation_id)
        if error.status != status:
            problems.append(f"{label}: status {error.status}, not {status}")
        if sorted(body) != ERROR_FIELDS:
            problems.append(f"{label}: error body fields {sorted(body)}")
        if body.get("error_code") != code:
            problems.append(f"{label}: error_code {body.get('error_code')!r}, not {code}")
        if str(status) not in op["responses"]:
            problems.append(f"{label}: {status} is not declared")
        if code not in op.get("x-error-codes", []):
            problems.append(f"{label}: {code} is not declared")
        if error.data is None:
            problems.append(f"{label}: the client did not type the error body")
        else:
            compare(f"{label} (error)", body, plain(error.data))
        return
    problems.append(f"{label}: succeeded, expected {status} {code}")


def token_from_mail(to, link, nth):
    """The token of the nth mail to `to` with a `link` (sign-up sends one verification mail, resend another)."""
    pattern = re.compile(rf"/{link}\?token=([A-Za-z0-9_-]+)")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        mails = [json.loads(f.read_text()) for f in sorted(MAIL_DIR.glob("*.json"))]
        tokens = [m.group(1) for mail in mails if to.lower() in mail["to"] for m in [pattern.search(mail["text"])] if m]
        if len(tokens) >= nth:
            return tokens[nth - 1]
        time.sleep(0.1)
    raise SystemExit(f"[flow.py] no {link} mail number {nth} to {to} within 15 s")


def expect(label, condition):
    if not condition:
        problems.append(label)


# --- the flow -------------------------------------------------------------------------------
tag = "".join(random.choices(string.ascii_lowercase + string.digits, k=6))
anon, service = Clients(), Clients(service=True)
user = {"email": f"py-user-{tag}@example.com", "password": f"Py-User-{tag}-Pass9!", "username": f"pyuser{tag}"}

# operations
step("liveness", lambda: anon.ops.health_controller_liveness_with_http_info())
step("readiness", lambda: anon.ops.health_controller_readiness_with_http_info())
step("stats", lambda: anon.ops.health_controller_stats_with_http_info())
step("health", lambda: anon.ops.health_controller_status_with_http_info())
step("jwks", lambda: anon.auth.jwks_controller_jwks_with_http_info())

# user self-service
created = step(
    "register",
    lambda: anon.auth.auth_controller_register_with_http_info(
        api.RegisterRequestDto(email=user["email"], password=user["password"], name="Py User", username=user["username"])
    ),
)


def login(who, password, by="email"):
    body = api.LoginRequestDto(password=password, **{by: who})
    return step(f"login ({who})", lambda: anon.auth.auth_controller_login_with_http_info(body))


tokens = login(user["email"], user["password"])
me = Clients(bearer=tokens.access_token)
step("me", lambda: me.users.users_controller_me_with_http_info())
step(
    "update profile",
    lambda: me.users.users_controller_update_me_with_http_info(
        api.UpdateProfileRequestDto(name="Py User Renamed", region="Wales", business_type="bakery")
    ),
)
tokens = step(
    "refresh",
    lambda: anon.auth.auth_controller_refresh_with_http_info(api.RefreshRequestDto(refresh_token=tokens.refresh_token)),
)
me = Clients(bearer=tokens.access_token)
fails(
    "refresh with an unknown token",
    "AuthController_refresh",
    401,
    "USER_1006",
    lambda: anon.auth.auth_controller_refresh(api.RefreshRequestDto(refresh_token="x" * 43)),
)

# email verification and password flows, mail read from the test SMTP server
step("resend verification", lambda: me.auth.auth_controller_resend_with_http_info())
verify_token = token_from_mail(user["email"], "verify-email", 2)
step(
    "verify email",
    lambda: anon.auth.auth_controller_verify_email_with_http_info(api.VerifyEmailRequestDto(token=verify_token)),
)
expect("is_verified after verification", step("me (verified)", lambda: me.users.users_controller_me_with_http_info()).is_verified)
old_password, user["password"] = user["password"], f"Py-Changed-{tag}-Pass9!"
step(
    "change password",
    lambda: me.auth.auth_controller_change_password_with_http_info(
        api.ChangePasswordRequestDto(current_password=old_password, new_password=user["password"])
    ),
)
step("forgot password", lambda: anon.auth.auth_controller_forgot_with_http_info(api.ForgotPasswordRequestDto(email=user["email"])))
reset_token = token_from_mail(user["email"], "reset-password", 1)
user["password"] = f"Py-Reset-{tag}-Pass9!"
reset_body = api.ResetPasswordRequestDto(token=reset_token, new_password=user["password"])
step("reset password", lambda: anon.auth.auth_controller_reset_with_http_info(reset_body))
fails("reset with a used token", "AuthController_reset", 400, "USER_1007", lambda: anon.auth.auth_controller_reset(reset_body))

# sessions
tokens = login(user["username"], user["password"], by="username")
me = Clients(bearer=tokens.access_token)
second = login(user["email"], user["password"])
sessions = step("list sessions", lambda: me.sessions.sessions_controller_list_with_http_info())
others = [s for s in sessions if not s.current]
expect("two sessions, one current", len(sessions) == 2 and len(others) == 1)
step("revoke session", lambda: me.sessions.sessions_controller_revoke_with_http_info(others[0].id))
fails(
    "the revoked session",
    "UsersController_me",
    401,
    "USER_1006",
    lambda: Clients(bearer=second.access_token).users.users_controller_me(),
)

# badges and goals
step(
    "add badge",
    lambda: me.extras.profile_extras_controller_add_badge_with_http_info(
        created.id, api.CreateBadgeRequestDto(name="First steps", icon_url="https://example.com/b.png")
    ),
)
step("list badges", lambda: anon.extras.profile_extras_controller_list_badges_with_http_info(created.id))
goal = step(
    "add goal",
    lambda: me.extras.profile_extras_controller_add_goal_with_http_info(created.id, api.CreateGoalRequestDto(title="Read daily")),
)
step(
    "update goal",
    lambda: me.extras.profile_extras_controller_update_goal_with_http_info(
        created.id, goal.id, api.UpdateGoalRequestDto(status="completed", streak_count=3)
    ),
)
step("list goals", lambda: anon.extras.profile_extras_controller_list_goals_with_http_info(created.id, limit=5))
step("remove goal", lambda: me.extras.profile_extras_controller_remove_goal_with_http_info(created.id, goal.id))
step("export own data", lambda: me.users.users_controller_export_with_http_info())

# admin reads and writes of another user
staff = Clients(bearer=login(ADMIN["email"], ADMIN["password"]).access_token)
admin_me = step("admin me", lambda: staff.users.users_controller_me_with_http_info())
full = step("admin reads user by id", lambda: staff.users.users_controller_by_id_with_http_info(created.id))
expect("admin sees the email and role of another user", full.email == user["email"] and full.role == "user")
step("admin reads user by username", lambda: staff.users.users_controller_by_username_with_http_info(user["username"]))
step("admin lists users", lambda: staff.users.users_controller_list_with_http_info(q=user["username"], limit=10))
for role in ("moderator", "user"):
    step(
        f"admin changes role to {role}",
        lambda: staff.users.users_controller_change_role_with_http_info(created.id, api.ChangeRoleRequestDto(role=role)),
    )
extra = step(
    "admin creates user",
    lambda: staff.users.users_controller_create_with_http_info(
        api.AdminCreateUserRequestDto(
            email=f"py-extra-{tag}@example.com", password=f"Py-Extra-{tag}-Pass9!", name="Py Extra", role="user", is_verified=True
        )
    ),
)
step(
    "admin deactivates user",
    lambda: staff.users.users_controller_update_with_http_info(extra.id, api.AdminUpdateUserRequestDto(is_active=False, region="Kent")),
)
step("admin unlocks user", lambda: staff.users.users_auth_controller_unlock_with_http_info(extra.id))
step("admin erases user", lambda: staff.users.users_controller_remove_with_http_info(extra.id))
fails("the erased user", "UsersController_byId", 404, "USER_1101", lambda: staff.users.users_controller_by_id(extra.id))
public_view = step("a user reads another (public view)", lambda: me.users.users_controller_by_id_with_http_info(admin_me.id))
expect("the public view has no email", public_view.email is None and public_view.name == admin_me.name)
fails("a user lists users", "UsersController_list", 403, "COMMON_1003", lambda: me.users.users_controller_list())

# import and audit
report = step(
    "admin imports a user",
    lambda: staff.users.user_import_controller_import_with_http_info(
        api.ImportUsersRequestDto(
            users=[api.ImportUserDto(email=f"py-imported-{tag}@example.com", name="Py Imported", password_hash=IMPORT_HASH)]
        )
    ),
)
expect("the import imported one user", report.imported == 1)
login(f"py-imported-{tag}@example.com", IMPORT_PASSWORD)
audit = step("admin reads the audit", lambda: staff.audit.audit_controller_list_with_http_info(user_id=created.id))
expect("the audit lists the role changes", any(e.action == "user.role_change" for e in audit.items))

# service-token reads: by id, by username, credential check, the export a consumer backfills from
as_service = step("service reads user by id", lambda: service.users.users_controller_by_id_with_http_info(created.id))
expect("a service token gets the full user", as_service.email == user["email"])
step("service reads user by username", lambda: service.users.users_controller_by_username_with_http_info(user["username"]))
step(
    "service checks credentials",
    lambda: service.users.users_auth_controller_verify_credentials_with_http_info(
        api.VerifyCredentialsRequestDto(email=user["email"], password=user["password"])
    ),
)
seen, cursor = [], None
for page in range(50):
    got = step(f"service export page {page}", lambda: service.users.users_controller_export_page_with_http_info(after=cursor, limit=2))
    seen += [u.id for u in got.items]
    cursor = got.next_cursor
    if cursor is None:
        break
expect("the export lists the user and the admin", created.id in seen and admin_me.id in seen)
expect("the export leaves the erased user out", extra.id not in seen)
fails("a user reads the export", "UsersController_exportPage", 401, "COMMON_1001", lambda: me.users.users_controller_export_page())
fails(
    "a forged cursor",
    "UsersController_exportPage",
    400,
    "COMMON_1000",
    lambda: service.users.users_controller_export_page(after="A" * 23),
)

# the first version's routes
legacy = {"username": f"pylegacy{tag}", "email": f"py-legacy-{tag}@example.com", "password": f"Py-Legacy-{tag}-Pass9!"}
step("legacy sign-up", lambda: anon.compat.legacy_users_controller_create_with_http_info(api.LegacyCreateUserRequestDto(**legacy)))
legacy_full = step(
    "legacy lookup (service)", lambda: service.compat.legacy_users_controller_by_username_with_http_info(legacy["username"])
)
expect("the legacy lookup gives a service the email", legacy_full.email == legacy["email"])
step("legacy lookup (another user: public)", lambda: me.compat.legacy_users_controller_by_username_with_http_info(legacy["username"]))
step(
    "legacy credential check",
    lambda: service.compat.legacy_users_controller_verify_credentials_with_http_info(
        api.VerifyCredentialsRequestDto(username=legacy["username"], password=legacy["password"])
    ),
)
legacy_client = Clients(bearer=login(legacy["email"], legacy["password"]).access_token)
step(
    "legacy user erases own account",
    lambda: legacy_client.users.users_controller_delete_me_with_http_info(api.DeleteAccountRequestDto(password=legacy["password"])),
)

# the end of sessions
step("logout", lambda: me.auth.auth_controller_logout_with_http_info())
fails("after logout", "UsersController_me", 401, "USER_1006", lambda: me.users.users_controller_me())
again = Clients(bearer=login(user["email"], user["password"]).access_token)
step("logout everywhere", lambda: again.auth.auth_controller_logout_all_with_http_info())

if problems:
    print(f"[flow.py] {len(problems)} problem(s) in {steps} calls:\n- " + "\n- ".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"[flow.py] {steps} calls over every tag: no field dropped, every error body typed", file=sys.stderr)
