"""Activities: list with computed status, CRUD, complete and uncomplete."""

import datetime as dt

from peewee import JOIN

from core import activity_records
from core import activity_status
from core import conditional
from core import progress
from core import refs
from core import shapes
from core import visibility
from core.errors import invalid
from core.errors import not_found
from core.pagination import Order
from core.pagination import page
from core.timeutil import day_start
from core.timeutil import iso
from core.timeutil import parse_datetime
from core.timeutil import parse_day
from models import Activity
from models import Contact
from models import Deal
from models import User
from models import apply_changes
from models import db
from resources.common import ok
from resources.common import read_body
from resources.common import read_query
from resources.common import viewer

ORDER = Order(Activity.due_sort, Activity.id)
FILTERS = {
    "type": Activity.type,
    "assigneeId": Activity.assignee,
    "dealId": Activity.deal,
    "contactId": Activity.contact,
}
PLAIN = {
    "type": "type",
    "title": "title",
    "description": "description",
    "durationMinutes": "duration_minutes",
}


FIELDS = (
    Activity.id,
    Activity.type,
    Activity.title,
    Activity.description,
    Activity.due_date,
    Activity.completed_at,
    Activity.duration_minutes,
    Activity.deal,
    Activity.created_at,
    Activity.updated_at,
    User.id,
    User.full_name,
    User.avatar_url,
    Deal.id,
    Deal.title,
    Contact.id,
    Contact.first_name,
    Contact.last_name,
)


def select():
    """Activities joined with assignee, live deal and live contact (the columns shown)."""
    return (
        Activity.select(*FIELDS)
        .join(User, JOIN.LEFT_OUTER, on=(Activity.assignee == User.id), attr="assignee_row")
        .switch(Activity)
        .join(
            Deal,
            JOIN.LEFT_OUTER,
            on=(Activity.deal == Deal.id) & (Deal.is_deleted == False),
            attr="deal_row",
        )
        .switch(Activity)
        .join(
            Contact,
            JOIN.LEFT_OUTER,
            on=(Activity.contact == Contact.id) & (Contact.is_deleted == False),
            attr="contact_row",
        )
    )


class Context:
    """What every activity responder needs: the viewer, today and the clock."""

    def __init__(self, req, clock):
        self.req = req
        self.viewer = viewer(req)
        self.now = clock()
        self.today = activity_status.Today(self.now, req.context.org.timezone)
        self.tzname = req.context.org.timezone

    def status(self, row):
        """The computed status of an activity row."""
        return activity_status.status_of(row.completed_at, row.due_date, self.today)

    def detail(self, activity_id):
        """The detail shape of an activity the caller may see."""
        row = (
            select()
            .where(visibility.activities(self.viewer) & (Activity.id == activity_id))
            .first()
        )
        if row is None:
            raise not_found("Activity not found")
        return shapes.activity_detail(row, self.status(row))

    def visible(self, activity_id):
        """The bare activity row, if the caller may see it."""
        row = Activity.get_or_none(
            visibility.activities(self.viewer) & (Activity.id == activity_id)
        )
        if row is None:
            raise not_found("Activity not found")
        return row


def _bound(text, tzname, upper):
    """A dateFrom/dateTo bound: a plain date is that whole day in the org's timezone."""
    day = parse_day(text)
    if day is None:
        return parse_datetime(text), False
    if upper:
        return day_start(day + dt.timedelta(days=1), tzname), True
    return day_start(day, tzname), False


def _values(ctx, body):
    values = {field: body[key] for key, field in PLAIN.items() if key in body}
    if "dueDate" in body:
        values["due_date"] = parse_datetime(body["dueDate"]) if body["dueDate"] else None
        values["due_sort"] = activity_records.due_sort(values["due_date"])
    references = {
        "assigneeId": ("assignee", refs.member),
        "dealId": ("deal", refs.deal),
        "contactId": ("contact", refs.contact),
    }
    for key, (field, check) in references.items():
        if key in body:
            values[field] = None if body[key] is None else check(ctx.viewer, body[key]).id
    return values


def _pending(deal_id):
    return shapes.pending_step(progress.next_pending(deal_id) if deal_id else None)


class ActivityCollectionResource:
    def __init__(self, services):
        self.clock = services.clock

    def on_get(self, req, resp):
        params = read_query(req, "activities_query")
        ctx = Context(req, self.clock)
        visible = visibility.activities(ctx.viewer)
        query = select().where(visible)
        for key, column in FILTERS.items():
            if key in params:
                query = query.where(column == params[key])
        if "status" in params:
            query = query.where(activity_status.condition(params["status"], ctx.today))
        if "dateFrom" in params:
            start, _ = _bound(params["dateFrom"], ctx.tzname, upper=False)
            query = query.where(Activity.due_date >= start)
        if "dateTo" in params:
            end, exclusive = _bound(params["dateTo"], ctx.tzname, upper=True)
            query = query.where(Activity.due_date < end if exclusive else Activity.due_date <= end)
        rows, cursor = page(query, ORDER, Activity.id, params, visible)
        items = [shapes.activity_item(row, ctx.status(row)) for row in rows]
        ok(resp, {"items": items, "nextCursor": cursor})

    def on_post(self, req, resp):
        ctx = Context(req, self.clock)
        body = read_body(req, "activity_create")
        values = _values(ctx, body)
        values.setdefault("assignee", ctx.viewer.user_id)
        values.pop("due_sort", None)
        if body.get("completedAt"):
            values["completed_at"] = parse_datetime(body["completedAt"])
        activity = activity_records.create(
            ctx.now, organization=ctx.viewer.org_id, created_by=ctx.viewer.user_id, **values
        )
        ok(resp, ctx.detail(activity.id), status=201)


class ActivityResource:
    def __init__(self, services):
        self.clock = services.clock

    def on_get(self, req, resp, id):
        conditional.send(req, resp, Context(req, self.clock).detail(str(id)))

    def on_patch(self, req, resp, id):
        ctx = Context(req, self.clock)
        activity = ctx.visible(str(id))
        body = read_body(req, "activity_patch")
        if "completedAt" in body:
            raise invalid(
                "completedAt",
                "Not mutable here: use POST /activities/{id}/complete or /uncomplete",
            )
        values = _values(ctx, body)
        with conditional.if_match(req, lambda: ctx.detail(activity.id)):
            if apply_changes(activity, values, ctx.now):
                activity.save()
        ok(resp, ctx.detail(activity.id))

    def on_delete(self, req, resp, id):
        ctx = Context(req, self.clock)
        activity = ctx.visible(str(id))
        with conditional.if_match(req, lambda: ctx.detail(activity.id)):
            apply_changes(activity, {"is_deleted": True}, ctx.now)
            activity.save()
            progress.activity_deleted(activity.id)
        ok(resp, {"deleted": True, "nextPendingStep": _pending(activity.deal_id)})


class ActivityCompleteResource:
    def __init__(self, services):
        self.clock = services.clock

    def on_post(self, req, resp, id):
        ctx = Context(req, self.clock)
        activity = ctx.visible(str(id))
        if activity.completed_at is None:
            with db.atomic():
                apply_changes(activity, {"completed_at": ctx.now}, ctx.now)
                activity.save()
                progress.activity_completed(activity.id)
        ok(
            resp,
            {
                "id": activity.id,
                "completedAt": iso(activity.completed_at),
                "status": "completed",
                "nextPendingStep": _pending(activity.deal_id),
            },
        )


class ActivityUncompleteResource:
    def __init__(self, services):
        self.clock = services.clock

    def on_post(self, req, resp, id):
        ctx = Context(req, self.clock)
        activity = ctx.visible(str(id))
        if activity.completed_at is not None:
            with db.atomic():
                apply_changes(activity, {"completed_at": None}, ctx.now)
                activity.save()
                progress.activity_uncompleted(activity.id)
        ok(
            resp,
            {
                "id": activity.id,
                "completedAt": None,
                "status": ctx.status(activity),
                "nextPendingStep": _pending(activity.deal_id),
            },
        )
