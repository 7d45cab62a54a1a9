"""The credential forms uploaders send (cgm-remote-monitor lib/authorization/index.js,
resolveWithRequest: ``api-secret`` header, ``?token=``, ``Authorization: Bearer`` JWT from
lib/api2 ``/api/v2/authorization/request/:accessToken``), and what is refused."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient

from tests.integrations.nightscout.conftest import create_credential

STATUS = "/api/v1/status.json"


def _sha1(raw: str) -> str:
    return hashlib.sha1(raw.encode()).hexdigest()  # noqa: S324


def test_api_secret_forms(client: TestClient, ns_user):
    owner = ns_user()
    sha1 = _sha1(owner.secret)
    sha512 = hashlib.sha512(owner.secret.encode()).hexdigest()
    for value in (sha1, sha1.upper(), sha512, sha512.upper()):
        assert client.get(STATUS, headers={"api-secret": value}).status_code == 200, value
    # The plain secret is refused (Nightscout only compares digests in this header).
    r = client.get(STATUS, headers={"api-secret": owner.secret})
    assert r.status_code == 401
    # Not a token either: ?token= takes access tokens only.
    assert client.get(STATUS, params={"token": owner.secret}).status_code == 401


def test_token_raw_sha1_and_jwt(client: TestClient, ns_user):
    owner = ns_user()
    token = create_credential(client, owner.headers, kind="token", name="aaps")["value"]
    assert client.get(STATUS, params={"token": token}).status_code == 200
    # xDrip+ hashes whatever stands before '@' in its base URL and sends it as api-secret.
    assert client.get(STATUS, headers={"api-secret": _sha1(token)}).status_code == 200
    r = client.get(f"/api/v2/authorization/request/{token}")
    assert r.status_code == 200
    body = r.json()
    assert body["exp"] > body["iat"] and body["sub"] == "aaps"
    bearer = {"Authorization": f"Bearer {body['token']}"}
    assert client.get("/api/v1/entries.json", headers=bearer).status_code == 200
    # The JWT is not a GlucoLens access token, and dies with its token.
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 401
    items = client.get("/api/v1/integrations/nightscout/credentials", headers=owner.headers)
    token_id = next(c["id"] for c in items.json()["items"] if c["kind"] == "token")
    client.delete(f"/api/v1/integrations/nightscout/credentials/{token_id}", headers=owner.headers)
    assert client.get(STATUS, headers=bearer).status_code == 401
    assert client.get(f"/api/v2/authorization/request/{token}").status_code == 401


def test_secret_is_never_exchanged_for_a_jwt(client: TestClient, ns_user):
    owner = ns_user()
    assert client.get(f"/api/v2/authorization/request/{owner.secret}").status_code == 401
    r = client.get(f"/api/v2/authorization/request/{_sha1(owner.secret)}")
    assert r.status_code == 401


def test_failures_look_alike_and_carry_both_error_shapes(client: TestClient, ns_user):
    owner = ns_user()
    revoked = create_credential(client, owner.headers, kind="token", name="old")
    client.delete(
        f"/api/v1/integrations/nightscout/credentials/{revoked['credential']['id']}",
        headers=owner.headers,
    )
    answers = [
        client.get(STATUS),  # anonymous: never allowed
        client.get(STATUS, headers={"api-secret": "0" * 40}),  # nobody's
        client.get(STATUS, headers={"api-secret": revoked["api_secret_sha1"]}),  # revoked
        client.get(STATUS, params={"token": revoked["value"]}),
        client.get(STATUS, headers={"Authorization": "Bearer not.a.jwt"}),
    ]
    bodies = {r.text for r in answers}
    assert {r.status_code for r in answers} == {401}
    assert len(bodies) == 1, bodies
    body = answers[0].json()
    assert body["status"] == 401 and body["message"] == "Unauthorized"  # Nightscout's shape
    assert body["error"]["code"] == "unauthorized"  # and the house one


def test_read_token_cannot_write(client: TestClient, ns_user):
    owner = ns_user()
    token = create_credential(client, owner.headers, kind="token", name="follower", role="read")
    params = {"token": token["value"]}
    assert client.get("/api/v1/entries.json", params=params).status_code == 200
    r = client.post("/api/v1/entries", params=params, json=[{"type": "sgv", "sgv": 100}])
    assert r.status_code == 403 and r.json()["status"] == 403
    assert client.get("/api/v1/experiments/test", params=params).status_code == 403
    v = client.get("/api/v1/verifyauth", params=params).json()["message"]
    assert v["canRead"] is True and v["canWrite"] is False


def test_failed_guesses_are_slowed_per_address(client: TestClient, ns_user):
    owner = ns_user()
    codes = [client.get(STATUS, headers={"api-secret": f"{i:040x}"}).status_code for i in range(31)]
    assert codes[:30] == [401] * 30 and codes[30] == 429
    # Also the right secret waits: the address is out of guesses, not the account.
    r = client.get(STATUS, headers=owner.sha1)
    assert r.status_code == 429 and r.headers["Retry-After"]
    assert r.json()["error"]["code"] == "rate_limited"


def test_status_and_verifyauth_shapes(client: TestClient, ns_user):
    owner = ns_user(unit="mmol/L", target_low_mgdl=72.0, target_high_mgdl=162.0)
    status = client.get("/api/v1/status", headers=owner.sha1).json()
    assert status["status"] == "ok" and status["apiEnabled"] is True
    assert status["settings"]["units"] == "mmol"
    thresholds = status["settings"]["thresholds"]
    assert thresholds["bgTargetBottom"] == 72 and thresholds["bgTargetTop"] == 162
    auth = client.get("/api/v1/verifyauth", headers=owner.sha1).json()
    assert auth["message"]["canWrite"] is True and auth["message"]["message"] == "OK"
    assert client.get("/api/v1/experiments/test", headers=owner.sha1).json() == {"status": "ok"}
