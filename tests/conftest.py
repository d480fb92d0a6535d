"""Fixtures: an app on a temp-file SQLite with the demo data, a client and a clock."""

import datetime as dt

import pytest

from core.timeutil import UTC
from core.timeutil import FakeClock
from models import db
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


@pytest.fixture
def app(config, clock):
    """The WSGI app with the demo organizations loaded."""
    application = create_app(config)
    with db.connection_context():
        load_demo(now=clock(), bcrypt_rounds=4)
    return application


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
