"""Contacts: the organization's directory."""

from peewee import JOIN
from peewee import IntegrityError

from core import conditional
from core import refs
from core import search
from core import shapes
from core import visibility
from core.errors import conflict
from core.errors import not_found
from core.pagination import Order
from core.pagination import page
from models import Company
from models import Contact
from models import User
from models import apply_changes
from models import db
from resources.common import ok
from resources.common import read_body
from resources.common import read_query
from resources.common import viewer

ORDER = Order(Contact.sort_last, Contact.sort_first, Contact.id)
SEARCH_FIELDS = (Contact.sort_first, Contact.sort_last, Contact.email_key, Contact.phone)
FIELDS = {
    "firstName": "first_name",
    "lastName": "last_name",
    "email": "email",
    "phone": "phone",
    "jobTitle": "job_title",
    "address": "address",
    "city": "city",
    "state": "state",
    "country": "country",
    "postalCode": "postal_code",
    "notes": "notes",
}


def select():
    """Contacts joined with their (live) company and owner."""
    return (
        Contact.select(Contact, Company, User)
        .join(
            Company,
            JOIN.LEFT_OUTER,
            on=(Contact.company == Company.id) & (Company.is_deleted == False),
            attr="company_row",
        )
        .switch(Contact)
        .join(User, JOIN.LEFT_OUTER, on=(Contact.owner == User.id), attr="owner_row")
    )


def detail(req, contact_id):
    """The detail shape of a contact the caller may see."""
    row = select().where(visibility.contacts(viewer(req)) & (Contact.id == contact_id)).first()
    if row is None:
        raise not_found("Contact not found")
    return shapes.contact_detail(row)


def visible_contact(req, contact_id):
    """The bare contact row, if the caller may see it."""
    row = Contact.get_or_none(visibility.contacts(viewer(req)) & (Contact.id == contact_id))
    if row is None:
        raise not_found("Contact not found")
    return row


def _values(who, body):
    values = {FIELDS[key]: body[key] for key in FIELDS if key in body}
    if "last_name" in values:
        values["last_name"] = values["last_name"] or ""
    if "first_name" in values:
        values["sort_first"] = search.fold(values["first_name"])
    if "last_name" in values:
        values["sort_last"] = search.fold(values["last_name"])
    if "email" in values:
        values["email_key"] = search.fold(values["email"]) if values["email"] else None
    if "companyId" in body:
        values["company"] = (
            None if body["companyId"] is None else refs.company(who, body["companyId"]).id
        )
    return values


def _duplicate():
    return conflict(
        "A contact with this email already exists",
        details=[{"path": "email", "message": "Already used by another contact"}],
    )


class ContactCollectionResource:
    def __init__(self, services):
        self.clock = services.clock

    def on_get(self, req, resp):
        params = read_query(req, "contacts_query")
        visible = visibility.contacts(viewer(req))
        query = select().where(visible)
        if "companyId" in params:
            query = query.where(Contact.company == params["companyId"])
        if "ownerId" in params:
            query = query.where(Contact.owner == params["ownerId"])
        if "search" in params:
            condition = search.matches(params["search"], SEARCH_FIELDS)
            if condition is not None:
                query = query.where(condition)
        rows, cursor = page(query, ORDER, Contact.id, params, visible)
        ok(resp, {"items": [shapes.contact_item(row) for row in rows], "nextCursor": cursor})

    def on_post(self, req, resp):
        who = viewer(req)
        values = _values(who, read_body(req, "contact_create"))
        values.setdefault("last_name", "")
        values.setdefault("sort_last", "")
        now = self.clock()
        try:
            with db.atomic():
                contact = Contact.create(
                    organization=who.org_id,
                    owner=who.user_id,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
        except IntegrityError:
            raise _duplicate() from None
        ok(resp, detail(req, contact.id), status=201)


class ContactResource:
    def __init__(self, services):
        self.clock = services.clock

    def on_get(self, req, resp, id):
        conditional.send(req, resp, detail(req, str(id)))

    def on_patch(self, req, resp, id):
        contact = visible_contact(req, str(id))
        values = _values(viewer(req), read_body(req, "contact_patch"))
        try:
            with conditional.if_match(req, lambda: detail(req, contact.id)):
                if apply_changes(contact, values, self.clock()):
                    contact.save()
        except IntegrityError:
            raise _duplicate() from None
        ok(resp, detail(req, contact.id))

    def on_delete(self, req, resp, id):
        contact = visible_contact(req, str(id))
        with conditional.if_match(req, lambda: detail(req, contact.id)):
            apply_changes(contact, {"is_deleted": True}, self.clock())
            contact.save()
        ok(resp, {"deleted": True})
