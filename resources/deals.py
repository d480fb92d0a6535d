"""Deals: list, create, detail, patch, soft delete, stage moves and status changes."""

from core import activity_status
from core import conditional
from core import deals
from core import search
from core import shapes
from core import visibility
from core.errors import not_found
from core.pagination import Order
from core.pagination import page
from models import Deal
from resources.common import ok
from resources.common import read_body
from resources.common import read_query
from resources.common import viewer

ORDER = Order(Deal.updated_at, Deal.id, descending=True)
FILTERS = {"pipelineId": Deal.pipeline, "stageId": Deal.stage, "ownerId": Deal.owner}


def today(req, clock):
    """Today in the caller's organization."""
    return activity_status.Today(clock(), req.context.org.timezone)


def visible_deal(req, deal_id):
    """The bare deal row, if the caller may see it; 404 otherwise."""
    deal = Deal.get_or_none(visibility.deals(viewer(req)) & (Deal.id == str(deal_id)))
    if deal is None:
        raise not_found("Deal not found")
    return deal


def deal_detail(req, clock, deal_id, fresh=False):
    """The detail shape of a visible deal (`fresh`: just created, so no activities yet)."""
    query = deals.select(detail=True).where(
        visibility.deals(viewer(req)) & (Deal.id == str(deal_id))
    )
    deal = query.first()
    if deal is None:
        raise not_found("Deal not found")
    now = today(req, clock)
    summary = None if fresh else activity_status.summaries([deal.id], now).get(deal.id)
    return shapes.deal_detail(deal, activity_status.card_fields(summary, now))


def guarded(req, clock, deal_id):
    """A write to a deal, refused with 412 when `If-Match` names a stale detail."""
    return conditional.if_match(req, lambda: deal_detail(req, clock, deal_id))


class DealCollectionResource:
    def __init__(self, services):
        self.clock = services.clock

    def on_get(self, req, resp):
        params = read_query(req, "deals_query")
        visible = visibility.deals(viewer(req))
        query = deals.select().where(visible)
        for key, column in FILTERS.items():
            if key in params:
                query = query.where(column == params[key])
        if "status" in params:
            query = query.where(Deal.status == params["status"])
        if "search" in params:
            condition = search.matches(params["search"], deals.SEARCH_FIELDS)
            if condition is not None:
                query = query.where(condition)
        rows, cursor = page(query, ORDER, Deal.id, params, visible)
        ok(resp, {"items": [shapes.deal_item(row) for row in rows], "nextCursor": cursor})

    def on_post(self, req, resp):
        body = read_body(req, "deal_create")
        deal_id = deals.create(viewer(req), req.context.org, body, self.clock())
        ok(resp, deal_detail(req, self.clock, deal_id, fresh=True), status=201)


class DealResource:
    def __init__(self, services):
        self.clock = services.clock

    def on_get(self, req, resp, id):
        conditional.send(req, resp, deal_detail(req, self.clock, id))

    def on_patch(self, req, resp, id):
        deal = visible_deal(req, id)
        body = read_body(req, "deal_patch")
        with guarded(req, self.clock, id):
            deals.patch(viewer(req), deal, body, self.clock())
        ok(resp, deal_detail(req, self.clock, id))

    def on_delete(self, req, resp, id):
        deal = visible_deal(req, id)
        with guarded(req, self.clock, id):
            deals.soft_delete(deal, self.clock())
        ok(resp, {"deleted": True})


class DealStageResource:
    def __init__(self, services):
        self.clock = services.clock

    def on_patch(self, req, resp, id):
        deal = visible_deal(req, id)
        body = read_body(req, "deal_stage")
        with guarded(req, self.clock, id):
            deals.move(viewer(req), deal, body["stageId"], self.clock())
        ok(resp, deal_detail(req, self.clock, id))


class DealStatusResource:
    def __init__(self, services):
        self.clock = services.clock

    def on_patch(self, req, resp, id):
        deal = visible_deal(req, id)
        body = read_body(req, "deal_status")
        with guarded(req, self.clock, id):
            deals.set_status(viewer(req), deal, body, self.clock())
        ok(resp, deal_detail(req, self.clock, id))
