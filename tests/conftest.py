"""Fixtures: an app on a temp-file SQLite with the demo data, a client and a clock."""

import datetime as dt
import shutil

import pytest

from core.timeutil import UTC
from core.timeutil import FakeClock
from models import create_schema
from models import db
from models import init_db
from seed import DEMO_PASSWORD
from seed import load_demo
from tests.conformance import ConformingTestApp
from tests.helpers import AuthHeaders
from upstream import Config
from upstream import create_app

START = dt.datetime(2026, 5, 12, 10, 0, tzinfo=UTC)
SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture
def clock():
    """A clock that moves only when the test says so."""
    return FakeClock(START)


@pytest.fixture
def config(tmp_path, clock):
    """Test settings: temp database, fixed secret, bcrypt cost 4, fake clock."""
    return Config(
        db_path=str(tmp_path / "test.db"),
        secret_key=SECRET,
        bcrypt_rounds=4,
        clock=clock,
    )


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory):
    """The demo data loaded once (at START); each test gets its own copy of the file."""
    path = tmp_path_factory.mktemp("template") / "demo.db"
    init_db(path)
    create_schema()
    with db.connection_context():
        load_demo(now=START, bcrypt_rounds=4)
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def app(config, demo_database):
    """The WSGI app on a fresh copy of the demo database."""
    shutil.copyfile(demo_database, config.db_path)
    return create_app(config)


@pytest.fixture
def client(app):
    """A WebTest client whose requests come from 10.0.0.1."""
    return ConformingTestApp(app, extra_environ={"REMOTE_ADDR": "10.0.0.1"})


@pytest.fixture
def login(client):
    """Log a demo user in: returns the Authorization headers (tokens in `.tokens`)."""

    def do_login(email, password=DEMO_PASSWORD):
        resp = client.post_json("/api/v1/auth/login", {"email": email, "password": password})
        return AuthHeaders(resp.json["data"])

    return do_login
