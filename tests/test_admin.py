"""Admin commands through `main(argv)`, then the API; backups; the access log."""

import io
import json
import logging
import sqlite3
import threading

import pytest

import upstream
from models import User
from tests.conformance import ConformingTestApp

PASSWORD = "a long enough admin-set password"


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """Run `python upstream.py ... --db <temp>`: (exit status, stdout, stderr)."""
    monkeypatch.setenv("UPSTREAM_BCRYPT_ROUNDS", "4")
    path = str(tmp_path / "admin.db")

    def run(*argv, stdin=""):
        status = upstream.main([*argv, "--db", path], stdin=io.StringIO(stdin))
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    run.path = path
    return run


@pytest.fixture
def api(cli, config):
    """The API on the database the commands write to."""
    config.db_path = cli.path
    return ConformingTestApp(upstream.create_app(config), extra_environ={"REMOTE_ADDR": "10.0.0.5"})


def test_org_user_member_then_login_sees_default_pipeline(cli, api):
    assert cli("create-org", "Initech", "--currency", "eur", "--timezone", "Europe/Berlin")[0] == 0
    assert (
        cli("create-user", "Peter@Initech.com", "--name", "Peter Gibbons", stdin=PASSWORD + "\n")[0]
        == 0
    )
    assert (
        cli("add-member", "peter@initech.com", "Initech", "--role", "admin", "--team", "TPS")[0]
        == 0
    )
    data = api.post_json(
        "/api/v1/auth/login", {"email": "peter@initech.com", "password": PASSWORD}
    ).json["data"]
    assert data["organization"] == {
        "id": data["organization"]["id"],
        "name": "Initech",
        "role": "admin",
        "currency": "EUR",
        "timezone": "Europe/Berlin",
    }
    headers = {"Authorization": f"Bearer {data['accessToken']}"}
    board = api.get("/api/v1/pipeline", headers=headers).json["data"]
    assert board["pipeline"]["name"] == "Default Pipeline"
    assert [s["name"] for s in board["stages"]] == ["Qualified", "Demo", "Proposal"]
    status, out, _ = cli("list-users", "Initech")
    assert status == 0 and "peter@initech.com" in out and "Initech (admin)" in out


def test_deactivate_user_cuts_off_a_live_token_at_once(cli, api):
    cli("create-org", "Initech")
    cli("create-user", "milton@initech.com", "--name", "Milton", stdin=PASSWORD)
    cli("add-member", "milton@initech.com", "Initech", "--role", "member")
    data = api.post_json(
        "/api/v1/auth/login", {"email": "milton@initech.com", "password": PASSWORD}
    ).json["data"]
    headers = {"Authorization": f"Bearer {data['accessToken']}"}
    api.get("/api/v1/me", headers=headers)
    assert cli("deactivate-user", "milton@initech.com")[0] == 0
    assert api.get("/api/v1/me", headers=headers, expect_errors=True).status_int == 401
    resp = api.post_json(
        "/api/v1/auth/refresh", {"refreshToken": data["refreshToken"]}, expect_errors=True
    )
    assert resp.status_int == 401
    resp = api.post_json(
        "/api/v1/auth/login",
        {"email": "milton@initech.com", "password": PASSWORD},
        expect_errors=True,
    )
    assert resp.status_int == 401


def test_set_password_and_remove_member(cli, api):
    cli("create-org", "Initech")
    cli("create-user", "bob@initech.com", "--name", "Bob", stdin="old password")
    cli("add-member", "bob@initech.com", "Initech", "--role", "member")
    assert cli("set-password", "bob@initech.com", stdin="new password\n")[0] == 0
    api.post_json("/api/v1/auth/login", {"email": "bob@initech.com", "password": "new password"})
    assert cli("remove-member", "bob@initech.com", "Initech")[0] == 0
    resp = api.post_json(
        "/api/v1/auth/login",
        {"email": "bob@initech.com", "password": "new password"},
        expect_errors=True,
    )
    assert resp.json["code"] == "NO_ORGANIZATION"


def test_pipeline_company_source_partner_commands(cli, api):
    cli("create-org", "Initech")
    status, out, _ = cli("create-pipeline", "Initech", "Renewals", "--stages", "Due:40, Signed:90")
    assert status == 0 and "Renewals" in out
    for command, name in [
        ("add-company", "Initrode"),
        ("add-source", "Trade show"),
        ("add-partner", "Chotchkie's"),
    ]:
        assert cli(command, "Initech", name)[0] == 0
    assert cli("add-company", "Initech", "INITRODE")[0] == 1
    cli("create-user", "lumbergh@initech.com", "--name", "Bill", stdin=PASSWORD)
    assert (
        cli(
            "add-member",
            "lumbergh@initech.com",
            "Initech",
            "--role",
            "member",
            "--partner",
            "chotchkie's",
        )[0]
        == 0
    )
    login = api.post_json(
        "/api/v1/auth/login", {"email": "lumbergh@initech.com", "password": PASSWORD}
    ).json["data"]
    headers = {"Authorization": f"Bearer {login['accessToken']}"}
    pipelines = api.get("/api/v1/pipeline", headers=headers).json["data"]["pipelines"]
    assert [p["name"] for p in pipelines] == ["Default Pipeline", "Renewals"]


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (("create-user", "not-an-email", "--name", "X"), PASSWORD, "not an email"),
        (("create-user", "a@b.co", "--name", "X"), "", "1 to 200"),
        (("add-member", "ghost@x.io", "Initech", "--role", "member"), "", "no user"),
        (("create-pipeline", "Initech", "P", "--stages", "Broken"), "", "Name:probability"),
        (("create-pipeline", "Nowhere", "P", "--stages", "A:1"), "", "no organization"),
        (("deactivate-user", "ghost@x.io"), "", "no user"),
        (("restore", "/nonexistent/backup.db"), "", "does not exist"),
    ],
)
def test_failures_are_clear_and_non_zero(cli, argv, stdin, message):
    cli("create-org", "Initech")
    status, _, err = cli(*argv, stdin=stdin)
    assert status == 1
    assert message in err and "Traceback" not in err


def test_bad_arguments_exit_non_zero_without_traceback(cli, capsys):
    with pytest.raises(SystemExit) as exit_info:
        upstream.main(["add-member", "x@y.z", "Org", "--role", "owner"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_duplicate_user_is_refused(cli):
    cli("create-user", "a@b.co", "--name", "A", stdin=PASSWORD)
    status, _, err = cli("create-user", "A@B.CO", "--name", "A", stdin=PASSWORD)
    assert status == 1 and "already exists" in err


def test_backup_while_writing_is_consistent_and_complete(cli, tmp_path):
    cli("create-org", "Initech")
    stop = threading.Event()
    acknowledged = []

    def writer():
        conn = sqlite3.connect(cli.path, timeout=30)
        org = conn.execute("SELECT id FROM organization").fetchone()[0]
        n = 0
        while not stop.is_set():
            n += 1
            with conn:
                conn.execute(
                    "INSERT INTO lead_source (id, organization_id, name) VALUES (?, ?, ?)",
                    (f"src-{n}", org, f"Source {n}"),
                )
            acknowledged.append(n)
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    while len(acknowledged) < 50:
        pass
    before = len(acknowledged)
    dest = str(tmp_path / "copy.db")
    status, out, _ = cli("backup", dest)
    stop.set()
    thread.join()
    assert status == 0 and "integrity ok" in out
    copy = sqlite3.connect(dest)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    names = {row[0] for row in copy.execute("SELECT name FROM lead_source")}
    assert {f"Source {n}" for n in range(1, before + 1)} <= names


def test_restore_checks_the_backup_and_refuses_a_served_database(cli, tmp_path):
    import admin

    cli("create-org", "Initech")
    dest = str(tmp_path / "copy.db")
    cli("backup", dest)
    cli("create-org", "Later")
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database at all" * 100)
    assert cli("restore", str(bad))[0] == 1
    held = admin.server_lock(cli.path, exclusive=False)  # what a running server holds
    status, _, err = cli("restore", dest)
    assert status == 1 and "running server" in err
    held.close()
    assert cli("restore", dest)[0] == 0
    status, out, _ = cli("list-users")
    orgs = sqlite3.connect(cli.path).execute("SELECT name FROM organization").fetchall()
    assert orgs == [("Initech",)]


def test_access_log_has_one_line_per_request_and_no_secrets(client, caplog):
    caplog.set_level(logging.INFO, logger="upstream.access")
    password = "correct horse battery staple"
    login = client.post_json(
        "/api/v1/auth/login", {"email": "jane@acme.com", "password": password}
    ).json["data"]
    headers = {"Authorization": f"Bearer {login['accessToken']}"}
    client.get("/api/v1/me", headers=headers)
    refreshed = client.post_json(
        "/api/v1/auth/refresh", {"refreshToken": login["refreshToken"]}
    ).json["data"]
    client.get(f"/api/v1/deals?limit=5&token={login['accessToken']}", headers=headers)
    client.post_json("/api/v1/auth/logout", {"refreshToken": refreshed["refreshToken"]})
    client.post_json(
        "/api/v1/auth/login",
        {"email": "jane@acme.com", "password": "wrong " + password},
        expect_errors=True,
    )
    lines = [r for r in caplog.records if r.name == "upstream.access"]
    assert len(lines) == 6
    text = "\n".join(r.getMessage() for r in caplog.records)
    for secret in [
        password,
        login["accessToken"],
        login["refreshToken"],
        refreshed["accessToken"],
        refreshed["refreshToken"],
        "Authorization",
        "Bearer",
    ]:
        assert secret not in text
    me = lines[1].access
    assert me["method"] == "GET" and me["path"] == "/api/v1/me" and me["status"] == 200
    assert me["user_id"] == User.get(User.email == "jane@acme.com").id and me["request_id"]
    assert "token=***" in lines[3].access["path"]


def test_json_log_lines(client, caplog):
    from core.accesslog import JsonFormatter

    caplog.set_level(logging.INFO, logger="upstream.access")
    client.get("/api/v1/health")
    line = json.loads(JsonFormatter().format(caplog.records[-1]))
    assert {
        "time",
        "level",
        "method",
        "path",
        "status",
        "duration_ms",
        "request_id",
        "user_id",
    } <= set(line)
    assert line["path"] == "/api/v1/health" and line["status"] == 200
