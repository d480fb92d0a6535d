"""Deal queries and transitions: create, patch, stage moves and status changes."""

import json

from peewee import JOIN

from core import progress
from core import refs
from core.errors import invalid
from core.errors import validation_error
from core.search import fold
from core.timeutil import parse_datetime
from models import Company
from models import Contact
from models import Deal
from models import DealEvent
from models import DealStageHistory
from models import LeadSource
from models import Partner
from models import Stage
from models import User
from models import apply_changes
from models import db
from models import touch

SEARCH_FIELDS = (Deal.title_key, Company.name_key, Contact.sort_first, Contact.sort_last)
NOT_HERE = {
    "status": "Not mutable here: use PATCH /deals/{id}/status",
    "stageId": "Not mutable here: use PATCH /deals/{id}/stage",
    "pipelineId": "Not mutable here: move the deal with PATCH /deals/{id}/stage",
}
# Body field -> (model field, referenced-id check).
REFERENCES = {
    "contactId": ("contact", refs.contact),
    "companyId": ("company", refs.company),
    "sourceId": ("source", refs.source),
    "partnerId": ("partner", refs.partner),
}
PLAIN = {
    "title": "title",
    "value": "value",
    "currency": "currency",
    "probability": "probability",
    "visibility": "visibility",
    "notes": "notes",
    "temperature": "temperature",
}


# The contact, company and owner a deal shows (joined by `_with_people`).
PEOPLE_FIELDS = (
    Contact.id,
    Contact.first_name,
    Contact.last_name,
    Contact.phone,
    Contact.email,
    Company.id,
    Company.name,
    User.id,
    User.full_name,
    User.avatar_url,
)
ITEM_FIELDS = (
    Deal.id,
    Deal.title,
    Deal.value,
    Deal.currency,
    Deal.status,
    Deal.temperature,
    Deal.probability,
    Deal.stage,
    Deal.pipeline,
    Deal.expected_close_date,
    Deal.updated_at,
    Stage.id,
    Stage.name,
    *PEOPLE_FIELDS,
)
DETAIL_FIELDS = (
    Deal.notes,
    Deal.lost_reason,
    Deal.visibility,
    Deal.created_at,
    Deal.closed_at,
    Deal.template,
    LeadSource.id,
    LeadSource.name,
    Partner.id,
    Partner.name,
)


def _with_people(query):
    """Join a deal query with its owner and its live contact and company (else None)."""
    return (
        query.join(User, on=(Deal.owner == User.id))
        .switch(Deal)
        .join(
            Contact,
            JOIN.LEFT_OUTER,
            on=(Deal.contact == Contact.id) & (Contact.is_deleted == False),
            attr="contact_row",
        )
        .switch(Deal)
        .join(
            Company,
            JOIN.LEFT_OUTER,
            on=(Deal.company == Company.id) & (Company.is_deleted == False),
            attr="company_row",
        )
    )


def select(detail=False):
    """Deals joined with what their shapes show (deleted contact/company come back None).

    Only the columns the shapes use: building SQL and rows costs per column.
    """
    query = (
        _with_people(Deal.select(*ITEM_FIELDS))
        .switch(Deal)
        .join(Stage, on=(Deal.stage == Stage.id))
    )
    if detail:
        query = (
            query.select_extend(*DETAIL_FIELDS)
            .switch(Deal)
            .join(LeadSource, JOIN.LEFT_OUTER, on=(Deal.source == LeadSource.id), attr="source_row")
            .switch(Deal)
            .join(Partner, JOIN.LEFT_OUTER, on=(Deal.partner == Partner.id), attr="partner_row")
        )
    return query


CARD_COLUMNS = (
    Deal.id,
    Deal.title,
    Deal.value,
    Deal.currency,
    Deal.probability,
    Deal.temperature,
    Deal.stage,
    Deal.updated_at,
    Deal.expected_close_date,
    *PEOPLE_FIELDS,
)


def card_rows(condition):
    """Deal cards as plain tuples (CARD_COLUMNS order), newest first, streamed from the
    cursor: no model objects and no list of rows, since a board can hold thousands."""
    return (
        _with_people(Deal.select(*CARD_COLUMNS))
        .where(condition)
        .order_by(Deal.updated_at.desc(), Deal.id.desc())
        .tuples()
        .iterator()
    )


def _references(viewer, body):
    values = {}
    for key, (field, check) in REFERENCES.items():
        if key in body:
            values[field] = None if body[key] is None else check(viewer, body[key]).id
    return values


def _plain(body):
    values = {field: body[key] for key, field in PLAIN.items() if key in body}
    if "title" in values:
        values["title_key"] = fold(values["title"])
    if "value" in body:
        values["value"] = float(body["value"])
    if "expectedCloseDate" in body:
        values["expected_close_date"] = parse_datetime(body["expectedCloseDate"])
    return values


def _record_move(deal, from_stage, to_stage, actor_id, now, status=None):
    DealStageHistory.create(
        organization=deal.organization_id,
        deal=deal.id,
        from_stage=from_stage,
        to_stage=to_stage,
        changed_by=actor_id,
        changed_at=now,
    )
    data = {"fromStageId": from_stage, "toStageId": to_stage}
    if status is not None:
        data["status"] = status
    DealEvent.create(
        organization=deal.organization_id,
        deal=deal.id,
        kind="deal_stage_changed",
        actor=actor_id,
        data=json.dumps(data),
        created_at=now,
    )


def create(viewer, org, body, now):
    """Create a deal from a validated body; returns its id."""
    stage = refs.stage(viewer, body["stageId"])
    if "pipelineId" in body:
        pipeline = refs.pipeline(viewer, body["pipelineId"])
        if pipeline.id != stage.pipeline_id:
            raise invalid("pipelineId", "Does not match the pipeline of stageId")
    if stage.kind != "open":
        raise invalid("stageId", "Must be an open stage: use PATCH /deals/{id}/status to close")
    values = {
        "currency": org.currency,
        "probability": stage.probability,
        "temperature": "cold",
        "visibility": "organization",
        "value": 0.0,
    }
    values.update(_plain(body))
    values.update(_references(viewer, body))
    template = None
    if body.get("templateId") is not None:
        template = refs.template(viewer, body["templateId"], usable=True)
    with db.atomic():
        deal = Deal.create(
            organization=org.id,
            pipeline=stage.pipeline_id,
            stage=stage.id,
            owner=viewer.user_id,
            status="open",
            created_at=now,
            updated_at=now,
            **values,
        )
        _record_move(deal, None, stage.id, viewer.user_id, now)
        if template is not None:
            progress.apply(deal, template, now)
    return deal.id


def patch(viewer, deal, body, now):
    """Apply a PATCH body to a visible deal."""
    wrong = [{"path": key, "message": message} for key, message in NOT_HERE.items() if key in body]
    if wrong:
        raise validation_error(wrong)
    values = _plain(body)
    values.update(_references(viewer, body))
    if apply_changes(deal, values, now):
        deal.save()


def _require_open(deal):
    if deal.status != "open":
        raise invalid("", f"The deal is {deal.status}: re-open it with PATCH /deals/{{id}}/status")


def move(viewer, deal, stage_id, now):
    """Move an open deal to another open stage of its pipeline."""
    stage = refs.stage(viewer, stage_id)
    if stage.pipeline_id != deal.pipeline_id:
        raise invalid("stageId", "Stage belongs to another pipeline")
    if stage.kind != "open":
        raise invalid("stageId", "Won/Lost stages are set with PATCH /deals/{id}/status")
    _require_open(deal)
    if stage.id == deal.stage_id:
        return
    with db.atomic():
        _record_move(deal, deal.stage_id, stage.id, viewer.user_id, now)
        deal.stage = stage.id
        touch(deal, now)
        deal.save()


def _first_stage(deal, kind):
    """The deal's pipeline's first stage of a kind (open, won, lost); 400 if it has none."""
    stage = (
        Stage.select()
        .where((Stage.pipeline == deal.pipeline_id) & (Stage.kind == kind))
        .order_by(Stage.order_index)
        .first()
    )
    if stage is None:
        raise invalid("status", f"This pipeline has no {kind} stage")
    return stage


def _reopen_stage(deal):
    if deal.reopen_stage_id is not None:
        stage = Stage.get_or_none(Stage.id == deal.reopen_stage_id)
        if stage is not None and stage.kind == "open" and stage.pipeline_id == deal.pipeline_id:
            return stage
    return _first_stage(deal, "open")


def set_status(viewer, deal, body, now):
    """Win, lose or re-open a deal; each change is recorded like a stage move."""
    status = body["status"]
    reason = (body.get("lostReason") or "").strip()  # the schema requires it for `lost`
    if status == deal.status:
        return
    if status == "open":
        target = _reopen_stage(deal)
    else:
        target = _first_stage(deal, status)
    with db.atomic():
        _record_move(deal, deal.stage_id, target.id, viewer.user_id, now, status=status)
        if deal.status == "open":
            deal.reopen_stage = deal.stage_id
        deal.stage = target.id
        deal.status = status
        deal.closed_at = None if status == "open" else now
        deal.lost_reason = reason if status == "lost" else None
        touch(deal, now)
        deal.save()
        if status == "lost" and body.get("cancelRemainingOnLost"):
            progress.cancel_remaining(deal.id, now)


def soft_delete(deal, now):
    """Mark a deal deleted; it disappears from every list."""
    deal.is_deleted = True
    touch(deal, now)
    deal.save()
