"""Fixtures: the testing kit (`upstream_testing`) with every response checked against the
OpenAPI document. Each test: its own copy of the demo database, a fake clock, bcrypt cost 4."""

import pytest
from hypothesis import settings

import upstream_testing
from tests.conformance import ConformingTestApp

# Hypothesis keeps no example database: nothing is written into the repository.
settings.register_profile("upstream", database=None)
settings.load_profile("upstream")

START = upstream_testing.START
SECRET = upstream_testing.SECRET


@pytest.fixture
def upstream_client(upstream_app):
    """The kit's client, checking every response against the OpenAPI document."""
    return ConformingTestApp(upstream_app, extra_environ={"REMOTE_ADDR": "10.0.0.1"})


@pytest.fixture
def config(upstream_config):
    """The settings the app was built with (tests build variants from them)."""
    return upstream_config


@pytest.fixture
def app(upstream_app):
    """The WSGI app on this test's own copy of the demo database."""
    return upstream_app


@pytest.fixture
def client(upstream_client):
    """A WebTest client whose requests come from 10.0.0.1."""
    return upstream_client
