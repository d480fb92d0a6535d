"""The envelope, middleware and rate limits every route shares."""

import pytest

from tests.conformance import ConformingTestApp
from tests.helpers import assert_error
from upstream import Config
from upstream import ConfigError
from upstream import create_app

LOGIN = "/api/v1/auth/login"
PASSWORD = "correct horse battery staple"


def _login_from(client, ip, **extra):
    environ = {"REMOTE_ADDR": ip}
    return client.post_json(
        LOGIN,
        {"email": "jane@acme.com", "password": "wrong"},
        extra_environ=environ,
        expect_errors=True,
        **extra,
    )


def test_eleventh_login_from_one_ip_is_rate_limited(client):
    for _ in range(10):
        assert _login_from(client, "10.1.1.1").status_int == 401
    resp = _login_from(client, "10.1.1.1")
    body = assert_error(resp, 429, "RATE_LIMITED")
    retry = int(resp.headers["Retry-After"])
    assert 1 <= retry <= 60
    assert str(retry) in body["error"]
    assert _login_from(client, "10.1.1.2").status_int == 401


def test_login_bucket_refills_with_time(client, clock):
    for _ in range(10):
        _login_from(client, "10.1.1.1")
    assert _login_from(client, "10.1.1.1").status_int == 429
    clock.advance(seconds=6)
    assert _login_from(client, "10.1.1.1").status_int == 401


def test_refresh_is_limited_per_ip_and_failures_count(client):
    for _ in range(30):
        resp = client.post_json("/api/v1/auth/refresh", {"refreshToken": "x"}, expect_errors=True)
        assert resp.status_int == 401
    resp = client.post_json("/api/v1/auth/refresh", {"refreshToken": "x"}, expect_errors=True)
    assert_error(resp, 429, "RATE_LIMITED")


def test_forwarded_for_is_believed_only_from_the_trusted_proxy(config, app):
    config.trusted_proxy = "10.9.9.9"
    trusted = ConformingTestApp(create_app(config))
    for _ in range(10):
        _login_from(trusted, "10.9.9.9", headers={"X-Forwarded-For": "203.0.113.5"})
    limited = _login_from(trusted, "10.9.9.9", headers={"X-Forwarded-For": "203.0.113.5"})
    assert limited.status_int == 429
    # Another client behind the same proxy has its own bucket.
    assert (
        _login_from(trusted, "10.9.9.9", headers={"X-Forwarded-For": "203.0.113.6"}).status_int
        == 401
    )
    # From anyone else the header is ignored: the peer is the client.
    for _ in range(10):
        _login_from(trusted, "10.7.7.7", headers={"X-Forwarded-For": f"198.51.100.{_}"})
    assert (
        _login_from(trusted, "10.7.7.7", headers={"X-Forwarded-For": "198.51.100.99"}).status_int
        == 429
    )


def test_per_user_budget_on_authenticated_routes(config, app):
    config.user_rate_limit = (3, 60)
    client = ConformingTestApp(create_app(config))
    data = client.post_json(LOGIN, {"email": "sam@acme.com", "password": PASSWORD}).json["data"]
    headers = {"Authorization": f"Bearer {data['accessToken']}"}
    for _ in range(3):
        client.get("/api/v1/me", headers=headers)
    resp = client.get("/api/v1/me", headers=headers, expect_errors=True)
    assert_error(resp, 429, "RATE_LIMITED")
    assert int(resp.headers["Retry-After"]) >= 1
    other = client.post_json(LOGIN, {"email": "kim@acme.com", "password": PASSWORD}).json["data"]
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {other['accessToken']}"})


def test_rate_limit_headers_name_policy_and_remaining(client):
    resp = _login_from(client, "10.3.3.3")
    assert resp.headers["RateLimit-Policy"] == '"login";q=10;w=60'
    assert resp.headers["RateLimit"].startswith('"login";r=9;t=')


def test_unknown_route_is_404_envelope(client):
    assert_error(client.get("/api/v1/nope", expect_errors=True), 404, "NOT_FOUND")
    assert_error(client.get("/elsewhere", expect_errors=True), 404, "NOT_FOUND")


def test_wrong_method_is_405_with_allow(client):
    resp = client.delete("/api/v1/auth/login", expect_errors=True)
    assert_error(resp, 405, "METHOD_NOT_ALLOWED")
    assert "POST" in resp.headers["Allow"]


def test_body_over_one_mebibyte_is_413(client):
    body = b'{"email": "' + b"a" * (1024 * 1024) + b'"}'
    resp = client.post(LOGIN, body, content_type="application/json", expect_errors=True)
    assert_error(resp, 413, "PAYLOAD_TOO_LARGE")


@pytest.mark.parametrize(
    "raw", [b"{", b"[1, 2]", b'"text"', b"", b"NaN", b'{"a": 1e999}', b"\xff\xfe"]
)
def test_malformed_or_non_object_json_is_400(client, raw):
    resp = client.post(LOGIN, raw, content_type="application/json", expect_errors=True)
    assert_error(resp, 400, "VALIDATION_ERROR")


def test_deeply_nested_json_is_400(client):
    raw = b"[" * 100_000 + b"]" * 100_000
    resp = client.post(LOGIN, raw, content_type="application/json", expect_errors=True)
    assert_error(resp, 400, "VALIDATION_ERROR")


def test_unexpected_error_is_a_500_envelope_without_internals(app, client, caplog):
    class Boom:
        auth = False

        def on_get(self, req, resp):
            raise RuntimeError("secret internals")

    app.add_route("/api/v1/_test/boom", Boom())
    resp = client.get("/api/v1/_test/boom", expect_errors=True)
    assert_error(resp, 500, "INTERNAL_ERROR")
    assert "secret internals" not in resp.text
    assert "secret internals" in caplog.text
    assert resp.headers["X-Request-Id"] in caplog.text


def test_request_id_is_echoed_or_made(client):
    resp = client.get("/api/v1/health", headers={"X-Request-Id": "abc-123"})
    assert resp.headers["X-Request-Id"] == "abc-123"
    resp = client.get("/api/v1/health", headers={"X-Request-Id": "bad id\twith junk"})
    assert resp.headers["X-Request-Id"] != "bad id\twith junk"
    assert len(resp.headers["X-Request-Id"]) == 32


def test_health_reports_the_database(client):
    assert client.get("/api/v1/health").json == {
        "success": True,
        "data": {"status": "ok", "database": "ok"},
    }


def test_health_is_503_when_the_database_is_unreachable(config, tmp_path):
    config.db_path = str(tmp_path / "gone" / "x.db")
    (tmp_path / "gone").mkdir()
    client = ConformingTestApp(create_app(config))
    (tmp_path / "gone" / "x.db").unlink()
    for name in ("x.db-wal", "x.db-shm"):
        (tmp_path / "gone" / name).unlink(missing_ok=True)
    (tmp_path / "gone").rmdir()
    assert_error(client.get("/api/v1/health", expect_errors=True), 503, "SERVICE_UNAVAILABLE")


def test_short_secret_key_is_refused(tmp_path):
    with pytest.raises(ConfigError):
        create_app(Config(db_path=str(tmp_path / "a.db"), secret_key="short"))


def test_generated_secret_is_kept_private(tmp_path):
    create_app(Config(db_path=str(tmp_path / "a.db"), bcrypt_rounds=4))
    secret = tmp_path / "a.db.secret"
    assert secret.stat().st_mode & 0o777 == 0o600
    assert len(secret.read_text().strip()) >= 32


def test_config_reads_the_environment():
    config = Config.from_env(
        {"UPSTREAM_DB": "x.db", "UPSTREAM_PORT": "9000", "UPSTREAM_USER_RATE_LIMIT": "5/10"},
        port=9100,
    )
    assert (config.db_path, config.port, config.user_rate_limit) == ("x.db", 9100, (5, 10))


ANY_ID = "00000000-0000-4000-8000-000000000000"
PROTECTED = [
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/pipeline"),
    ("GET", "/api/v1/deals"),
    ("POST", "/api/v1/deals"),
    ("GET", f"/api/v1/deals/{ANY_ID}"),
    ("PATCH", f"/api/v1/deals/{ANY_ID}"),
    ("DELETE", f"/api/v1/deals/{ANY_ID}"),
    ("PATCH", f"/api/v1/deals/{ANY_ID}/stage"),
    ("PATCH", f"/api/v1/deals/{ANY_ID}/status"),
    ("GET", f"/api/v1/deals/{ANY_ID}/template"),
    ("PUT", f"/api/v1/deals/{ANY_ID}/template"),
    ("POST", f"/api/v1/deals/{ANY_ID}/template/schedule-next"),
    ("GET", "/api/v1/contacts"),
    ("POST", "/api/v1/contacts"),
    ("GET", f"/api/v1/contacts/{ANY_ID}"),
    ("PATCH", f"/api/v1/contacts/{ANY_ID}"),
    ("DELETE", f"/api/v1/contacts/{ANY_ID}"),
    ("GET", "/api/v1/activities"),
    ("POST", "/api/v1/activities"),
    ("GET", f"/api/v1/activities/{ANY_ID}"),
    ("PATCH", f"/api/v1/activities/{ANY_ID}"),
    ("DELETE", f"/api/v1/activities/{ANY_ID}"),
    ("POST", f"/api/v1/activities/{ANY_ID}/complete"),
    ("POST", f"/api/v1/activities/{ANY_ID}/uncomplete"),
    ("GET", "/api/v1/activity-templates"),
    ("POST", "/api/v1/activity-templates"),
    ("GET", f"/api/v1/activity-templates/{ANY_ID}"),
    ("PATCH", f"/api/v1/activity-templates/{ANY_ID}"),
    ("DELETE", f"/api/v1/activity-templates/{ANY_ID}"),
    ("POST", "/api/v1/devices/register"),
    ("DELETE", "/api/v1/devices/register"),
    ("GET", "/api/v1/members"),
    ("GET", "/api/v1/companies"),
    ("POST", "/api/v1/companies"),
    ("GET", f"/api/v1/companies/{ANY_ID}"),
    ("PATCH", f"/api/v1/companies/{ANY_ID}"),
    ("DELETE", f"/api/v1/companies/{ANY_ID}"),
    ("GET", "/api/v1/sources"),
    ("GET", "/api/v1/partners"),
]


def _call(client, method, url, headers):
    return client.request(
        url,
        method=method,
        headers=headers,
        body=b"{}",
        content_type="application/json",
        expect_errors=True,
    )


@pytest.mark.parametrize(("method", "url"), PROTECTED)
def test_every_protected_route_needs_a_token(client, method, url):
    assert_error(_call(client, method, url, {}), 401, "UNAUTHORIZED")


def test_every_protected_route_is_403_for_a_former_member(client, login):
    from models import Membership
    from models import User

    headers = login("lee@acme.com")
    Membership.delete().where(
        Membership.user == User.get(User.email == "lee@acme.com").id
    ).execute()
    for method, url in PROTECTED:
        assert_error(_call(client, method, url, headers), 403, "FORBIDDEN")


def test_seed_refuses_a_database_with_data(tmp_path, capsys, monkeypatch):
    import seed

    monkeypatch.setenv("UPSTREAM_BCRYPT_ROUNDS", "4")
    path = str(tmp_path / "s.db")
    assert seed.main(["--db", path]) == 0
    assert seed.main(["--db", path]) == 1
    assert "already holds data" in capsys.readouterr().err
    assert seed.main(["--db", path, "--reset"]) == 0
