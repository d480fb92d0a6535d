"""What a mobile client on a flaky network relies on: idempotency keys, ETags, rate headers."""

import re
import threading

from models import Contact
from models import Deal
from models import IdempotencyKey
from tests.helpers import assert_error
from tests.helpers import row_id

CONTACTS = "/api/v1/contacts"


def test_idempotent_replay_returns_first_response_and_writes_nothing(client, login):
    headers = dict(login("jane@acme.com"), **{"Idempotency-Key": "create-ada-1"})
    body = {"firstName": "Ada", "email": "ada@x.io"}
    first = client.post_json(CONTACTS, body, headers=headers)
    count = Contact.select().count()
    again = client.post_json(CONTACTS, body, headers=headers)
    assert again.status_int == first.status_int == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert Contact.select().count() == count


def test_replay_keeps_an_error_response_too(client, login):
    headers = dict(login("jane@acme.com"), **{"Idempotency-Key": "dup"})
    body = {"firstName": "Dup", "email": "j@techcorp.com"}
    first = client.post_json(CONTACTS, body, headers=headers, expect_errors=True)
    again = client.post_json(CONTACTS, body, headers=headers, expect_errors=True)
    assert first.status_int == again.status_int == 409 and again.json == first.json


def test_same_key_with_another_body_is_409(client, login):
    headers = dict(login("jane@acme.com"), **{"Idempotency-Key": "k1"})
    client.post_json(CONTACTS, {"firstName": "One"}, headers=headers)
    resp = client.post_json(CONTACTS, {"firstName": "Two"}, headers=headers, expect_errors=True)
    assert_error(resp, 409, "CONFLICT")
    assert Contact.select().where(Contact.first_name == "Two").count() == 0


def test_keys_are_per_user_and_expire_after_a_day(client, login, clock):
    body = {"firstName": "Shared"}
    jane = dict(login("jane@acme.com"), **{"Idempotency-Key": "same"})
    sam = dict(login("sam@acme.com"), **{"Idempotency-Key": "same"})
    first = client.post_json(CONTACTS, body, headers=jane).json["data"]["id"]
    assert client.post_json(CONTACTS, body, headers=sam).json["data"]["id"] != first
    clock.advance(hours=24, seconds=1)
    jane = dict(login("jane@acme.com"), **{"Idempotency-Key": "same"})
    assert client.post_json(CONTACTS, body, headers=jane).json["data"]["id"] != first
    assert IdempotencyKey.select().count() == 1  # both expired keys were swept


def test_invalid_key_is_400(client, login):
    for key in ["", "x" * 256, "tab\there", "ünicode"]:
        headers = dict(login("jane@acme.com"), **{"Idempotency-Key": key})
        resp = client.post_json(CONTACTS, {"firstName": "X"}, headers=headers, expect_errors=True)
        assert_error(resp, 400, "VALIDATION_ERROR", path="Idempotency-Key")


def test_request_racing_one_in_flight_is_409(app, client, login):
    started, release = threading.Event(), threading.Event()

    class Slow:
        def on_post(self, req, resp):
            started.set()
            release.wait(5)
            resp.status = 201
            resp.media = {"success": True, "data": {"done": True}}

    app.add_route("/api/v1/_test/slow", Slow())
    headers = dict(login("jane@acme.com"), **{"Idempotency-Key": "race"})
    results = {}

    def first():
        results["first"] = client.post_json(
            "/api/v1/_test/slow", {}, headers=headers, expect_errors=True
        )

    thread = threading.Thread(target=first)
    thread.start()
    assert started.wait(5)
    racing = client.post_json("/api/v1/_test/slow", {}, headers=headers, expect_errors=True)
    release.set()
    thread.join()
    assert_error(racing, 409, "CONFLICT")
    assert results["first"].status_int == 201
    replay = client.post_json("/api/v1/_test/slow", {}, headers=headers, expect_errors=True)
    assert replay.status_int == 201 and replay.headers["Idempotent-Replayed"] == "true"


def test_failed_request_frees_its_key(app, client, login):
    calls = []

    class Flaky:
        def on_post(self, req, resp):
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError("transient")
            resp.media = {"success": True, "data": {}}

    app.add_route("/api/v1/_test/flaky", Flaky())
    headers = dict(login("jane@acme.com"), **{"Idempotency-Key": "retry-me"})
    assert (
        client.post_json("/api/v1/_test/flaky", {}, headers=headers, expect_errors=True).status_int
        == 500
    )
    assert client.post_json("/api/v1/_test/flaky", {}, headers=headers).status_int == 200
    assert len(calls) == 2


def test_etag_and_if_none_match_give_304(client, login):
    headers = login("jane@acme.com")
    deal = row_id(Deal, title="TechCorp upgrade")
    john = row_id(Contact, email="j@techcorp.com")
    urls = [
        f"/api/v1/deals/{deal}",
        f"/api/v1/contacts/{john}",
        f"/api/v1/deals/{deal}/template",
        "/api/v1/pipeline",
    ]
    for url in urls:
        first = client.get(url, headers=headers)
        tag = first.headers["ETag"]
        assert tag.startswith('"') and tag.endswith('"')
        cached = client.get(url, headers=dict(headers, **{"If-None-Match": tag}), status=304)
        assert cached.body == b"" and cached.headers["ETag"] == tag
        stale = client.get(url, headers=dict(headers, **{"If-None-Match": '"other"'}))
        assert stale.status_int == 200 and stale.json == first.json


def test_etag_changes_with_the_resource(client, login):
    headers = login("jane@acme.com")
    url = f"/api/v1/contacts/{row_id(Contact, email='j@techcorp.com')}"
    tag = client.get(url, headers=headers).headers["ETag"]
    client.patch_json(url, {"jobTitle": "CEO"}, headers=headers)
    assert client.get(url, headers=dict(headers, **{"If-None-Match": tag})).status_int == 200


def test_stale_if_match_is_412_and_writes_nothing(client, login):
    headers = login("jane@acme.com")
    deal = row_id(Deal, title="TechCorp upgrade")
    url = f"/api/v1/deals/{deal}"
    tag = client.get(url, headers=headers).headers["ETag"]
    client.patch_json(url, {"title": "Changed by someone else"}, headers=headers)
    stale = dict(headers, **{"If-Match": tag})
    for method, target, body in [
        ("patch_json", url, {"title": "Mine"}),
        ("delete", url, None),
        (
            "patch_json",
            f"{url}/stage",
            {"stageId": client.get(url, headers=headers).json["data"]["stageId"]},
        ),
        ("patch_json", f"{url}/status", {"status": "won"}),
    ]:
        args = (target, body) if body is not None else (target,)
        assert_error(
            getattr(client, method)(*args, headers=stale, expect_errors=True),
            412,
            "PRECONDITION_FAILED",
        )
    row = Deal.get_by_id(deal)
    assert (row.title, row.is_deleted, row.status) == ("Changed by someone else", False, "open")
    fresh = client.get(url, headers=headers).headers["ETag"]
    client.patch_json(url, {"title": "Mine"}, headers=dict(headers, **{"If-Match": fresh}))
    assert Deal.get_by_id(deal).title == "Mine"


def test_if_match_on_contacts_activities_and_templates(client, login):
    headers = login("jane@acme.com")
    activity = client.post_json(
        "/api/v1/activities", {"type": "task", "title": "t"}, headers=headers
    ).json["data"]
    template = client.get("/api/v1/activity-templates", headers=headers).json["data"][0]
    contact = row_id(Contact, email="j@techcorp.com")
    stale = dict(headers, **{"If-Match": '"stale"'})
    for url, body in [
        (f"/api/v1/activities/{activity['id']}", {"title": "x"}),
        (f"/api/v1/activity-templates/{template['id']}", {"name": "x"}),
        (f"/api/v1/contacts/{contact}", {"firstName": "x"}),
    ]:
        assert_error(
            client.patch_json(url, body, headers=stale, expect_errors=True),
            412,
            "PRECONDITION_FAILED",
        )
        assert_error(
            client.delete(url, headers=stale, expect_errors=True), 412, "PRECONDITION_FAILED"
        )
        tag = client.get(url, headers=headers).headers["ETag"]
        client.patch_json(url, body, headers=dict(headers, **{"If-Match": tag}))
    assert Contact.get_by_id(contact).first_name == "x"


def test_rate_limit_headers_on_authenticated_routes(client, login):
    headers = login("jane@acme.com")
    resp = client.get("/api/v1/me", headers=headers)
    assert resp.headers["RateLimit-Policy"] == '"user";q=600;w=60'
    assert re.fullmatch(r'"user";r=599;t=\d+', resp.headers["RateLimit"])


def test_retry_after_is_never_before_the_reset(client):
    for _ in range(10):
        client.post_json(
            "/api/v1/auth/login", {"email": "a@b.co", "password": "x"}, expect_errors=True
        )
    resp = client.post_json(
        "/api/v1/auth/login", {"email": "a@b.co", "password": "x"}, expect_errors=True
    )
    assert resp.status_int == 429
    reset = int(re.search(r";t=(\d+)", resp.headers["RateLimit"]).group(1))
    assert re.search(r";r=0;", resp.headers["RateLimit"])
    assert int(resp.headers["Retry-After"]) >= reset >= 1


def test_a_key_reused_in_another_organization_is_not_replayed(client, login):
    from models import Organization

    jane = login("jane@acme.com")
    body = {"firstName": "Same body"}
    first = client.post_json(CONTACTS, body, headers=dict(jane, **{"Idempotency-Key": "k"}))
    labs = Organization.get(Organization.name == "Acme Labs").id
    switch = {"organizationId": labs, "refreshToken": jane.refresh}
    pair = client.post_json("/api/v1/auth/switch-organization", switch).json["data"]
    headers = {"Authorization": f"Bearer {pair['accessToken']}", "Idempotency-Key": "k"}
    resp = client.post_json(CONTACTS, body, headers=headers, expect_errors=True)
    assert_error(resp, 409, "CONFLICT")
    assert first.json["data"]["id"] not in resp.text
