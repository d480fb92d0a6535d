"""Test an integration against Upstream in-process: a pytest plugin and helpers.

In your suite's conftest.py::

    pytest_plugins = ["upstream_testing"]

Fixtures: `upstream_app` (the WSGI app on a fresh copy of the demo database),
`upstream_client` (a `webtest.TestApp` on it), `login(email)` (Authorization headers of a demo
user) and `clock` (a clock that moves only when told: `clock.advance(minutes=16)`). Every test
gets its own database in pytest's temporary directory; nothing touches the network or the
working directory. Without pytest: `make_app(folder)`.
"""

import datetime as dt
import pathlib
import shutil

import pytest
import webtest

from core.timeutil import UTC
from core.timeutil import FakeClock
from models import create_schema
from models import db
from models import init_db
from seed import DEMO_PASSWORD
from seed import load_demo
from upstream import Config
from upstream import create_app

START = dt.datetime(2026, 5, 12, 10, 0, tzinfo=UTC)
SECRET = "upstream-testing-kit-secret-key-0123456789abcdef"
BCRYPT_ROUNDS = 4


def build_demo_database(path, now=START):
    """Create the schema and load the demo data (CONTRACT §2) into a new file at `path`."""
    init_db(path)
    create_schema()
    with db.connection_context():
        load_demo(now=now, bcrypt_rounds=BCRYPT_ROUNDS)
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return pathlib.Path(path)


def test_config(db_path, clock=None, **overrides):
    """Settings for a test app: fixed secret, bcrypt cost 4, an injectable clock."""
    values = {
        "secret_key": SECRET,
        "bcrypt_rounds": BCRYPT_ROUNDS,
        "clock": clock or FakeClock(START),
    }
    values.update(overrides)
    return Config(db_path=str(db_path), **values)


test_config.__test__ = False  # a helper, not a test, when imported into a test module


def make_app(folder, clock=None, template=None, **overrides):
    """A demo app in `folder` (a fresh demo database; copied from `template` when given)."""
    path = pathlib.Path(folder) / "upstream-test.db"
    if template is not None:
        shutil.copyfile(template, path)
    else:
        build_demo_database(path, now=(clock or FakeClock(START))())
    return create_app(test_config(path, clock=clock, **overrides))


class Session(dict):
    """Authorization headers of a logged-in user; `.access`, `.refresh`, `.data` too."""

    def __init__(self, data):
        super().__init__(Authorization=f"Bearer {data['accessToken']}")
        self.data = data
        self.access = data["accessToken"]
        self.refresh = data["refreshToken"]


def log_in(client, email, password=DEMO_PASSWORD):
    """Log a user in through the API; returns their `Session` headers."""
    resp = client.post_json("/api/v1/auth/login", {"email": email, "password": password})
    return Session(resp.json["data"])


@pytest.fixture(scope="session")
def upstream_demo_database(tmp_path_factory):
    """The demo data built once per test session (per xdist worker)."""
    return build_demo_database(tmp_path_factory.mktemp("upstream-template") / "demo.db")


@pytest.fixture
def clock():
    """A clock at 2026-05-12T10:00:00Z that moves only with `clock.advance(...)`."""
    return FakeClock(START)


@pytest.fixture
def upstream_config(tmp_path, clock):
    """The settings of this test's app (change them before `upstream_app` is built)."""
    return test_config(tmp_path / "upstream-test.db", clock=clock)


@pytest.fixture
def upstream_app(upstream_config, upstream_demo_database):
    """The WSGI app on this test's own copy of the demo database."""
    shutil.copyfile(upstream_demo_database, upstream_config.db_path)
    return create_app(upstream_config)


@pytest.fixture
def upstream_client(upstream_app):
    """A `webtest.TestApp` on the app."""
    return webtest.TestApp(upstream_app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})


@pytest.fixture
def login(upstream_client):
    """`login(email)`: Authorization headers of a demo user (password: the demo one)."""

    def do_login(email, password=DEMO_PASSWORD):
        return log_in(upstream_client, email, password)

    return do_login
