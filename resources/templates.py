"""Activity templates, and a deal's template progress."""

from core import conditional
from core import progress
from core import refs
from core import shapes
from core import templates
from core.errors import invalid
from core.errors import not_found
from core.timeutil import parse_datetime
from models import ActivityTemplate
from models import Contact
from resources.activities import Context
from resources.common import ok
from resources.common import read_body
from resources.common import read_query
from resources.common import viewer
from resources.deals import visible_deal


def template_shape(template):
    """A template with its steps."""
    return shapes.template(template, templates.steps_of([template.id])[template.id])


def own_template(req, template_id):
    """A template of the caller's organization (archived ones included)."""
    template = ActivityTemplate.get_or_none(
        (ActivityTemplate.organization == req.context.org.id) & (ActivityTemplate.id == template_id)
    )
    if template is None:
        raise not_found("Template not found")
    return template


class TemplateCollectionResource:
    def __init__(self, services):
        self.clock = services.clock

    def on_get(self, req, resp):
        params = read_query(req, "templates_query")
        query = ActivityTemplate.select().where(ActivityTemplate.organization == req.context.org.id)
        if not params.get("includeArchived", False):
            query = query.where(ActivityTemplate.archived_at.is_null())
        rows = list(query.order_by(ActivityTemplate.created_at, ActivityTemplate.id))
        steps = templates.steps_of([row.id for row in rows])
        ok(resp, [shapes.template(row, steps[row.id]) for row in rows])

    def on_post(self, req, resp):
        body = read_body(req, "template_create")
        template = templates.create(req.context.org.id, req.context.user.id, body, self.clock())
        ok(resp, template_shape(template), status=201)


class TemplateResource:
    def __init__(self, services):
        self.clock = services.clock

    def on_get(self, req, resp, id):
        conditional.send(req, resp, template_shape(own_template(req, str(id))))

    def on_patch(self, req, resp, id):
        template = own_template(req, str(id))
        body = read_body(req, "template_patch")
        with conditional.if_match(req, lambda: template_shape(template)):
            templates.update(template, body, self.clock())
        ok(resp, template_shape(template))

    def on_delete(self, req, resp, id):
        template = own_template(req, str(id))
        with conditional.if_match(req, lambda: template_shape(template)):
            templates.archive(template, self.clock())
        ok(resp, {"deleted": True})


def progress_shape(deal):
    """`{template, steps, nextPendingStep}` of a deal."""
    steps = progress.steps(deal.id)
    template = None
    if deal.template_id is not None:
        row = ActivityTemplate.get_or_none(ActivityTemplate.id == deal.template_id)
        template = shapes.named(row)
    pending = next((step for step in steps if step.status == progress.PENDING), None)
    return {
        "template": template,
        "steps": [shapes.progress_step(step) for step in steps],
        "nextPendingStep": shapes.pending_step(pending),
    }


class DealTemplateResource:
    def __init__(self, services):
        self.clock = services.clock

    def on_get(self, req, resp, id):
        conditional.send(req, resp, progress_shape(visible_deal(req, id)))

    def on_put(self, req, resp, id):
        deal = visible_deal(req, id)
        body = read_body(req, "deal_template")
        template = None
        if body["templateId"] is not None:
            template = refs.template(viewer(req), body["templateId"], usable=True)
        progress.apply(deal, template, self.clock())
        data = progress_shape(deal)
        ok(resp, {"templateId": deal.template_id, **data})


class DealScheduleNextResource:
    def __init__(self, services):
        self.clock = services.clock

    def on_post(self, req, resp, id):
        deal = visible_deal(req, id)
        body = read_body(req, "schedule_next")
        ctx = Context(req, self.clock)
        contact = None
        if deal.contact_id is not None:
            live = Contact.get_or_none(
                (Contact.id == deal.contact_id) & (Contact.is_deleted == False)
            )
            contact = live.id if live is not None else None
        activity, _ = progress.schedule_next(
            deal,
            ctx.viewer.user_id,
            parse_datetime(body["dueDate"]),
            body.get("notes"),
            ctx.now,
            contact,
        )
        if activity is None:
            raise invalid("", "No pending template step to schedule on this deal")
        ok(
            resp,
            {
                "activity": ctx.detail(activity.id),
                "nextPendingStep": shapes.pending_step(progress.next_pending(deal.id)),
            },
            status=201,
        )
