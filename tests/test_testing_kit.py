"""The testing kit for integrations: the README's example, isolation, and pytest -n 2."""

import os
import pathlib
import re
import subprocess
import sys

import upstream_testing
from core.timeutil import FakeClock

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _readme_block(title):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"`{re.escape(title)}`:\n\n```python\n(.*?)```", readme, re.S)
    assert match, f"README has no python block for {title}"
    return match.group(1)


def test_readme_example_is_this_repositorys_test_file():
    assert _readme_block("test_upstream_integration.py") == (
        ROOT / "tests" / "test_readme_example.py"
    ).read_text(encoding="utf-8")
    assert _readme_block("conftest.py") == 'pytest_plugins = ["upstream_testing"]\n'


def test_each_test_gets_a_fresh_database(upstream_client, login):
    headers = login("sam@acme.com")
    resp = upstream_client.post_json(
        "/api/v1/contacts", {"firstName": "Only here"}, headers=headers
    )
    assert resp.status_int == 201
    assert "sam-fresh" not in os.environ  # (a marker the next test checks for isolation)


def test_the_previous_tests_writes_are_gone(upstream_client, login):
    headers = login("sam@acme.com")
    found = upstream_client.get("/api/v1/contacts?search=only%20here", headers=headers).json["data"]
    assert found["items"] == []


def test_make_app_without_pytest(tmp_path):
    import webtest

    clock = FakeClock(upstream_testing.START)
    app = upstream_testing.make_app(tmp_path, clock=clock)
    client = webtest.TestApp(app)
    jane = upstream_testing.log_in(client, "jane@acme.com")
    assert (
        client.get("/api/v1/me", headers=jane).json["data"]["organization"]["name"] == "Acme Sales"
    )
    clock.advance(minutes=15)
    assert client.get("/api/v1/me", headers=jane, expect_errors=True).status_int == 401
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        "upstream-test.db"
    ]


def test_a_users_suite_passes_under_xdist_and_writes_nothing_in_its_folder(tmp_path):
    suite = tmp_path / "their-project"
    suite.mkdir()
    (suite / "conftest.py").write_text(_readme_block("conftest.py"))
    example = _readme_block("test_upstream_integration.py")
    for n in range(4):
        (suite / f"test_integration_{n}.py").write_text(example)
    before = sorted(p.name for p in suite.iterdir())
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "-p", "no:cacheprovider", "-q",
         f"--basetemp={tmp_path / 'pytest-temp'}"],
        cwd=suite,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout
    assert sorted(p.name for p in suite.iterdir()) == before
