"""Hostile input at every endpoint: always a 2xx or a 4xx envelope, never a 500,
and a rejected request writes nothing."""

import hashlib
import json
import urllib.parse

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from core.operations import OPERATIONS
from core.validation import load
from models import MODELS
from models import Contact
from models import Deal
from models import IdempotencyKey
from models import Stage
from models import db
from tests.helpers import row_id

# Derandomized and without an example database: the same inputs on every run, no files written.
FUZZ = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ODD_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300
) | st.sampled_from(["", " ", "%", "_", "\x00", "𝕌𝕡", "‮rtl", "a" * 5000, "'; DROP TABLE deal; --"])
NUMBERS = st.integers(min_value=-(2**70), max_value=2**70) | st.floats(
    allow_nan=False, allow_infinity=False
)
SCALARS = st.none() | st.booleans() | NUMBERS | ODD_TEXT
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ODD_TEXT, inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture
def upstream_config(upstream_config):
    """Generous limits: the fuzzer sends far more than 600 requests a minute."""
    upstream_config.user_rate_limit = (10**9, 60)
    upstream_config.login_rate_limit = (10**9, 60)
    upstream_config.refresh_rate_limit = (10**9, 60)
    return upstream_config


def fingerprint():
    """A hash of every row of every table the API writes to."""
    digest = hashlib.sha256()
    with db.connection_context():
        for model in MODELS:
            if model is IdempotencyKey:
                continue
            for row in db.execute_sql(f'SELECT * FROM "{model._meta.table_name}" ORDER BY rowid'):
                digest.update(repr(row).encode())
    return digest.hexdigest()


def known_ids():
    """Real ids, so fuzzed bodies also reach the code behind the reference checks."""
    with db.connection_context():
        return [
            row_id(Deal, title="TechCorp upgrade"),
            row_id(Contact, email="j@techcorp.com"),
            Stage.select().first().id,
            "00000000-0000-4000-8000-000000000000",
            "not-a-uuid",
        ]


def body_strategy(name, ids):
    properties = load(name).get("properties", {})
    value = JSON | st.sampled_from(ids)
    return st.fixed_dictionaries({}, optional={key: value for key in properties}) | JSON


def query_strategy(name, ids):
    properties = load(name).get("properties", {}) if name else {}
    value = ODD_TEXT | st.sampled_from(ids + ["0", "101", "-1", "true", "1e9"])
    return st.fixed_dictionaries({}, optional={key: value for key in properties})


def assert_sane(resp):
    assert resp.status_int < 500, resp.text
    body = resp.json
    assert isinstance(body, dict) and isinstance(body.get("success"), bool)
    if resp.status_int >= 400:
        assert body["success"] is False and body["code"] and body["error"]


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: f"{op.method} {op.path}")
def test_arbitrary_input_never_breaks_an_endpoint(client, login, op):
    headers = dict(login("jane@acme.com")) if op.auth else {}
    ids = known_ids()
    path_ids = st.sampled_from(ids)
    body = body_strategy(op.body, ids) if op.body else st.just(None)

    @FUZZ
    @given(path_id=path_ids, payload=body, query=query_strategy(op.query, ids))
    def probe(path_id, payload, query):
        url = "/api/v1" + op.path.replace("{id}", urllib.parse.quote(path_id, safe=""))
        if query:
            url += "?" + urllib.parse.urlencode(query)
        before = fingerprint()
        raw = json.dumps(payload).encode() if payload is not None else b""
        resp = client.request(
            url,
            method=op.method.upper(),
            headers=headers,
            body=raw,
            content_type="application/json",
            expect_errors=True,
        )
        assert_sane(resp)
        if resp.status_int >= 400:
            assert fingerprint() == before, f"{op.method} {url} {resp.status_int} wrote data"

    probe()


@FUZZ
@given(junk=st.binary(max_size=200))
def test_junk_bodies_and_query_strings(client, login, junk):
    headers = dict(login("jane@acme.com"))
    before = fingerprint()
    query = urllib.parse.quote_from_bytes(junk, safe="=&%")
    for url in [
        "/api/v1/deals?" + query,
        "/api/v1/activities?" + query,
        "/api/v1/contacts?" + query,
    ]:
        assert_sane(client.get(url, headers=headers, expect_errors=True))
    resp = client.post(
        "/api/v1/deals", junk, headers=headers, content_type="application/json", expect_errors=True
    )
    assert_sane(resp)
    if resp.status_int >= 400:
        assert fingerprint() == before


def test_deep_nesting_and_huge_numbers(client, login):
    headers = dict(login("jane@acme.com"))
    for raw in [
        b'{"title": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"title": "x", "stageId": "'
        + known_ids()[2].encode()
        + b'", "value": 1'
        + b"0" * 400
        + b"}",
        b'{"title": "x", "stageId": "'
        + known_ids()[2].encode()
        + b'", "probability": 99999999999999999999999}',
        b'{"title": "\\ud800", "stageId": "x"}',
    ]:
        resp = client.post(
            "/api/v1/deals",
            raw,
            headers=headers,
            content_type="application/json",
            expect_errors=True,
        )
        assert_sane(resp)
        assert resp.status_int == 400
