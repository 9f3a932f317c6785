"""A Python service as a relying party of ours, with Authlib (issue 17 item 5).

Run by test/e2e/oidc-authlib.e2e-spec.ts with the venv of scripts/relying-parties/tools.sh:

    python authlib_client.py ISSUER CLIENT_ID CLIENT_SECRET SCOPE

Reads the discovery document and validates it with Authlib's own OpenID Provider Metadata
rules (reporting every field it refuses), gets a token with client_credentials (client_secret_basic), introspects it (RFC 7662),
revokes it (RFC 7009) and introspects it again, introspects a token that was never issued,
and asks for a token with a wrong secret. Every call goes through Authlib's OAuth2Session.
Prints one JSON object (what each step saw) on stdout; exits 1 on the first check that
fails, with the reason on stderr.
"""

import json
import sys

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.integrations.base_client import OAuthError
from authlib.oidc.discovery import OpenIDProviderMetadata


def fail(reason: str) -> None:
    print(f"[authlib] FAILED: {reason}", file=sys.stderr)
    sys.exit(1)


def check(condition: bool, reason: str) -> None:
    if not condition:
        fail(reason)


def main() -> None:
    if len(sys.argv) != 5:
        fail("usage: authlib_client.py ISSUER CLIENT_ID CLIENT_SECRET SCOPE")
    issuer, client_id, client_secret, scope = sys.argv[1:]
    report: dict = {}

    discovery = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10)
    check(discovery.status_code == 200, f"discovery answered {discovery.status_code}")
    metadata = OpenIDProviderMetadata(discovery.json())
    # Authlib's own rules (RFC 8414 + OpenID Connect Discovery), each field on its own so that
    # every departure is reported, not only the first; the test decides which are acceptable.
    errors = []
    for key in metadata.REGISTRY_KEYS:
        try:
            object.__getattribute__(metadata, f"validate_{key}")()
        except ValueError as error:
            errors.append(str(error))
    report["metadata_errors"] = errors
    check(metadata["issuer"] == issuer, f"issuer {metadata['issuer']!r} is not {issuer!r}")
    check(
        "client_credentials" in metadata.get("grant_types_supported", []),
        "client_credentials is not in grant_types_supported",
    )
    report["discovery"] = {k: metadata.get(k) for k in ("issuer", "token_endpoint", "introspection_endpoint")}

    session = OAuth2Session(
        client_id,
        client_secret,
        scope=scope,
        token_endpoint_auth_method="client_secret_basic",
    )
    token = session.fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
    check(bool(token.get("access_token")), "no access_token")
    check(str(token.get("token_type", "")).lower() == "bearer", f"token_type {token.get('token_type')!r}")
    check(int(token.get("expires_in", 0)) > 0, "no expires_in")
    check("refresh_token" not in token, "client_credentials must not issue a refresh token")
    access_token = token["access_token"]
    report["token"] = {"token_type": token["token_type"], "expires_in": token["expires_in"], "scope": token.get("scope")}

    def introspect(value: str) -> dict:
        res = session.introspect_token(
            metadata["introspection_endpoint"], token=value, token_type_hint="access_token"
        )
        check(res.status_code == 200, f"introspection answered {res.status_code}: {res.text}")
        return res.json()

    live = introspect(access_token)
    check(live.get("active") is True, f"a fresh token introspects as {live}")
    check(live.get("client_id") == client_id, f"introspection client_id {live.get('client_id')!r}")
    report["introspection"] = live

    revoked = session.revoke_token(
        metadata["revocation_endpoint"], token=access_token, token_type_hint="access_token"
    )
    check(revoked.status_code == 200, f"revocation answered {revoked.status_code}: {revoked.text}")
    after = introspect(access_token)
    check(after == {"active": False}, f"a revoked token introspects as {after}")
    report["after_revocation"] = after

    unknown = introspect("not-a-token-we-issued")
    check(unknown == {"active": False}, f"an unknown token introspects as {unknown}")
    report["unknown_token"] = unknown

    wrong = OAuth2Session(client_id, client_secret + "x", scope=scope)
    try:
        wrong.fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
        fail("a wrong client secret got a token")
    except OAuthError as error:
        check(error.error == "invalid_client", f"a wrong secret gave {error.error!r}")
        report["wrong_secret"] = error.error

    print(json.dumps(report))


if __name__ == "__main__":
    main()
