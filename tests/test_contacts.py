"""Contacts: directory order, search, filters, duplicates, visibility and soft delete."""

import threading

import pytest

from models import Company
from models import Contact
from models import Deal
from models import Organization
from models import User
from tests.helpers import QueryCounter
from tests.helpers import assert_error
from tests.helpers import row_id

CONTACTS = "/api/v1/contacts"


def walk(client, headers, query="", limit=100):
    items, cursor = [], None
    while True:
        url = f"{CONTACTS}?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else "")
        data = client.get(url, headers=headers).json["data"]
        items += data["items"]
        cursor = data["nextCursor"]
        if cursor is None:
            return items


def names(items):
    return [f"{i['firstName']} {i['lastName']}".strip() for i in items]


def test_alphabetical_paging_returns_each_contact_once(client, login):
    headers = login("jane@acme.com")
    items = walk(client, headers, limit=3)
    ids = [i["id"] for i in items]
    acme = row_id(Organization, name="Acme Sales")
    assert len(ids) == len(set(ids)) == Contact.select().where(Contact.organization == acme).count()
    keys = [(i["lastName"].casefold(), i["firstName"].casefold(), i["id"]) for i in items]
    assert keys == sorted(keys)


def test_order_is_case_insensitive(client, login):
    headers = login("jane@acme.com")
    for first, last in [("amy", "aaron"), ("Bob", "AARON"), ("carl", "Zzz")]:
        client.post_json(CONTACTS, {"firstName": first, "lastName": last}, headers=headers)
    found = names(walk(client, headers))
    assert found[:2] == ["amy aaron", "Bob AARON"]
    assert found[-1] == "carl Zzz"


def test_search_every_word_must_match(client, login):
    headers = login("jane@acme.com")
    assert names(walk(client, headers, "&search=john%20reed")) == ["John Reed"]
    assert names(walk(client, headers, "&search=REED%20john")) == ["John Reed"]
    assert names(walk(client, headers, "&search=j%40techcorp")) == ["John Reed"]
    assert names(walk(client, headers, "&search=555%200000")) == ["John Reed"]
    assert walk(client, headers, "&search=john%20nobody") == []


def test_search_percent_and_underscore_are_literal(client, login):
    headers = login("jane@acme.com")
    assert walk(client, headers, "&search=%25") == []
    assert walk(client, headers, "&search=_") == []
    client.post_json(CONTACTS, {"firstName": "Fifty%", "lastName": "Off_Sale"}, headers=headers)
    assert names(walk(client, headers, "&search=%25")) == ["Fifty% Off_Sale"]
    assert names(walk(client, headers, "&search=f_s")) == ["Fifty% Off_Sale"]


def test_search_folds_non_ascii_case(client, login):
    headers = login("jane@acme.com")
    client.post_json(CONTACTS, {"firstName": "Élodie", "lastName": "Ångström"}, headers=headers)
    assert names(walk(client, headers, "&search=élodie%20ÅNGSTRÖM")) == ["Élodie Ångström"]


def test_filters_by_company_and_owner(client, login):
    headers = login("jane@acme.com")
    techcorp = row_id(Company, name="TechCorp")
    lee = row_id(User, email="lee@acme.com")
    by_company = walk(client, headers, f"&companyId={techcorp}")
    assert by_company and all(i["company"]["name"] == "TechCorp" for i in by_company)
    by_owner = walk(client, headers, f"&ownerId={lee}")
    assert by_owner and all(Contact.get_by_id(i["id"]).owner_id == lee for i in by_owner)


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("limit=0", "limit"),
        ("limit=x", "limit"),
        ("cursor=abc", "cursor"),
        ("companyId=1", "companyId"),
        ("ownerId=x", "ownerId"),
        ("search=", "search"),
    ],
)
def test_list_validation(client, login, query, path):
    resp = client.get(f"{CONTACTS}?{query}", headers=login("jane@acme.com"), expect_errors=True)
    assert_error(resp, 400, "VALIDATION_ERROR", path=path)


def test_create_answers_the_detail_shape(client, login):
    headers = login("sam@acme.com")
    techcorp = row_id(Company, name="TechCorp")
    body = {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "email": "ada@example.com",
        "phone": "+44 20 7946 0000",
        "jobTitle": "Analyst",
        "companyId": techcorp,
        "address": "1 Main St",
        "city": "London",
        "state": None,
        "country": "UK",
        "postalCode": "N1",
        "notes": "Met at a conference",
    }
    resp = client.post_json(CONTACTS, body, headers=headers)
    assert resp.status_int == 201
    data = resp.json["data"]
    assert data == client.get(f"{CONTACTS}/{data['id']}", headers=headers).json["data"]
    assert data["company"] == {"id": techcorp, "name": "TechCorp"}
    assert data["owner"]["name"] == "Sam Carter"
    assert (data["city"], data["postalCode"], data["notes"]) == (
        "London",
        "N1",
        "Met at a conference",
    )


def test_only_first_name_is_required(client, login):
    headers = login("jane@acme.com")
    data = client.post_json(CONTACTS, {"firstName": "Solo"}, headers=headers).json["data"]
    assert (data["lastName"], data["email"], data["company"]) == ("", None, None)


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({}, "firstName"),
        ({"firstName": ""}, "firstName"),
        ({"firstName": "x" * 101}, "firstName"),
        ({"firstName": "A", "email": "not-an-email"}, "email"),
        ({"firstName": "A", "email": "a@b"}, "email"),
        ({"firstName": "A", "phone": "1" * 51}, "phone"),
        ({"firstName": "A", "postalCode": "1" * 21}, "postalCode"),
        ({"firstName": "A", "companyId": "x"}, "companyId"),
        ({"firstName": ["A"]}, "firstName"),
    ],
)
def test_create_validation(client, login, body, path):
    resp = client.post_json(CONTACTS, body, headers=login("jane@acme.com"), expect_errors=True)
    assert_error(resp, 400, "VALIDATION_ERROR", path=path)


def test_duplicate_email_is_409_on_create_and_patch_any_case(client, login):
    headers = login("jane@acme.com")
    resp = client.post_json(
        CONTACTS,
        {"firstName": "Dup", "email": "J@TECHCORP.COM"},
        headers=headers,
        expect_errors=True,
    )
    assert_error(resp, 409, "CONFLICT")
    other = client.post_json(
        CONTACTS, {"firstName": "Other", "email": "other@x.io"}, headers=headers
    ).json["data"]
    resp = client.patch_json(
        f"{CONTACTS}/{other['id']}",
        {"email": "j@TechCorp.com"},
        headers=headers,
        expect_errors=True,
    )
    assert_error(resp, 409, "CONFLICT")
    assert Contact.get_by_id(other["id"]).email == "other@x.io"


def test_duplicate_email_is_allowed_after_delete_and_across_tenants(client, login):
    headers = login("jane@acme.com")
    john = row_id(Contact, email="j@techcorp.com")
    client.delete(f"{CONTACTS}/{john}", headers=headers)
    client.post_json(
        CONTACTS, {"firstName": "New John", "email": "j@techcorp.com"}, headers=headers
    )
    client.post_json(
        CONTACTS,
        {"firstName": "Globex John", "email": "j@techcorp.com"},
        headers=login("hank@globex.com"),
    )


def test_concurrent_duplicate_creates_one_wins(client, login):
    headers = login("jane@acme.com")
    barrier = threading.Barrier(2)
    statuses = []

    def create(name):
        barrier.wait()
        resp = client.post_json(
            CONTACTS, {"firstName": name, "email": "race@x.io"}, headers=headers, expect_errors=True
        )
        statuses.append(resp.status_int)

    threads = [threading.Thread(target=create, args=(n,)) for n in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 409]
    assert Contact.select().where(Contact.email == "race@x.io").count() == 1


def test_patch_updates_and_null_clears(client, login, clock):
    headers = login("jane@acme.com")
    john = row_id(Contact, email="j@techcorp.com")
    before = client.get(f"{CONTACTS}/{john}", headers=headers).json["data"]
    clock.advance(seconds=3)
    data = client.patch_json(
        f"{CONTACTS}/{john}",
        {"jobTitle": "CTO", "phone": "+1 415 555 0144", "companyId": None},
        headers=headers,
    ).json["data"]
    assert (data["jobTitle"], data["phone"], data["company"]) == ("CTO", "+1 415 555 0144", None)
    assert data["updatedAt"] > before["updatedAt"]
    resp = client.patch_json(
        f"{CONTACTS}/{john}", {"firstName": ""}, headers=headers, expect_errors=True
    )
    assert_error(resp, 400, "VALIDATION_ERROR", path="firstName")


def test_soft_deleted_contact_disappears_and_shows_null_on_deals(client, login):
    headers = login("jane@acme.com")
    john = row_id(Contact, email="j@techcorp.com")
    assert client.delete(f"{CONTACTS}/{john}", headers=headers).json["data"] == {"deleted": True}
    assert_error(
        client.get(f"{CONTACTS}/{john}", headers=headers, expect_errors=True), 404, "NOT_FOUND"
    )
    assert "John Reed" not in names(walk(client, headers))
    deal = row_id(Deal, title="TechCorp upgrade")
    assert client.get(f"/api/v1/deals/{deal}", headers=headers).json["data"]["contact"] is None
    items = client.get(f"/api/v1/activities?dealId={deal}", headers=headers).json["data"]["items"]
    assert items and all(item["contact"] is None for item in items)
    assert Contact.get_by_id(john).is_deleted is True


def test_partner_scoped_member_sees_own_contacts_and_those_of_visible_deals(client, login):
    headers = login("pat@northwind.io")
    pat = row_id(User, email="pat@northwind.io")
    seen = {i["id"] for i in walk(client, headers)}
    from core import visibility
    from core.visibility import Viewer

    acme = row_id(Organization, name="Acme Sales")
    viewer = Viewer(pat, acme, False, False, row_id_partner())
    visible_deals = Deal.select().where(visibility.deals(viewer))
    expected = {d.contact_id for d in visible_deals if d.contact_id} | {
        c.id for c in Contact.select().where(Contact.owner == pat)
    }
    assert seen == expected
    john = row_id(Contact, email="j@techcorp.com")
    assert john not in seen
    assert_error(
        client.get(f"{CONTACTS}/{john}", headers=headers, expect_errors=True), 404, "NOT_FOUND"
    )
    assert len(walk(client, login("lee@acme.com"))) > len(seen)


def row_id_partner():
    from models import Partner

    return row_id(Partner, name="Northwind Partners")


def test_other_tenant_gets_404_on_every_verb(client, login):
    headers = login("hank@globex.com")
    john = row_id(Contact, email="j@techcorp.com")
    assert john not in {i["id"] for i in walk(client, headers)}
    for method, args in [("get", ()), ("patch_json", ({"firstName": "X"},)), ("delete", ())]:
        resp = getattr(client, method)(
            f"{CONTACTS}/{john}", *args, headers=headers, expect_errors=True
        )
        assert_error(resp, 404, "NOT_FOUND")
    assert Contact.get_by_id(john).first_name == "John"
    resp = client.post_json(
        CONTACTS,
        {"firstName": "X", "companyId": row_id(Company, name="TechCorp")},
        headers=headers,
        expect_errors=True,
    )
    assert_error(resp, 404, "NOT_FOUND", path="companyId")


def test_query_count_is_fixed(client, login):
    headers = login("jane@acme.com")

    def count():
        with QueryCounter() as counter:
            client.get(f"{CONTACTS}?limit=100", headers=headers)
        return counter.count

    small = count()
    for n in range(150):
        client.post_json(CONTACTS, {"firstName": f"Bulk{n}", "lastName": "Person"}, headers=headers)
    assert count() == small <= 4
