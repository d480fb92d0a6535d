"""Deals: visibility, paging, search, create/patch rules, stage moves and status changes."""

import datetime as dt

import pytest

from core import activity_records
from models import Activity
from models import Contact
from models import Deal
from models import DealEvent
from models import DealStageHistory
from models import Organization
from models import Pipeline
from models import Stage
from models import User
from seed import Builder
from seed import _deal
from tests.helpers import QueryCounter
from tests.helpers import assert_error
from tests.helpers import row_id

DEALS = "/api/v1/deals"


def deal_id(title):
    return row_id(Deal, title=title)


def stage_id(name, pipeline="Default Pipeline", org="Acme Sales"):
    pipeline_id = row_id(Pipeline, name=pipeline, organization=row_id(Organization, name=org))
    return row_id(Stage, name=name, pipeline=pipeline_id)


def titles(client, headers, query=""):
    items, cursor = [], None
    while True:
        url = f"{DEALS}?limit=100{query}" + (f"&cursor={cursor}" if cursor else "")
        data = client.get(url, headers=headers).json["data"]
        items += [item["title"] for item in data["items"]]
        cursor = data["nextCursor"]
        if cursor is None:
            return items


# --- visibility -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "sees"),
    [
        ("sam@acme.com", True),
        ("jane@acme.com", True),
        ("kim@acme.com", False),
        ("lee@acme.com", False),
    ],
)
def test_private_deal_is_seen_by_owner_and_admin_only(client, login, email, sees):
    headers = login(email)
    target = deal_id("Stark private pilot")
    assert ("Stark private pilot" in titles(client, headers)) is sees
    resp = client.get(f"{DEALS}/{target}", headers=headers, expect_errors=True)
    assert resp.status_int == (200 if sees else 404)
    pipeline = client.get("/api/v1/pipeline", headers=headers).json["data"]
    assert (target in [card["id"] for card in pipeline["deals"]]) is sees


@pytest.mark.parametrize(
    ("email", "sees"),
    [
        ("sam@acme.com", True),
        ("kim@acme.com", True),
        ("jane@acme.com", True),
        ("lee@acme.com", False),
    ],
)
def test_team_deal_is_seen_by_teammates(client, login, email, sees):
    headers = login(email)
    target = deal_id("East region expansion")
    assert ("East region expansion" in titles(client, headers)) is sees
    resp = client.get(f"{DEALS}/{target}", headers=headers, expect_errors=True)
    assert resp.status_int == (200 if sees else 404)


def test_partner_scoped_member_sees_own_and_partner_deals_only(client, login):
    headers = login("pat@northwind.io")
    pat = row_id(User, email="pat@northwind.io")
    partner = (
        Deal.select()
        .where(
            (Deal.partner.is_null(False))
            & (Deal.visibility == "organization")
            & (Deal.is_deleted == False)
        )
        .join(Organization)
        .where(Organization.name == "Acme Sales")
    )
    expected = {d.title for d in Deal.select().where(Deal.owner == pat)} | {
        d.title for d in partner
    }
    seen = titles(client, headers)
    assert set(seen) == expected
    assert "Northwind private referral" not in seen
    assert "TechCorp upgrade" not in seen
    resp = client.get(f"{DEALS}/{deal_id('TechCorp upgrade')}", headers=headers, expect_errors=True)
    assert_error(resp, 404, "NOT_FOUND")
    pipeline = client.get("/api/v1/pipeline", headers=headers).json["data"]
    open_expected = {
        d.id for d in Deal.select().where(Deal.title.in_(list(expected)) & (Deal.status == "open"))
    }
    default_cards = {card["id"] for card in pipeline["deals"]}
    assert default_cards and default_cards <= open_expected
    assert sum(stage["dealCount"] for stage in pipeline["stages"]) == len(default_cards)


def test_other_tenant_gets_404_on_every_verb(client, login):
    headers = login("hank@globex.com")
    target = deal_id("TechCorp upgrade")
    assert "TechCorp upgrade" not in titles(client, headers)
    calls = [
        ("get", f"{DEALS}/{target}", None),
        ("patch_json", f"{DEALS}/{target}", {"title": "Mine now"}),
        ("delete", f"{DEALS}/{target}", None),
        ("patch_json", f"{DEALS}/{target}/stage", {"stageId": stage_id("Demo")}),
        ("patch_json", f"{DEALS}/{target}/status", {"status": "won"}),
    ]
    for method, url, body in calls:
        args = (url, body) if body is not None else (url,)
        resp = getattr(client, method)(*args, headers=headers, expect_errors=True)
        assert_error(resp, 404, "NOT_FOUND")
    pipeline = client.get("/api/v1/pipeline", headers=headers).json["data"]
    assert target not in [card["id"] for card in pipeline["deals"]]
    acme_pipeline = row_id(Pipeline, name="Default Pipeline")
    resp = client.get(
        f"/api/v1/pipeline?pipelineId={acme_pipeline}", headers=headers, expect_errors=True
    )
    assert_error(resp, 404, "NOT_FOUND")
    assert Deal.get_by_id(target).title == "TechCorp upgrade"


def test_cross_tenant_references_are_404(client, login):
    headers = login("hank@globex.com")
    globex_stage = stage_id("Qualified", "Globex Pipeline", "Globex")
    acme_contact = row_id(Contact, email="j@techcorp.com")
    resp = client.post_json(
        DEALS,
        {"title": "x", "stageId": globex_stage, "contactId": acme_contact},
        headers=headers,
        expect_errors=True,
    )
    assert_error(resp, 404, "NOT_FOUND", path="contactId")
    resp = client.post_json(
        DEALS, {"title": "x", "stageId": stage_id("Demo")}, headers=headers, expect_errors=True
    )
    assert_error(resp, 404, "NOT_FOUND", path="stageId")


# --- lists ------------------------------------------------------------------------------


def test_walking_every_page_returns_each_visible_deal_once(client, login):
    headers = login("jane@acme.com")
    seen, stamps, cursor = [], [], None
    while True:
        url = f"{DEALS}?limit=7" + (f"&cursor={cursor}" if cursor else "")
        data = client.get(url, headers=headers).json["data"]
        assert len(data["items"]) <= 7
        seen += [item["id"] for item in data["items"]]
        stamps += [(item["updatedAt"], item["id"]) for item in data["items"]]
        cursor = data["nextCursor"]
        if cursor is None:
            break
        assert cursor == data["items"][-1]["id"]
    acme = row_id(Organization, name="Acme Sales")
    expected = Deal.select().where((Deal.organization == acme) & (Deal.is_deleted == False)).count()
    assert len(seen) == len(set(seen)) == expected
    assert stamps == sorted(stamps, reverse=True)


def test_last_page_has_null_cursor_exactly_at_the_end(client, login):
    headers = login("jane@acme.com")
    total = len(titles(client, headers))
    data = client.get(f"{DEALS}?limit={total}", headers=headers).json["data"]
    assert len(data["items"]) == total and data["nextCursor"] is None
    data = client.get(f"{DEALS}?limit={total - 1}", headers=headers).json["data"]
    assert data["nextCursor"] == data["items"][-1]["id"]


@pytest.mark.parametrize("limit", ["0", "101", "abc", "-1", "2.5", ""])
def test_bad_limit_is_400_on_limit(client, login, limit):
    resp = client.get(f"{DEALS}?limit={limit}", headers=login("jane@acme.com"), expect_errors=True)
    assert_error(resp, 400, "VALIDATION_ERROR", path="limit")


def test_bad_cursor_is_400_on_cursor(client, login):
    headers = login("jane@acme.com")
    invisible = deal_id("Doomsday device")
    for cursor in ["nope", "00000000-0000-4000-8000-000000000000", invisible]:
        resp = client.get(f"{DEALS}?cursor={cursor}", headers=headers, expect_errors=True)
        assert_error(resp, 400, "VALIDATION_ERROR", path="cursor")
    lee_cannot_see = deal_id("Stark private pilot")
    resp = client.get(
        f"{DEALS}?cursor={lee_cannot_see}", headers=login("lee@acme.com"), expect_errors=True
    )
    assert_error(resp, 400, "VALIDATION_ERROR", path="cursor")


def test_filters(client, login):
    headers = login("jane@acme.com")
    enterprise = row_id(Pipeline, name="Enterprise")
    demo = stage_id("Demo")
    sam = row_id(User, email="sam@acme.com")
    for query, check in [
        (f"&pipelineId={enterprise}", lambda d: d.pipeline_id == enterprise),
        (f"&stageId={demo}", lambda d: d.stage_id == demo),
        (f"&ownerId={sam}", lambda d: d.owner_id == sam),
        ("&status=won", lambda d: d.status == "won"),
        ("&status=lost", lambda d: d.status == "lost"),
    ]:
        found = titles(client, headers, query)
        assert found
        assert all(check(Deal.get(Deal.title == t)) for t in found), query
    assert len(titles(client, headers, "&status=open")) + len(
        titles(client, headers, "&status=won")
    ) + len(titles(client, headers, "&status=lost")) == len(titles(client, headers))


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("pipelineId=x", "pipelineId"),
        ("stageId=1", "stageId"),
        ("status=closed", "status"),
        ("ownerId=me", "ownerId"),
        ("search=", "search"),
    ],
)
def test_invalid_filters_are_400_on_their_path(client, login, query, path):
    resp = client.get(f"{DEALS}?{query}", headers=login("jane@acme.com"), expect_errors=True)
    assert_error(resp, 400, "VALIDATION_ERROR", path=path)


def test_search_matches_title_company_and_contact_every_word(client, login):
    headers = login("jane@acme.com")
    assert "TechCorp upgrade" in titles(client, headers, "&search=john%20reed")
    assert "TechCorp upgrade" in titles(client, headers, "&search=TECHCORP")
    assert "Stark private pilot" in titles(client, headers, "&search=stark%20industries")
    assert titles(client, headers, "&search=john%20nobodyever") == []
    assert titles(client, headers, "&search=%25") == []
    assert titles(client, headers, "&search=_") == []


def test_search_takes_percent_literally(client, login):
    headers = login("jane@acme.com")
    resp = client.post_json(
        DEALS, {"title": "100% uptime deal", "stageId": stage_id("Demo")}, headers=headers
    )
    assert resp.status_int == 201
    assert titles(client, headers, "&search=%25") == ["100% uptime deal"]
    assert titles(client, headers, "&search=0%25%20UPTIME") == ["100% uptime deal"]


# --- create / patch / delete -------------------------------------------------------------


def test_create_applies_defaults_and_answers_the_detail_shape(client, login):
    headers = login("sam@acme.com")
    resp = client.post_json(
        DEALS, {"title": "New deal", "stageId": stage_id("Demo")}, headers=headers
    )
    assert resp.status_int == 201
    data = resp.json["data"]
    assert data == client.get(f"{DEALS}/{data['id']}", headers=headers).json["data"]
    assert data["owner"]["name"] == "Sam Carter"
    assert (data["currency"], data["probability"], data["temperature"], data["visibility"]) == (
        "USD",
        50,
        "cold",
        "organization",
    )
    assert (data["status"], data["stageName"], data["recentActivityCount"]) == ("open", "Demo", 0)
    assert data["pipelineId"] == row_id(Pipeline, name="Default Pipeline")
    assert DealStageHistory.select().where(DealStageHistory.deal == data["id"]).count() == 1


def test_create_with_every_field(client, login):
    headers = login("jane@acme.com")
    body = {
        "title": "TechCorp upgrade 2",
        "value": 12000.5,
        "currency": "INR",
        "stageId": stage_id("Qualified"),
        "pipelineId": row_id(Pipeline, name="Default Pipeline"),
        "contactId": row_id(Contact, email="j@techcorp.com"),
        "probability": 30,
        "expectedCloseDate": "2026-06-01",
        "visibility": "team",
        "notes": "Spoke with John",
        "temperature": "hot",
    }
    data = client.post_json(DEALS, body, headers=headers).json["data"]
    assert data["value"] == 12000.5 and data["currency"] == "INR"
    assert data["expectedCloseDate"] == "2026-06-01T00:00:00.000Z"
    assert data["contact"]["name"] == "John Reed"
    assert (data["visibility"], data["notes"], data["temperature"]) == (
        "team",
        "Spoke with John",
        "hot",
    )


def test_create_owner_and_org_come_from_the_token_not_the_body(client, login):
    headers = login("sam@acme.com")
    jane = row_id(User, email="jane@acme.com")
    body = {
        "title": "Sneaky",
        "stageId": stage_id("Demo"),
        "ownerId": jane,
        "status": "won",
        "organizationId": "x",
    }
    data = client.post_json(DEALS, body, headers=headers).json["data"]
    assert data["owner"]["name"] == "Sam Carter" and data["status"] == "open"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"stageId": "STAGE"}, "title"),
        ({"title": "x"}, "stageId"),
        ({"title": "", "stageId": "STAGE"}, "title"),
        ({"title": "x" * 256, "stageId": "STAGE"}, "title"),
        ({"title": "x", "stageId": "STAGE", "value": -1}, "value"),
        ({"title": "x", "stageId": "STAGE", "probability": 101}, "probability"),
        ({"title": "x", "stageId": "STAGE", "visibility": "public"}, "visibility"),
        ({"title": "x", "stageId": "STAGE", "temperature": "warm"}, "temperature"),
        ({"title": "x", "stageId": "STAGE", "expectedCloseDate": "tomorrow"}, "expectedCloseDate"),
        ({"title": "x", "stageId": "not-a-uuid"}, "stageId"),
        ({"title": 5, "stageId": "STAGE"}, "title"),
    ],
)
def test_create_validation(client, login, body, path):
    body = {k: (stage_id("Demo") if v == "STAGE" else v) for k, v in body.items()}
    resp = client.post_json(DEALS, body, headers=login("jane@acme.com"), expect_errors=True)
    assert_error(resp, 400, "VALIDATION_ERROR", path=path)


def test_create_into_closed_stage_or_mismatched_pipeline_is_400(client, login):
    headers = login("jane@acme.com")
    resp = client.post_json(
        DEALS, {"title": "x", "stageId": stage_id("Won")}, headers=headers, expect_errors=True
    )
    assert_error(resp, 400, "VALIDATION_ERROR", path="stageId")
    enterprise = row_id(Pipeline, name="Enterprise")
    body = {"title": "x", "stageId": stage_id("Demo"), "pipelineId": enterprise}
    resp = client.post_json(DEALS, body, headers=headers, expect_errors=True)
    assert_error(resp, 400, "VALIDATION_ERROR", path="pipelineId")


def test_create_with_unknown_references_is_404(client, login):
    headers = login("jane@acme.com")
    unknown = "00000000-0000-4000-8000-000000000000"
    for field in ("contactId", "companyId", "sourceId", "partnerId", "templateId"):
        body = {"title": "x", "stageId": stage_id("Demo"), field: unknown}
        resp = client.post_json(DEALS, body, headers=headers, expect_errors=True)
        assert_error(resp, 404, "NOT_FOUND", path=field)
    assert Deal.select().where(Deal.title == "x").count() == 0


def test_patch_updates_fields_and_null_clears(client, login, clock):
    headers = login("jane@acme.com")
    target = deal_id("TechCorp upgrade")
    before = client.get(f"{DEALS}/{target}", headers=headers).json["data"]
    clock.advance(seconds=5)
    body = {
        "value": 15000,
        "probability": 50,
        "temperature": "cold",
        "contactId": None,
        "notes": None,
    }
    data = client.patch_json(f"{DEALS}/{target}", body, headers=headers).json["data"]
    assert (data["value"], data["probability"], data["temperature"]) == (15000, 50, "cold")
    assert data["contact"] is None and data["notes"] is None
    assert data["updatedAt"] > before["updatedAt"]
    assert titles(client, headers)[0] == "TechCorp upgrade"


def test_patch_without_changes_keeps_updated_at(client, login):
    headers = login("jane@acme.com")
    target = deal_id("TechCorp upgrade")
    before = client.get(f"{DEALS}/{target}", headers=headers).json["data"]
    data = client.patch_json(
        f"{DEALS}/{target}", {"title": "TechCorp upgrade"}, headers=headers
    ).json["data"]
    assert data["updatedAt"] == before["updatedAt"]


def test_updated_at_moves_even_within_the_same_instant(client, login):
    headers = login("jane@acme.com")
    target = deal_id("TechCorp upgrade")
    first = client.patch_json(f"{DEALS}/{target}", {"title": "A"}, headers=headers).json["data"]
    second = client.patch_json(f"{DEALS}/{target}", {"title": "B"}, headers=headers).json["data"]
    assert second["updatedAt"] > first["updatedAt"]


@pytest.mark.parametrize(
    ("field", "hint"), [("status", "/status"), ("stageId", "/stage"), ("pipelineId", "/stage")]
)
def test_patch_rejects_fields_with_their_own_endpoint(client, login, field, hint):
    headers = login("jane@acme.com")
    resp = client.patch_json(
        f"{DEALS}/{deal_id('TechCorp upgrade')}",
        {field: "won"},
        headers=headers,
        expect_errors=True,
    )
    body = assert_error(resp, 400, "VALIDATION_ERROR", path=field)
    assert hint in body["details"][0]["message"]


def test_patch_validation_and_references(client, login):
    headers = login("jane@acme.com")
    target = deal_id("TechCorp upgrade")
    resp = client.patch_json(
        f"{DEALS}/{target}", {"title": None, "value": "big"}, headers=headers, expect_errors=True
    )
    body = assert_error(resp, 400, "VALIDATION_ERROR")
    assert {d["path"] for d in body["details"]} == {"title", "value"}
    other = row_id(Contact, email="frank.grimes@globex.example")
    resp = client.patch_json(
        f"{DEALS}/{target}", {"contactId": other}, headers=headers, expect_errors=True
    )
    assert_error(resp, 404, "NOT_FOUND", path="contactId")


def test_delete_is_soft_and_hides_the_deal(client, login):
    headers = login("jane@acme.com")
    target = deal_id("TechCorp upgrade")
    assert client.delete(f"{DEALS}/{target}", headers=headers).json["data"] == {"deleted": True}
    assert_error(
        client.get(f"{DEALS}/{target}", headers=headers, expect_errors=True), 404, "NOT_FOUND"
    )
    assert "TechCorp upgrade" not in titles(client, headers)
    assert Deal.get_by_id(target).is_deleted is True
    assert_error(
        client.delete(f"{DEALS}/{target}", headers=headers, expect_errors=True), 404, "NOT_FOUND"
    )


def test_non_uuid_path_id_is_404(client, login):
    resp = client.get(f"{DEALS}/not-a-uuid", headers=login("jane@acme.com"), expect_errors=True)
    assert_error(resp, 404, "NOT_FOUND")


# --- stage moves and status ---------------------------------------------------------------


def _history(deal):
    return list(
        DealStageHistory.select()
        .where(DealStageHistory.deal == deal)
        .order_by(DealStageHistory.changed_at)
    )


def _events(deal):
    return (
        DealEvent.select()
        .where((DealEvent.deal == deal) & (DealEvent.kind == "deal_stage_changed"))
        .count()
    )


def test_stage_move_writes_history_and_timeline(client, login, clock):
    headers = login("jane@acme.com")
    target = deal_id("TechCorp upgrade")
    before_history, before_events = len(_history(target)), _events(target)
    clock.advance(seconds=1)
    data = client.patch_json(
        f"{DEALS}/{target}/stage", {"stageId": stage_id("Demo")}, headers=headers
    ).json["data"]
    assert (data["id"], data["stageId"], data["stageName"]) == (target, stage_id("Demo"), "Demo")
    history = _history(target)
    assert len(history) == before_history + 1
    assert (history[-1].from_stage_id, history[-1].to_stage_id) == (
        stage_id("Qualified"),
        stage_id("Demo"),
    )
    assert _events(target) == before_events + 1
    activities = client.get(
        f"/api/v1/activities?dealId={target}&limit=100", headers=headers, expect_errors=True
    )
    if activities.status_int == 200:
        assert all(
            item["type"] != "deal_stage_changed" for item in activities.json["data"]["items"]
        )


def test_move_to_current_stage_changes_nothing(client, login):
    headers = login("jane@acme.com")
    target = deal_id("TechCorp upgrade")
    before = client.get(f"{DEALS}/{target}", headers=headers).json["data"]
    count = len(_history(target))
    data = client.patch_json(
        f"{DEALS}/{target}/stage", {"stageId": stage_id("Qualified")}, headers=headers
    ).json["data"]
    assert data["updatedAt"] == before["updatedAt"] and len(_history(target)) == count


def test_stage_move_errors(client, login):
    headers = login("jane@acme.com")
    target = deal_id("TechCorp upgrade")
    url = f"{DEALS}/{target}/stage"
    for stage in (stage_id("Won"), stage_id("Lost"), stage_id("Discovery", "Enterprise")):
        resp = client.patch_json(url, {"stageId": stage}, headers=headers, expect_errors=True)
        assert_error(resp, 400, "VALIDATION_ERROR", path="stageId")
    resp = client.patch_json(
        url,
        {"stageId": stage_id("Demo", "Globex Pipeline", "Globex")},
        headers=headers,
        expect_errors=True,
    )
    assert_error(resp, 404, "NOT_FOUND")
    resp = client.patch_json(url, {}, headers=headers, expect_errors=True)
    assert_error(resp, 400, "VALIDATION_ERROR", path="stageId")
    won = deal_id("TechCorp renewal")
    resp = client.patch_json(
        f"{DEALS}/{won}/stage", {"stageId": stage_id("Demo")}, headers=headers, expect_errors=True
    )
    assert_error(resp, 400, "VALIDATION_ERROR")
    assert len(_history(target)) == 1


def test_won_moves_to_won_stage_and_reopen_returns(client, login, clock):
    headers = login("jane@acme.com")
    target = deal_id("TechCorp upgrade")
    client.patch_json(f"{DEALS}/{target}/stage", {"stageId": stage_id("Proposal")}, headers=headers)
    clock.advance(seconds=1)
    data = client.patch_json(f"{DEALS}/{target}/status", {"status": "won"}, headers=headers).json[
        "data"
    ]
    assert (data["status"], data["stageId"], data["stageName"]) == ("won", stage_id("Won"), "Won")
    assert data["closedAt"] == "2026-05-12T10:00:01.000Z"
    clock.advance(seconds=1)
    data = client.patch_json(f"{DEALS}/{target}/status", {"status": "open"}, headers=headers).json[
        "data"
    ]
    assert (data["status"], data["stageId"], data["closedAt"]) == (
        "open",
        stage_id("Proposal"),
        None,
    )
    history = _history(target)
    assert [(h.from_stage_id, h.to_stage_id) for h in history[-2:]] == [
        (stage_id("Proposal"), stage_id("Won")),
        (stage_id("Won"), stage_id("Proposal")),
    ]


def test_lost_requires_reason_and_reopen_clears_it(client, login):
    headers = login("jane@acme.com")
    url = f"{DEALS}/{deal_id('TechCorp upgrade')}/status"
    for body in (
        {"status": "lost"},
        {"status": "lost", "lostReason": "   "},
        {"status": "lost", "lostReason": None},
    ):
        resp = client.patch_json(url, body, headers=headers, expect_errors=True)
        assert_error(resp, 400, "VALIDATION_ERROR", path="lostReason")
    data = client.patch_json(
        url, {"status": "lost", "lostReason": "Budget cut"}, headers=headers
    ).json["data"]
    assert (data["status"], data["stageName"], data["lostReason"]) == ("lost", "Lost", "Budget cut")
    data = client.patch_json(url, {"status": "open"}, headers=headers).json["data"]
    assert (data["status"], data["stageName"], data["lostReason"]) == ("open", "Qualified", None)


def test_status_validation(client, login):
    headers = login("jane@acme.com")
    url = f"{DEALS}/{deal_id('TechCorp upgrade')}/status"
    for body, path in [
        ({}, "status"),
        ({"status": "closed"}, "status"),
        ({"status": "lost", "lostReason": "x" * 501}, "lostReason"),
        ({"status": "won", "cancelRemainingOnLost": "yes"}, "cancelRemainingOnLost"),
    ]:
        resp = client.patch_json(url, body, headers=headers, expect_errors=True)
        assert_error(resp, 400, "VALIDATION_ERROR", path=path)


def test_same_status_changes_nothing(client, login):
    headers = login("jane@acme.com")
    target = deal_id("TechCorp upgrade")
    count = len(_history(target))
    client.patch_json(f"{DEALS}/{target}/status", {"status": "open"}, headers=headers)
    assert len(_history(target)) == count


def test_reopen_of_deal_with_unknown_previous_stage_goes_to_first_open_stage(client, login):
    headers = login("jane@acme.com")
    target = deal_id("TechCorp upgrade")
    client.patch_json(f"{DEALS}/{target}/status", {"status": "won"}, headers=headers)
    Deal.update(reopen_stage=None).where(Deal.id == target).execute()
    data = client.patch_json(f"{DEALS}/{target}/status", {"status": "open"}, headers=headers).json[
        "data"
    ]
    assert data["stageName"] == "Qualified"


# --- detail and cards computed in SQL ------------------------------------------------------


def _add_deals(count, clock):
    acme = Organization.get(Organization.name == "Acme Sales")
    jane = row_id(User, email="jane@acme.com")
    stage = Stage.get_by_id(stage_id("Demo"))
    contact = row_id(Contact, email="j@techcorp.com")
    build = Builder(clock())
    ids = [
        _deal(
            build,
            acme.id,
            title=f"Bulk {n}",
            pipeline=stage.pipeline_id,
            stage=stage.id,
            owner=jane,
            contact=contact,
            value=100.0,
        )
        for n in range(count)
    ]
    build.flush()
    for n, deal in enumerate(ids):
        activity_records.create(
            clock(),
            organization=acme.id,
            type="call",
            title=f"a{n}",
            deal=deal,
            assignee=jane,
            due_date=clock() + dt.timedelta(days=1),
        )


def _count(client, headers, urls):
    counts = []
    for url in urls:
        with QueryCounter() as counter:
            client.get(url, headers=headers)
        counts.append(counter.count)
    return counts


def test_query_counts_do_not_grow_with_deals(client, login, clock):
    headers = login("jane@acme.com")
    target = deal_id("TechCorp upgrade")
    urls = [
        f"{DEALS}?limit=100",
        f"{DEALS}/{target}",
        "/api/v1/pipeline",
        f"{DEALS}?limit=100&search=bulk",
    ]
    small = _count(client, headers, urls)
    _add_deals(200, clock)
    large = _count(client, headers, urls)
    assert small == large
    assert max(large) <= 6


def test_cards_and_detail_carry_activity_summary(client, login, clock):
    headers = login("jane@acme.com")
    target = deal_id("TechCorp upgrade")
    detail = client.get(f"{DEALS}/{target}", headers=headers).json["data"]
    assert detail["activityStatus"] == "upcoming"
    assert detail["daysSinceLastActivity"] == 2
    Activity.update(due_date=clock() - dt.timedelta(days=1)).where(
        (Activity.deal == target)
        & Activity.completed_at.is_null()
        & (Activity.title == "Follow-up call with John")
    ).execute()
    cards = client.get("/api/v1/pipeline", headers=headers).json["data"]["deals"]
    card = next(card for card in cards if card["id"] == target)
    assert card["activityStatus"] == "overdue"


def test_organization_without_pipelines_gets_null_pipeline(client, login):
    from models import Membership

    labs = Organization.get(Organization.name == "Acme Labs")
    Stage.delete().where(Stage.organization == labs.id).execute()
    Pipeline.delete().where(Pipeline.organization == labs.id).execute()
    jane = row_id(User, email="jane@acme.com")
    Membership.update(joined_at=Membership.joined_at - 500 * 86_400_000).where(
        (Membership.user == jane) & (Membership.organization == labs.id)
    ).execute()
    headers = login("jane@acme.com")
    data = client.get("/api/v1/pipeline", headers=headers).json["data"]
    assert data == {"pipeline": None, "pipelines": [], "stages": [], "deals": []}
