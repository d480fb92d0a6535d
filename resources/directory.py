"""What the app's forms pick from: members, companies, lead sources and partners."""

from peewee import IntegrityError
from peewee import fn

from core import conditional
from core import search
from core import shapes
from core import visibility
from core.errors import conflict
from core.errors import not_found
from core.pagination import Order
from core.pagination import page
from models import Company
from models import LeadSource
from models import Membership
from models import Partner
from models import User
from models import apply_changes
from models import db
from resources.common import ok
from resources.common import read_body
from resources.common import read_query
from resources.common import viewer

MEMBER_ORDER = Order(fn.LOWER(User.full_name), User.id)
COMPANY_ORDER = Order(Company.name_key, Company.id)


def _members_of(org_id):
    """Condition on User: active members of the organization."""
    ids = Membership.select(Membership.user).where(Membership.organization == org_id)
    return User.id.in_(ids) & (User.is_active == True)


class MemberCollectionResource:
    def on_get(self, req, resp):
        params = read_query(req, "members_query")
        visible = _members_of(req.context.org.id)
        query = (
            User.select(User, Membership.role)
            .join(Membership, on=(Membership.user == User.id))
            .where(visible & (Membership.organization == req.context.org.id))
        )
        if "search" in params:
            condition = search.matches(params["search"], (fn.LOWER(User.full_name), User.email))
            if condition is not None:
                query = query.where(condition)
        rows, cursor = page(query.objects(), MEMBER_ORDER, User.id, params, visible)
        ok(resp, {"items": [shapes.member(r, r.role) for r in rows], "nextCursor": cursor})


def _duplicate():
    return conflict(
        "A company with this name already exists",
        details=[{"path": "name", "message": "Already used by another company"}],
    )


def visible_company(req, company_id):
    """A company the caller may see, or 404."""
    row = Company.get_or_none(visibility.companies(viewer(req)) & (Company.id == company_id))
    if row is None:
        raise not_found("Company not found")
    return row


class CompanyCollectionResource:
    def __init__(self, services):
        self.clock = services.clock

    def on_get(self, req, resp):
        params = read_query(req, "companies_query")
        visible = visibility.companies(viewer(req))
        query = Company.select().where(visible)
        if "search" in params:
            condition = search.matches(params["search"], (Company.name_key,))
            if condition is not None:
                query = query.where(condition)
        rows, cursor = page(query, COMPANY_ORDER, Company.id, params, visible)
        ok(resp, {"items": [shapes.company(r) for r in rows], "nextCursor": cursor})

    def on_post(self, req, resp):
        name = read_body(req, "company_create")["name"].strip()
        now = self.clock()
        try:
            with db.atomic():
                row = Company.create(
                    organization=req.context.org.id,
                    name=name,
                    name_key=search.fold(name),
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            raise _duplicate() from None
        ok(resp, shapes.company(row), status=201)


class CompanyResource:
    def __init__(self, services):
        self.clock = services.clock

    def on_get(self, req, resp, id):
        conditional.send(req, resp, shapes.company(visible_company(req, str(id))))

    def on_patch(self, req, resp, id):
        row = visible_company(req, str(id))
        body = read_body(req, "company_patch")
        values = {}
        if "name" in body:
            values = {"name": body["name"].strip(), "name_key": search.fold(body["name"].strip())}
        try:
            with conditional.if_match(req, lambda: shapes.company(row)):
                if apply_changes(row, values, self.clock()):
                    row.save()
        except IntegrityError:
            raise _duplicate() from None
        ok(resp, shapes.company(row))

    def on_delete(self, req, resp, id):
        row = visible_company(req, str(id))
        with conditional.if_match(req, lambda: shapes.company(row)):
            apply_changes(row, {"is_deleted": True}, self.clock())
            row.save()
        ok(resp, {"deleted": True})


class SourceCollectionResource:
    def on_get(self, req, resp):
        rows = LeadSource.select().where(LeadSource.organization == req.context.org.id)
        ok(resp, [shapes.named(r) for r in rows.order_by(fn.LOWER(LeadSource.name), LeadSource.id)])


class PartnerCollectionResource:
    def on_get(self, req, resp):
        rows = Partner.select().where(Partner.organization == req.context.org.id)
        ok(resp, [shapes.named(r) for r in rows.order_by(fn.LOWER(Partner.name), Partner.id)])
