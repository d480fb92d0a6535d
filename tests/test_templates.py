"""Activity templates, deal template progress, and transactions that leave nothing half-done."""

import pytest

from core import progress
from core import templates
from models import Activity
from models import ActivityTemplate
from models import Deal
from models import DealTemplateStep
from models import Organization
from models import Pipeline
from models import Stage
from models import TemplateStep
from tests.helpers import assert_error
from tests.helpers import row_id

TEMPLATES = "/api/v1/activity-templates"
DISCOVERY = [
    {"type": "call", "title": "Discovery call"},
    {"type": "demo", "title": "Product demo"},
    {"type": "email", "title": "Send proposal"},
    {"type": "task", "title": "Internal review"},
]


def demo_stage():
    pipeline = row_id(Pipeline, name="Default Pipeline")
    return row_id(Stage, name="Demo", pipeline=pipeline)


@pytest.fixture
def jane(login):
    return login("jane@acme.com")


@pytest.fixture
def template(client, jane):
    body = {"name": "Discovery 4", "description": "Four steps", "steps": DISCOVERY}
    return client.post_json(TEMPLATES, body, headers=jane).json["data"]


@pytest.fixture
def deal(client, jane):
    return client.post_json(
        "/api/v1/deals", {"title": "Walkthrough", "stageId": demo_stage()}, headers=jane
    ).json["data"]


def progress_of(client, headers, deal_id):
    return client.get(f"/api/v1/deals/{deal_id}/template", headers=headers).json["data"]


def test_create_answers_full_template(client, jane, template):
    assert template["name"] == "Discovery 4" and template["archivedAt"] is None
    assert [(s["orderIndex"], s["type"], s["title"]) for s in template["steps"]] == [
        (i, s["type"], s["title"]) for i, s in enumerate(DISCOVERY, start=1)
    ]
    assert client.get(f"{TEMPLATES}/{template['id']}", headers=jane).json["data"] == template


def test_the_four_step_walkthrough(client, jane, template, deal):
    url = f"/api/v1/deals/{deal['id']}/template"
    data = client.put_json(url, {"templateId": template["id"]}, headers=jane).json["data"]
    assert data["templateId"] == template["id"]
    assert data["nextPendingStep"] == {"stepIndex": 1, "type": "call", "title": "Discovery call"}
    # schedule-next: activity of step 1, step 1 scheduled, next 2
    resp = client.post_json(
        f"{url}/schedule-next",
        {"dueDate": "2026-05-15T14:00:00.000Z", "notes": "Bring slides"},
        headers=jane,
    )
    assert resp.status_int == 201
    activity = resp.json["data"]["activity"]
    assert (activity["type"], activity["title"], activity["dueDate"], activity["description"]) == (
        "call",
        "Discovery call",
        "2026-05-15T14:00:00.000Z",
        "Bring slides",
    )
    assert activity["assignee"]["name"] == "Jane Doe"
    assert resp.json["data"]["nextPendingStep"]["stepIndex"] == 2
    state = progress_of(client, jane, deal["id"])
    assert (state["steps"][0]["status"], state["steps"][0]["activityId"]) == (
        "scheduled",
        activity["id"],
    )
    assert state["template"] == {"id": template["id"], "name": "Discovery 4"}
    # complete -> completed
    done = client.post(f"/api/v1/activities/{activity['id']}/complete", headers=jane).json["data"]
    assert done["nextPendingStep"]["stepIndex"] == 2
    assert progress_of(client, jane, deal["id"])["steps"][0]["status"] == "completed"
    # uncomplete -> scheduled
    client.post(f"/api/v1/activities/{activity['id']}/uncomplete", headers=jane)
    assert progress_of(client, jane, deal["id"])["steps"][0]["status"] == "scheduled"
    # delete -> pending
    deleted = client.delete(f"/api/v1/activities/{activity['id']}", headers=jane).json["data"]
    assert deleted == {
        "deleted": True,
        "nextPendingStep": {"stepIndex": 1, "type": "call", "title": "Discovery call"},
    }
    state = progress_of(client, jane, deal["id"])
    assert (state["steps"][0]["status"], state["steps"][0]["activityId"]) == ("pending", None)
    # schedule the remaining steps, complete the first
    scheduled = []
    for _ in range(4):
        scheduled.append(
            client.post_json(f"{url}/schedule-next", {"dueDate": "2026-05-20"}, headers=jane).json[
                "data"
            ]
        )
    assert scheduled[-1]["nextPendingStep"] is None
    client.post(f"/api/v1/activities/{scheduled[0]['activity']['id']}/complete", headers=jane)
    # lose with cancelRemainingOnLost
    client.patch_json(
        f"/api/v1/deals/{deal['id']}/status",
        {"status": "lost", "lostReason": "No budget", "cancelRemainingOnLost": True},
        headers=jane,
    )
    state = progress_of(client, jane, deal["id"])
    assert [s["status"] for s in state["steps"]] == [
        "completed",
        "cancelled",
        "cancelled",
        "cancelled",
    ]
    assert state["nextPendingStep"] is None
    for item in scheduled[1:]:
        resp = client.get(
            f"/api/v1/activities/{item['activity']['id']}", headers=jane, expect_errors=True
        )
        assert_error(resp, 404, "NOT_FOUND")
    assert (
        client.get(f"/api/v1/activities/{scheduled[0]['activity']['id']}", headers=jane).json[
            "data"
        ]["status"]
        == "completed"
    )
    resp = client.post_json(
        f"{url}/schedule-next", {"dueDate": "2026-05-20"}, headers=jane, expect_errors=True
    )
    assert_error(resp, 400, "VALIDATION_ERROR")


def test_losing_without_cancel_keeps_progress(client, jane, template, deal):
    url = f"/api/v1/deals/{deal['id']}/template"
    client.put_json(url, {"templateId": template["id"]}, headers=jane)
    client.post_json(f"{url}/schedule-next", {"dueDate": "2026-05-20"}, headers=jane)
    client.patch_json(
        f"/api/v1/deals/{deal['id']}/status", {"status": "lost", "lostReason": "x"}, headers=jane
    )
    assert [s["status"] for s in progress_of(client, jane, deal["id"])["steps"]] == [
        "scheduled",
        "pending",
        "pending",
        "pending",
    ]


def test_editing_or_archiving_a_template_leaves_deal_progress_alone(client, jane, template, deal):
    url = f"/api/v1/deals/{deal['id']}/template"
    client.put_json(url, {"templateId": template["id"]}, headers=jane)
    before = progress_of(client, jane, deal["id"])
    client.patch_json(
        f"{TEMPLATES}/{template['id']}",
        {"name": "Renamed", "steps": [{"type": "note", "title": "Only"}]},
        headers=jane,
    )
    client.delete(f"{TEMPLATES}/{template['id']}", headers=jane)
    after = progress_of(client, jane, deal["id"])
    assert (
        after["steps"] == before["steps"] and after["nextPendingStep"] == before["nextPendingStep"]
    )


def test_deal_create_with_template_attaches_without_activities(client, jane, template):
    body = {"title": "With template", "stageId": demo_stage(), "templateId": template["id"]}
    data = client.post_json("/api/v1/deals", body, headers=jane).json["data"]
    state = progress_of(client, jane, data["id"])
    assert [s["status"] for s in state["steps"]] == ["pending"] * 4
    assert Activity.select().where(Activity.deal == data["id"]).count() == 0


def test_new_template_replaces_progress_and_null_detaches(client, jane, template, deal):
    url = f"/api/v1/deals/{deal['id']}/template"
    client.put_json(url, {"templateId": template["id"]}, headers=jane)
    activity = client.post_json(
        f"{url}/schedule-next", {"dueDate": "2026-05-20"}, headers=jane
    ).json["data"]["activity"]
    again = client.put_json(url, {"templateId": template["id"]}, headers=jane).json["data"]
    assert again["nextPendingStep"]["stepIndex"] == 2  # same template: progress kept
    other = client.post_json(
        TEMPLATES, {"name": "Short", "steps": [{"type": "email", "title": "Hello"}]}, headers=jane
    ).json["data"]
    data = client.put_json(url, {"templateId": other["id"]}, headers=jane).json["data"]
    assert data["nextPendingStep"] == {"stepIndex": 1, "type": "email", "title": "Hello"}
    assert client.get(f"/api/v1/activities/{activity['id']}", headers=jane).status_int == 200
    data = client.put_json(url, {"templateId": None}, headers=jane).json["data"]
    assert data["templateId"] is None and data["nextPendingStep"] is None
    assert progress_of(client, jane, deal["id"]) == {
        "template": None,
        "steps": [],
        "nextPendingStep": None,
    }


def test_archived_template_cannot_be_applied_but_is_readable(client, jane, template, deal):
    assert client.delete(f"{TEMPLATES}/{template['id']}", headers=jane).json["data"] == {
        "deleted": True
    }
    assert (
        client.get(f"{TEMPLATES}/{template['id']}", headers=jane).json["data"]["archivedAt"]
        is not None
    )
    listed = {t["id"] for t in client.get(TEMPLATES, headers=jane).json["data"]}
    assert template["id"] not in listed
    everything = {
        t["id"] for t in client.get(f"{TEMPLATES}?includeArchived=true", headers=jane).json["data"]
    }
    assert template["id"] in everything
    resp = client.put_json(
        f"/api/v1/deals/{deal['id']}/template",
        {"templateId": template["id"]},
        headers=jane,
        expect_errors=True,
    )
    assert_error(resp, 404, "NOT_FOUND", path="templateId")
    body = {"title": "x", "stageId": demo_stage(), "templateId": template["id"]}
    assert_error(
        client.post_json("/api/v1/deals", body, headers=jane, expect_errors=True), 404, "NOT_FOUND"
    )


def test_step_replace_rules(client, jane, template):
    steps = template["steps"]
    body = {
        "steps": [
            {"id": steps[2]["id"], "type": "email", "title": "Send proposal v2"},
            {"type": "meeting", "title": "Solution workshop"},
            {"id": steps[0]["id"], "type": "call", "title": "Discovery call"},
        ]
    }
    data = client.patch_json(f"{TEMPLATES}/{template['id']}", body, headers=jane).json["data"]
    assert [(s["orderIndex"], s["title"]) for s in data["steps"]] == [
        (1, "Send proposal v2"),
        (2, "Solution workshop"),
        (3, "Discovery call"),
    ]
    assert data["steps"][0]["id"] == steps[2]["id"] and data["steps"][2]["id"] == steps[0]["id"]
    assert data["steps"][1]["id"] not in {s["id"] for s in steps}
    assert TemplateStep.select().where(TemplateStep.id == steps[1]["id"]).count() == 0


def test_foreign_step_id_is_400_and_changes_nothing(client, jane, template):
    other = TemplateStep.get(TemplateStep.title == "Welcome call")  # Globex's template
    body = {
        "name": "Changed",
        "steps": [{"type": "call", "title": "A"}, {"id": other.id, "type": "call", "title": "B"}],
    }
    resp = client.patch_json(
        f"{TEMPLATES}/{template['id']}", body, headers=jane, expect_errors=True
    )
    assert_error(resp, 400, "VALIDATION_ERROR", path="steps.1.id")
    assert client.get(f"{TEMPLATES}/{template['id']}", headers=jane).json["data"] == template


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"steps": DISCOVERY}, "name"),
        ({"name": "x"}, "steps"),
        ({"name": "x", "steps": []}, "steps"),
        ({"name": "x", "steps": [{"type": "call", "title": "t"}] * 51}, "steps"),
        ({"name": "x", "steps": [{"type": "lunch", "title": "t"}]}, "steps.0.type"),
        ({"name": "x", "steps": [{"type": "call"}]}, "steps.0.title"),
        ({"name": "x", "steps": [{"type": "call", "title": "t" * 256}]}, "steps.0.title"),
        (
            {
                "name": "x",
                "steps": [
                    {"type": "call", "title": "t"},
                    {"type": "call", "title": "t", "description": "d" * 2001},
                ],
            },
            "steps.1.description",
        ),
        ({"name": "", "steps": DISCOVERY}, "name"),
        ({"name": "x", "description": "d" * 2001, "steps": DISCOVERY}, "description"),
    ],
)
def test_create_validation(client, jane, body, path):
    resp = client.post_json(TEMPLATES, body, headers=jane, expect_errors=True)
    assert_error(resp, 400, "VALIDATION_ERROR", path=path)


def test_other_tenant_gets_404(client, login, template, deal):
    hank = login("hank@globex.com")
    for method, url, body in [
        ("get", f"{TEMPLATES}/{template['id']}", None),
        ("patch_json", f"{TEMPLATES}/{template['id']}", {"name": "x"}),
        ("delete", f"{TEMPLATES}/{template['id']}", None),
        ("get", f"/api/v1/deals/{deal['id']}/template", None),
        ("put_json", f"/api/v1/deals/{deal['id']}/template", {"templateId": None}),
        (
            "post_json",
            f"/api/v1/deals/{deal['id']}/template/schedule-next",
            {"dueDate": "2026-05-20"},
        ),
    ]:
        args = (url, body) if body is not None else (url,)
        assert_error(
            getattr(client, method)(*args, headers=hank, expect_errors=True), 404, "NOT_FOUND"
        )
    assert template["id"] not in {
        t["id"] for t in client.get(f"{TEMPLATES}?includeArchived=true", headers=hank).json["data"]
    }
    globex_template = row_id(ActivityTemplate, name="Globex onboarding")
    jane = login("jane@acme.com")
    resp = client.put_json(
        f"/api/v1/deals/{deal['id']}/template",
        {"templateId": globex_template},
        headers=jane,
        expect_errors=True,
    )
    assert_error(resp, 404, "NOT_FOUND")
    assert ActivityTemplate.get_by_id(template["id"]).archived_at is None


def test_deal_template_validation(client, jane, deal):
    url = f"/api/v1/deals/{deal['id']}/template"
    assert_error(
        client.put_json(url, {}, headers=jane, expect_errors=True),
        400,
        "VALIDATION_ERROR",
        path="templateId",
    )
    assert_error(
        client.put_json(url, {"templateId": "x"}, headers=jane, expect_errors=True),
        400,
        "VALIDATION_ERROR",
        path="templateId",
    )
    resp = client.post_json(f"{url}/schedule-next", {}, headers=jane, expect_errors=True)
    assert_error(resp, 400, "VALIDATION_ERROR", path="dueDate")
    resp = client.post_json(
        f"{url}/schedule-next", {"dueDate": "2026-05-20"}, headers=jane, expect_errors=True
    )
    assert_error(resp, 400, "VALIDATION_ERROR")


# --- one transaction per multi-row change --------------------------------------------------


class Injected(Exception):
    pass


def boom(*args, **kwargs):
    raise Injected("injected failure")


def test_failed_template_create_leaves_nothing(client, jane, monkeypatch):
    monkeypatch.setattr(templates.TemplateStep, "insert_many", boom)
    resp = client.post_json(
        TEMPLATES, {"name": "Half", "steps": DISCOVERY}, headers=jane, expect_errors=True
    )
    assert_error(resp, 500, "INTERNAL_ERROR")
    assert ActivityTemplate.select().where(ActivityTemplate.name == "Half").count() == 0


def test_failed_step_replace_leaves_steps_as_they_were(client, jane, template, monkeypatch):
    monkeypatch.setattr(templates.TemplateStep, "insert", boom)
    body = {
        "name": "Half",
        "steps": [
            {"id": template["steps"][0]["id"], "type": "note", "title": "Changed"},
            {"type": "call", "title": "New"},
        ],
    }
    assert (
        client.patch_json(
            f"{TEMPLATES}/{template['id']}", body, headers=jane, expect_errors=True
        ).status_int
        == 500
    )
    monkeypatch.undo()
    assert client.get(f"{TEMPLATES}/{template['id']}", headers=jane).json["data"] == template


def test_failed_schedule_next_leaves_no_activity(client, jane, template, deal, monkeypatch):
    url = f"/api/v1/deals/{deal['id']}/template"
    client.put_json(url, {"templateId": template["id"]}, headers=jane)
    monkeypatch.setattr(progress.DealTemplateStep, "save", boom)
    assert (
        client.post_json(
            f"{url}/schedule-next", {"dueDate": "2026-05-20"}, headers=jane, expect_errors=True
        ).status_int
        == 500
    )
    monkeypatch.undo()
    assert Activity.select().where(Activity.deal == deal["id"]).count() == 0
    assert progress_of(client, jane, deal["id"])["nextPendingStep"]["stepIndex"] == 1


def test_failed_template_apply_keeps_old_progress(client, jane, template, deal, monkeypatch):
    url = f"/api/v1/deals/{deal['id']}/template"
    client.put_json(url, {"templateId": template["id"]}, headers=jane)
    other = client.post_json(
        TEMPLATES, {"name": "Other", "steps": [{"type": "email", "title": "Hi"}]}, headers=jane
    ).json["data"]
    monkeypatch.setattr(progress.DealTemplateStep, "insert_many", boom)
    assert (
        client.put_json(
            url, {"templateId": other["id"]}, headers=jane, expect_errors=True
        ).status_int
        == 500
    )
    monkeypatch.undo()
    state = progress_of(client, jane, deal["id"])
    assert state["template"]["id"] == template["id"] and len(state["steps"]) == 4


def test_failed_deal_create_with_template_leaves_no_deal(client, jane, template, monkeypatch):
    monkeypatch.setattr(progress.DealTemplateStep, "insert_many", boom)
    body = {"title": "Half deal", "stageId": demo_stage(), "templateId": template["id"]}
    assert (
        client.post_json("/api/v1/deals", body, headers=jane, expect_errors=True).status_int == 500
    )
    assert Deal.select().where(Deal.title == "Half deal").count() == 0


def test_failed_cancel_on_lost_keeps_deal_open(client, jane, template, deal, monkeypatch):
    url = f"/api/v1/deals/{deal['id']}/template"
    client.put_json(url, {"templateId": template["id"]}, headers=jane)
    client.post_json(f"{url}/schedule-next", {"dueDate": "2026-05-20"}, headers=jane)
    monkeypatch.setattr(progress, "cancel_remaining", boom)
    body = {"status": "lost", "lostReason": "x", "cancelRemainingOnLost": True}
    assert (
        client.patch_json(
            f"/api/v1/deals/{deal['id']}/status", body, headers=jane, expect_errors=True
        ).status_int
        == 500
    )
    monkeypatch.undo()
    assert Deal.get_by_id(deal["id"]).status == "open"
    assert [
        s.status for s in DealTemplateStep.select().where(DealTemplateStep.deal == deal["id"])
    ].count("scheduled") == 1
    acme = row_id(Organization, name="Acme Sales")
    assert (
        Activity.select()
        .where(
            (Activity.organization == acme)
            & (Activity.deal == deal["id"])
            & (Activity.is_deleted == False)
        )
        .count()
        == 1
    )
