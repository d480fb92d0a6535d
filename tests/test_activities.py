"""Activities: computed status in the organization's timezone, filters, CRUD, complete."""

import datetime as dt

import pytest

from core import activity_records
from core.timeutil import UTC
from models import Activity
from models import Contact
from models import Deal
from models import Organization
from models import User
from tests.helpers import QueryCounter
from tests.helpers import assert_error
from tests.helpers import row_id

ACTIVITIES = "/api/v1/activities"


def walk(client, headers, query="", limit=100):
    items, cursor = [], None
    while True:
        url = f"{ACTIVITIES}?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else "")
        data = client.get(url, headers=headers).json["data"]
        items += data["items"]
        cursor = data["nextCursor"]
        if cursor is None:
            return items


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def kolkata(client, clock):
    """Acme Sales in Asia/Kolkata (UTC+5:30), with the clock at 23:00 local on 12 May."""
    Organization.update(timezone="Asia/Kolkata").where(Organization.name == "Acme Sales").execute()
    clock.set(utc(2026, 5, 12, 17, 30))  # 23:00 IST, 12 May
    acme = row_id(Organization, name="Acme Sales")
    jane = row_id(User, email="jane@acme.com")
    Activity.delete().where(Activity.organization == acme).execute()
    dues = {
        "overdue-last-second": utc(2026, 5, 11, 18, 29, 59),  # 23:59:59 IST on 11 May
        "today-first-second": utc(2026, 5, 11, 18, 30),  # 00:00 IST on 12 May
        "today-late": utc(2026, 5, 12, 18, 29, 59),  # 23:59:59 IST on 12 May
        "tomorrow-first-second": utc(2026, 5, 12, 18, 30),  # 00:00 IST on 13 May
        "undated": None,
        "completed-overdue": utc(2026, 5, 1),
    }
    for title, due in dues.items():
        activity_records.create(
            clock(),
            organization=acme,
            type="task",
            title=title,
            due_date=due,
            assignee=jane,
            completed_at=clock() if title.startswith("completed") else None,
        )
    return dues


def test_status_at_day_boundaries_in_org_timezone(client, login, kolkata):
    items = walk(client, login("jane@acme.com"))
    status = {item["title"]: item["status"] for item in items}
    assert status == {
        "overdue-last-second": "overdue",
        "today-first-second": "due_today",
        "today-late": "due_today",
        "tomorrow-first-second": "upcoming",
        "undated": "open",
        "completed-overdue": "completed",
    }


@pytest.mark.parametrize("status", ["open", "completed", "overdue", "due_today", "upcoming"])
def test_status_filter_matches_the_status_field(client, login, kolkata, status):
    headers = login("jane@acme.com")
    everything = walk(client, headers)
    filtered = walk(client, headers, f"&status={status}")
    if status == "open":
        expected = {i["id"] for i in everything if i["status"] != "completed"}
    else:
        expected = {i["id"] for i in everything if i["status"] == status}
    assert {i["id"] for i in filtered} == expected and expected


def test_status_moves_with_the_clock(client, login, kolkata, clock):
    clock.advance(minutes=30)  # 23:30 IST: still 12 May
    headers = login("jane@acme.com")
    assert {i["title"] for i in walk(client, headers, "&status=due_today")} == {
        "today-first-second",
        "today-late",
    }
    clock.advance(minutes=31)  # 00:01 IST, 13 May
    headers = login("jane@acme.com")
    assert {i["title"] for i in walk(client, headers, "&status=due_today")} == {
        "tomorrow-first-second"
    }


def test_date_filters_are_inclusive_days_in_org_timezone(client, login, kolkata):
    headers = login("jane@acme.com")
    on_12 = {i["title"] for i in walk(client, headers, "&dateFrom=2026-05-12&dateTo=2026-05-12")}
    assert on_12 == {"today-first-second", "today-late"}
    upto_11 = {i["title"] for i in walk(client, headers, "&dateTo=2026-05-11")}
    assert upto_11 == {"overdue-last-second", "completed-overdue"}
    exact = walk(
        client, headers, "&dateFrom=2026-05-12T18:30:00Z&dateTo=2026-05-12T18:30:00%2B00:00"
    )
    assert [i["title"] for i in exact] == ["tomorrow-first-second"]
    assert all(i["dueDate"] for i in walk(client, headers, "&dateFrom=2000-01-01"))


def test_order_is_due_date_then_undated_last(client, login, kolkata):
    titles = [i["title"] for i in walk(client, login("jane@acme.com"), limit=2)]
    assert titles == [
        "completed-overdue",
        "overdue-last-second",
        "today-first-second",
        "today-late",
        "tomorrow-first-second",
        "undated",
    ]


def test_filters(client, login):
    headers = login("jane@acme.com")
    deal = row_id(Deal, title="TechCorp upgrade")
    john = row_id(Contact, email="j@techcorp.com")
    sam = row_id(User, email="sam@acme.com")
    for query, check in [
        ("&type=call", lambda a: a.type == "call"),
        (f"&dealId={deal}", lambda a: a.deal_id == deal),
        (f"&contactId={john}", lambda a: a.contact_id == john),
        (f"&assigneeId={sam}", lambda a: a.assignee_id == sam),
    ]:
        items = walk(client, headers, query)
        assert items, query
        assert all(check(Activity.get_by_id(i["id"])) for i in items), query


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("type=lunch", "type"),
        ("status=late", "status"),
        ("assigneeId=x", "assigneeId"),
        ("dealId=1", "dealId"),
        ("contactId=z", "contactId"),
        ("dateFrom=yesterday", "dateFrom"),
        ("dateTo=2026-13-45", "dateTo"),
        ("limit=500", "limit"),
        ("cursor=00000000-0000-4000-8000-000000000000", "cursor"),
    ],
)
def test_list_validation(client, login, query, path):
    resp = client.get(f"{ACTIVITIES}?{query}", headers=login("jane@acme.com"), expect_errors=True)
    assert_error(resp, 400, "VALIDATION_ERROR", path=path)


def test_create_defaults_to_caller_and_answers_detail(client, login):
    headers = login("sam@acme.com")
    deal = row_id(Deal, title="East region expansion")
    body = {
        "type": "call",
        "title": "Follow-up",
        "dealId": deal,
        "durationMinutes": 30,
        "dueDate": "2026-05-13T15:00:00.000Z",
    }
    resp = client.post_json(ACTIVITIES, body, headers=headers)
    assert resp.status_int == 201
    data = resp.json["data"]
    assert data == client.get(f"{ACTIVITIES}/{data['id']}", headers=headers).json["data"]
    assert data["assignee"]["name"] == "Sam Carter"
    assert (data["status"], data["deal"]["title"], data["durationMinutes"]) == (
        "upcoming",
        "East region expansion",
        30,
    )
    assert data["createdAt"] == data["updatedAt"] == "2026-05-12T10:00:00.000Z"


def test_create_logged_completed_activity(client, login):
    headers = login("jane@acme.com")
    body = {"type": "call", "title": "Logged", "completedAt": "2026-05-11T09:00:00+02:00"}
    data = client.post_json(ACTIVITIES, body, headers=headers).json["data"]
    assert (data["status"], data["completedAt"], data["dueDate"]) == (
        "completed",
        "2026-05-11T07:00:00.000Z",
        None,
    )


def test_create_assignee_must_be_member_and_refs_visible(client, login):
    headers = login("lee@acme.com")
    hank = row_id(User, email="hank@globex.com")
    for field, value in [
        ("assigneeId", hank),
        ("dealId", row_id(Deal, title="Stark private pilot")),
        ("dealId", row_id(Deal, title="Doomsday device")),
        ("contactId", row_id(Contact, email="frank.grimes@globex.example")),
    ]:
        resp = client.post_json(
            ACTIVITIES,
            {"type": "task", "title": "x", field: value},
            headers=headers,
            expect_errors=True,
        )
        assert_error(resp, 404, "NOT_FOUND", path=field)
    assert Activity.select().where(Activity.title == "x").count() == 0


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"title": "x"}, "type"),
        ({"type": "lunch", "title": "x"}, "type"),
        ({"type": "call"}, "title"),
        ({"type": "call", "title": ""}, "title"),
        ({"type": "call", "title": "x", "durationMinutes": 0}, "durationMinutes"),
        ({"type": "call", "title": "x", "durationMinutes": 1.5}, "durationMinutes"),
        ({"type": "call", "title": "x", "dueDate": "soon"}, "dueDate"),
        ({"type": "call", "title": "x", "description": "d" * 10001}, "description"),
        ({"type": "call", "title": "x", "completedAt": 5}, "completedAt"),
    ],
)
def test_create_validation(client, login, body, path):
    resp = client.post_json(ACTIVITIES, body, headers=login("jane@acme.com"), expect_errors=True)
    assert_error(resp, 400, "VALIDATION_ERROR", path=path)


def test_patch_updates_and_rejects_completed_at(client, login, clock):
    headers = login("jane@acme.com")
    target = row_id(Activity, title="Follow-up call with John")
    clock.advance(seconds=2)
    data = client.patch_json(
        f"{ACTIVITIES}/{target}",
        {"dueDate": "2026-05-14T15:00:00.000Z", "durationMinutes": 45, "contactId": None},
        headers=headers,
    ).json["data"]
    assert (data["dueDate"], data["durationMinutes"], data["contact"]) == (
        "2026-05-14T15:00:00.000Z",
        45,
        None,
    )
    assert data["updatedAt"] == "2026-05-12T10:00:02.000Z"
    resp = client.patch_json(
        f"{ACTIVITIES}/{target}",
        {"completedAt": "2026-05-12T10:00:00Z"},
        headers=headers,
        expect_errors=True,
    )
    body = assert_error(resp, 400, "VALIDATION_ERROR", path="completedAt")
    assert "/complete" in body["details"][0]["message"]
    resp = client.patch_json(f"{ACTIVITIES}/{target}", {"dueDate": None}, headers=headers)
    assert resp.json["data"]["status"] == "open"
    assert [i["title"] for i in walk(client, headers)][-1] in {
        "Follow-up call with John",
        "Update CRM hygiene",
        "Notes from Pied Piper call",
    }


def test_complete_and_uncomplete_are_idempotent(client, login, clock):
    headers = login("jane@acme.com")
    target = row_id(Activity, title="Follow-up call with John")
    first = client.post(f"{ACTIVITIES}/{target}/complete", headers=headers).json["data"]
    assert first["completedAt"] == "2026-05-12T10:00:00.000Z" and "nextPendingStep" in first
    clock.advance(minutes=5)
    again = client.post(f"{ACTIVITIES}/{target}/complete", headers=headers).json["data"]
    assert again["completedAt"] == first["completedAt"]
    assert (
        client.get(f"{ACTIVITIES}/{target}", headers=headers).json["data"]["status"] == "completed"
    )
    undone = client.post(f"{ACTIVITIES}/{target}/uncomplete", headers=headers).json["data"]
    assert undone["id"] == target and undone["completedAt"] is None
    assert (
        client.post(f"{ACTIVITIES}/{target}/uncomplete", headers=headers).json["data"][
            "completedAt"
        ]
        is None
    )
    assert (
        client.get(f"{ACTIVITIES}/{target}", headers=headers).json["data"]["status"] == "upcoming"
    )


def test_delete_answers_next_pending_step_and_hides(client, login):
    headers = login("jane@acme.com")
    target = row_id(Activity, title="Update CRM hygiene")
    data = client.delete(f"{ACTIVITIES}/{target}", headers=headers).json["data"]
    assert data == {"deleted": True, "nextPendingStep": None}
    assert_error(
        client.get(f"{ACTIVITIES}/{target}", headers=headers, expect_errors=True), 404, "NOT_FOUND"
    )
    assert target not in {i["id"] for i in walk(client, headers)}


def test_visibility_follows_deals(client, login):
    private = row_id(Activity, title="Send pricing to Stark")
    for email, status in [
        ("sam@acme.com", 200),
        ("jane@acme.com", 200),
        ("lee@acme.com", 404),
        ("kim@acme.com", 404),
    ]:
        resp = client.get(f"{ACTIVITIES}/{private}", headers=login(email), expect_errors=True)
        assert resp.status_int == status, email
    lee = walk(client, login("lee@acme.com"))
    assert private not in {i["id"] for i in lee}
    assert row_id(Activity, title="Intro call with Maria") in {i["id"] for i in lee}


def test_partner_scoped_sees_assigned_or_visible_deal_activities_only(client, login):
    headers = login("pat@northwind.io")
    seen = {i["title"] for i in walk(client, headers)}
    assert {"Vandelay product demo", "Visit Soylent HQ"} <= seen
    assert "Intro call with Maria" not in seen  # on no deal, not assigned to pat
    assert "Follow-up call with John" not in seen


def test_other_tenant_gets_404_on_every_verb(client, login):
    headers = login("hank@globex.com")
    target = row_id(Activity, title="Follow-up call with John")
    assert target not in {i["id"] for i in walk(client, headers)}
    calls = [
        ("get", f"{ACTIVITIES}/{target}", None),
        ("patch_json", f"{ACTIVITIES}/{target}", {"title": "x"}),
        ("delete", f"{ACTIVITIES}/{target}", None),
        ("post", f"{ACTIVITIES}/{target}/complete", None),
        ("post", f"{ACTIVITIES}/{target}/uncomplete", None),
    ]
    for method, url, body in calls:
        args = (url, body) if body is not None else (url,)
        assert_error(
            getattr(client, method)(*args, headers=headers, expect_errors=True), 404, "NOT_FOUND"
        )
    row = Activity.get_by_id(target)
    assert (row.title, row.completed_at, row.is_deleted) == (
        "Follow-up call with John",
        None,
        False,
    )


def test_query_count_is_fixed(client, login, clock):
    headers = login("jane@acme.com")

    def count():
        with QueryCounter() as counter:
            client.get(f"{ACTIVITIES}?limit=100", headers=headers)
        return counter.count

    small = count()
    deal = row_id(Deal, title="TechCorp upgrade")
    for n in range(120):
        client.post_json(
            ACTIVITIES, {"type": "task", "title": f"bulk {n}", "dealId": deal}, headers=headers
        )
    assert count() == small <= 4


def test_dates_far_in_the_past_keep_four_digit_years(client, login):
    headers = login("jane@acme.com")
    body = {"type": "task", "title": "Ancient", "dueDate": "0142-12-01T01:36:18-23:50"}
    data = client.post_json(ACTIVITIES, body, headers=headers).json["data"]
    assert data["dueDate"] == "0142-12-02T01:26:18.000Z"
    resp = client.post_json(
        ACTIVITIES,
        dict(body, dueDate="9999-12-31T23:59:59-23:59"),
        headers=headers,
        expect_errors=True,
    )
    assert_error(resp, 400, "VALIDATION_ERROR", path="dueDate")
