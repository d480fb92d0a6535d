"""Login, refresh rotation, reuse detection, logout, /me, tokens and passwords."""

import datetime as dt
import threading

import jwt
import pytest

from core.passwords import check_password
from core.passwords import hash_password
from models import Membership
from models import Organization
from models import RefreshToken
from models import User
from tests.conftest import SECRET
from tests.helpers import assert_error
from tests.helpers import row_id

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/me"
PASSWORD = "correct horse battery staple"


def test_login_returns_tokens_user_and_first_organization(client):
    resp = client.post_json(LOGIN, {"email": "jane@acme.com", "password": PASSWORD})
    data = resp.json["data"]
    assert resp.json["success"] is True
    assert data["user"] == {
        "id": data["user"]["id"],
        "email": "jane@acme.com",
        "fullName": "Jane Doe",
        "avatarUrl": None,
    }
    assert data["organization"]["name"] == "Acme Sales"
    assert data["organization"]["role"] == "admin"
    claims = jwt.decode(
        data["accessToken"], SECRET, algorithms=["HS256"], options={"verify_exp": False}
    )
    assert claims["type"] == "access" and claims["org"] == data["organization"]["id"]
    assert {"sub", "org", "sid", "iat", "exp", "jti"} <= claims.keys()
    assert claims["exp"] - claims["iat"] == 900


def test_login_stores_only_a_hash_of_the_refresh_token(client):
    data = client.post_json(LOGIN, {"email": "jane@acme.com", "password": PASSWORD}).json["data"]
    stored = [row.token_hash for row in RefreshToken.select()]
    assert len(stored) == 1 and data["refreshToken"] not in stored[0]


def test_login_lower_cases_the_email(client):
    resp = client.post_json(
        LOGIN, {"email": "  JANE@Acme.COM", "password": PASSWORD}, expect_errors=True
    )
    assert resp.status_int in (200, 400)
    resp = client.post_json(LOGIN, {"email": "JANE@Acme.COM", "password": PASSWORD})
    assert resp.json["data"]["user"]["email"] == "jane@acme.com"


def test_unknown_email_and_wrong_password_answer_the_same_401(client):
    unknown = client.post_json(
        LOGIN, {"email": "ghost@acme.com", "password": PASSWORD}, expect_errors=True
    )
    wrong = client.post_json(
        LOGIN, {"email": "jane@acme.com", "password": "nope"}, expect_errors=True
    )
    assert_error(unknown, 401, "UNAUTHORIZED")
    assert_error(wrong, 401, "UNAUTHORIZED")
    assert unknown.json == wrong.json


def test_login_without_membership_is_no_organization(client):
    resp = client.post_json(
        LOGIN, {"email": "nobody@example.com", "password": PASSWORD}, expect_errors=True
    )
    assert_error(resp, 400, "NO_ORGANIZATION")


def test_login_validation_lists_every_failing_field(client):
    resp = client.post_json(LOGIN, {"email": "not-an-email", "password": ""}, expect_errors=True)
    body = assert_error(resp, 400, "VALIDATION_ERROR")
    assert {d["path"] for d in body["details"]} == {"email", "password"}
    resp = client.post_json(LOGIN, {}, expect_errors=True)
    body = assert_error(resp, 400, "VALIDATION_ERROR")
    assert {d["path"] for d in body["details"]} == {"email", "password"}


def test_login_accepts_both_device_info_spellings(client):
    client.post_json(
        LOGIN, {"email": "jane@acme.com", "password": PASSWORD, "device_info": "iPhone"}
    )
    client.post_json(LOGIN, {"email": "jane@acme.com", "password": PASSWORD, "deviceInfo": "Pixel"})
    assert sorted(r.device_info for r in RefreshToken.select()) == ["Pixel", "iPhone"]


def test_me_lists_every_membership(client, login):
    headers = login("jane@acme.com")
    data = client.get(ME, headers=headers).json["data"]
    assert data["user"]["email"] == "jane@acme.com"
    assert data["organization"]["name"] == "Acme Sales"
    assert [(o["name"], o["role"]) for o in data["organizations"]] == [
        ("Acme Sales", "admin"),
        ("Acme Labs", "member"),
    ]


def test_refresh_rotates_the_token(client, login):
    tokens = login("jane@acme.com")
    resp = client.post_json(REFRESH, {"refreshToken": tokens.refresh})
    data = resp.json["data"]
    assert set(data) == {"accessToken", "refreshToken"}
    assert data["refreshToken"] != tokens.refresh
    client.get(ME, headers={"Authorization": f"Bearer {data['accessToken']}"})
    old = RefreshToken.get(RefreshToken.replaced_by.is_null(False))
    assert old.revoked_at is not None


def test_refresh_reuse_revokes_every_session(client, login):
    first = login("jane@acme.com")
    other = login("jane@acme.com")
    rotated = client.post_json(REFRESH, {"refreshToken": first.refresh}).json["data"]
    replay = client.post_json(REFRESH, {"refreshToken": first.refresh}, expect_errors=True)
    assert_error(replay, 401, "UNAUTHORIZED")
    for access in (rotated["accessToken"], other.access):
        resp = client.get(ME, headers={"Authorization": f"Bearer {access}"}, expect_errors=True)
        assert_error(resp, 401, "UNAUTHORIZED")
    for refresh in (rotated["refreshToken"], other.refresh):
        resp = client.post_json(REFRESH, {"refreshToken": refresh}, expect_errors=True)
        assert_error(resp, 401, "UNAUTHORIZED")


def test_concurrent_refresh_has_exactly_one_winner(client, login):
    tokens = login("jane@acme.com")
    barrier = threading.Barrier(2)
    results = []

    def attempt():
        barrier.wait()
        resp = client.post_json(REFRESH, {"refreshToken": tokens.refresh}, expect_errors=True)
        results.append(resp.status_int)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 401]
    assert RefreshToken.select().where(RefreshToken.replaced_by.is_null(False)).count() == 1


def test_refresh_rejects_an_access_token(client, login):
    tokens = login("jane@acme.com")
    resp = client.post_json(REFRESH, {"refreshToken": tokens.access}, expect_errors=True)
    assert_error(resp, 401, "UNAUTHORIZED")


def test_refresh_moves_to_first_membership_when_the_session_org_was_left(client, login):
    tokens = login("jane@acme.com")
    acme = row_id(Organization, name="Acme Sales")
    jane = row_id(User, email="jane@acme.com")
    Membership.delete().where(
        (Membership.user == jane) & (Membership.organization == acme)
    ).execute()
    data = client.post_json(REFRESH, {"refreshToken": tokens.refresh}).json["data"]
    me = client.get(ME, headers={"Authorization": f"Bearer {data['accessToken']}"}).json["data"]
    assert me["organization"]["name"] == "Acme Labs"


def test_refresh_without_any_membership_is_no_organization(client, login):
    tokens = login("sam@acme.com")
    Membership.delete().where(Membership.user == row_id(User, email="sam@acme.com")).execute()
    resp = client.post_json(REFRESH, {"refreshToken": tokens.refresh}, expect_errors=True)
    assert_error(resp, 400, "NO_ORGANIZATION")


def test_refresh_token_expires(client, login, clock):
    tokens = login("jane@acme.com")
    clock.advance(days=31)
    resp = client.post_json(REFRESH, {"refreshToken": tokens.refresh}, expect_errors=True)
    assert_error(resp, 401, "UNAUTHORIZED")


def test_logout_revokes_session_and_its_access_token(client, login):
    tokens = login("jane@acme.com")
    assert client.post_json(LOGOUT, {"refreshToken": tokens.refresh}).json == {
        "success": True,
        "data": {"success": True},
    }
    assert_error(client.get(ME, headers=tokens, expect_errors=True), 401, "UNAUTHORIZED")
    resp = client.post_json(REFRESH, {"refreshToken": tokens.refresh}, expect_errors=True)
    assert_error(resp, 401, "UNAUTHORIZED")


@pytest.mark.parametrize("token", ["garbage", "", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.x"])
def test_logout_is_idempotent_on_garbage(client, login, token):
    tokens = login("jane@acme.com")
    for _ in range(2):
        resp = client.post_json(LOGOUT, {"refreshToken": token})
        assert resp.json["data"] == {"success": True}
    client.post_json(LOGOUT, {"refreshToken": tokens.refresh})
    client.post_json(LOGOUT, {"refreshToken": tokens.refresh})


def test_logout_requires_the_field(client):
    resp = client.post_json(LOGOUT, {}, expect_errors=True)
    assert_error(resp, 400, "VALIDATION_ERROR", path="refreshToken")


def test_expired_access_token_is_401(client, login, clock):
    tokens = login("jane@acme.com")
    clock.advance(seconds=899)
    client.get(ME, headers=tokens)
    clock.advance(seconds=1)
    assert_error(client.get(ME, headers=tokens, expect_errors=True), 401, "UNAUTHORIZED")


def _forge(claims, key=SECRET, algorithm="HS256"):
    return jwt.encode(claims, key, algorithm=algorithm)


def test_wrong_key_none_alg_and_missing_exp_are_401(client, login):
    tokens = login("jane@acme.com")
    claims = jwt.decode(tokens.access, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    forged = [
        _forge(claims, key="another-secret-key-that-is-long-enough-000"),
        jwt.encode(claims, None, algorithm="none"),
        _forge({k: v for k, v in claims.items() if k != "exp"}),
        _forge(dict(claims, type="refresh")),
        "not.a.token",
    ]
    for token in forged:
        resp = client.get(ME, headers={"Authorization": f"Bearer {token}"}, expect_errors=True)
        assert_error(resp, 401, "UNAUTHORIZED")


def test_refresh_token_used_as_access_is_401(client, login):
    tokens = login("jane@acme.com")
    resp = client.get(ME, headers={"Authorization": f"Bearer {tokens.refresh}"}, expect_errors=True)
    assert_error(resp, 401, "UNAUTHORIZED")


def test_missing_bearer_is_401(client):
    assert_error(client.get(ME, expect_errors=True), 401, "UNAUTHORIZED")
    resp = client.get(ME, headers={"Authorization": "Basic abc"}, expect_errors=True)
    assert_error(resp, 401, "UNAUTHORIZED")


def test_token_for_an_organization_the_user_left_is_403(client, login):
    tokens = login("sam@acme.com")
    Membership.delete().where(Membership.user == row_id(User, email="sam@acme.com")).execute()
    assert_error(client.get(ME, headers=tokens, expect_errors=True), 403, "FORBIDDEN")


def test_deactivated_user_is_cut_off(client, login):
    tokens = login("sam@acme.com")
    User.update(is_active=False).where(User.email == "sam@acme.com").execute()
    assert_error(client.get(ME, headers=tokens, expect_errors=True), 401, "UNAUTHORIZED")


def test_long_multibyte_password_works_in_full(client):
    password = "пароль🔑" * 14 + "ab"  # 100 characters, far past 72 bytes
    assert len(password) == 100
    User.update(password_hash=hash_password(password, 4)).where(
        User.email == "kim@acme.com"
    ).execute()
    client.post_json(LOGIN, {"email": "kim@acme.com", "password": password})
    resp = client.post_json(
        LOGIN, {"email": "kim@acme.com", "password": password[:-1]}, expect_errors=True
    )
    assert_error(resp, 401, "UNAUTHORIZED")


def test_passwords_differing_after_byte_72_are_different():
    base = "x" * 72
    hashed = hash_password(base + "A", 4)
    assert check_password(base + "A", hashed)
    assert not check_password(base + "B", hashed)
    assert not check_password(base, hashed)


def test_access_token_lifetime_follows_config(client, login):
    tokens = login("jane@acme.com")
    claims = jwt.decode(tokens.access, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    issued = dt.datetime.fromtimestamp(claims["iat"], dt.UTC)
    assert dt.datetime.fromtimestamp(claims["exp"], dt.UTC) - issued == dt.timedelta(seconds=900)
