"""Members, companies, sources, partners, and switching organizations (additions to v1)."""

import pytest

from models import Company
from models import Contact
from models import Deal
from models import Organization
from tests.helpers import assert_error
from tests.helpers import row_id

PASSWORD = "correct horse battery staple"


def walk(client, headers, url, limit=100):
    items, cursor = [], None
    joiner = "&" if "?" in url else "?"
    while True:
        page = f"{url}{joiner}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        data = client.get(page, headers=headers).json["data"]
        items += data["items"]
        cursor = data["nextCursor"]
        if cursor is None:
            return items


# --- switching organizations ---------------------------------------------------------------


def test_jane_switches_to_acme_labs(client, login):
    tokens = login("jane@acme.com")
    labs = row_id(Organization, name="Acme Labs")
    body = {"organizationId": labs, "refreshToken": tokens.refresh}
    data = client.post_json("/api/v1/auth/switch-organization", body).json["data"]
    assert data["organization"]["name"] == "Acme Labs" and data["organization"]["role"] == "member"
    assert data["user"]["email"] == "jane@acme.com"
    headers = {"Authorization": f"Bearer {data['accessToken']}"}
    me = client.get("/api/v1/me", headers=headers).json["data"]
    assert me["organization"]["name"] == "Acme Labs"
    board = client.get("/api/v1/pipeline", headers=headers).json["data"]
    assert board["pipeline"]["name"] == "Labs Pipeline"
    # the new refresh token stays in Acme Labs
    again = client.post_json("/api/v1/auth/refresh", {"refreshToken": data["refreshToken"]}).json[
        "data"
    ]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {again['accessToken']}"}).json[
        "data"
    ]
    assert me["organization"]["name"] == "Acme Labs"


def test_replaying_the_switched_token_is_reuse(client, login):
    tokens = login("jane@acme.com")
    body = {
        "organizationId": row_id(Organization, name="Acme Labs"),
        "refreshToken": tokens.refresh,
    }
    data = client.post_json("/api/v1/auth/switch-organization", body).json["data"]
    replay = client.post_json(
        "/api/v1/auth/refresh", {"refreshToken": tokens.refresh}, expect_errors=True
    )
    assert_error(replay, 401, "UNAUTHORIZED")
    resp = client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {data['accessToken']}"}, expect_errors=True
    )
    assert_error(resp, 401, "UNAUTHORIZED")


def test_switch_to_a_foreign_organization_is_403_and_keeps_the_token(client, login):
    tokens = login("pat@northwind.io")
    body = {"organizationId": row_id(Organization, name="Globex"), "refreshToken": tokens.refresh}
    assert_error(
        client.post_json("/api/v1/auth/switch-organization", body, expect_errors=True),
        403,
        "FORBIDDEN",
    )
    # the refresh token was not consumed by the refused switch
    client.post_json("/api/v1/auth/refresh", {"refreshToken": tokens.refresh})


def test_switch_validation_and_bad_tokens(client, login):
    url = "/api/v1/auth/switch-organization"
    assert_error(
        client.post_json(url, {}, expect_errors=True),
        400,
        "VALIDATION_ERROR",
        path="organizationId",
    )
    body = {"organizationId": "x", "refreshToken": "y"}
    assert_error(
        client.post_json(url, body, expect_errors=True),
        400,
        "VALIDATION_ERROR",
        path="organizationId",
    )
    body = {"organizationId": row_id(Organization, name="Acme Labs"), "refreshToken": "garbage"}
    assert_error(client.post_json(url, body, expect_errors=True), 401, "UNAUTHORIZED")


def test_switch_shares_the_refresh_rate_limit(client):
    body = {"organizationId": "00000000-0000-4000-8000-000000000000", "refreshToken": "x"}
    for _ in range(30):
        client.post_json("/api/v1/auth/switch-organization", body, expect_errors=True)
    resp = client.post_json("/api/v1/auth/refresh", {"refreshToken": "x"}, expect_errors=True)
    assert_error(resp, 429, "RATE_LIMITED")


# --- members --------------------------------------------------------------------------------


def test_members_are_alphabetical_active_members(client, login):
    items = walk(client, login("jane@acme.com"), "/api/v1/members", limit=2)
    assert [i["name"] for i in items] == [
        "Jane Doe",
        "Kim Tran",
        "Lee Park",
        "Pat Quinn",
        "Sam Carter",
    ]
    assert items[0] == {
        "id": items[0]["id"],
        "name": "Jane Doe",
        "email": "jane@acme.com",
        "avatarUrl": None,
        "role": "admin",
    }


def test_members_search_and_partner_scoped_see_them_too(client, login):
    headers = login("pat@northwind.io")
    assert len(walk(client, headers, "/api/v1/members")) == 5
    assert [i["email"] for i in walk(client, headers, "/api/v1/members?search=SAM")] == [
        "sam@acme.com"
    ]
    assert [i["name"] for i in walk(client, headers, "/api/v1/members?search=northwind")] == [
        "Pat Quinn"
    ]
    hank = walk(client, login("hank@globex.com"), "/api/v1/members")
    assert [i["name"] for i in hank] == ["Hank Scorpio"]


def test_members_validation(client, login):
    headers = login("jane@acme.com")
    for query, path in [("limit=0", "limit"), ("cursor=x", "cursor"), ("search=", "search")]:
        assert_error(
            client.get(f"/api/v1/members?{query}", headers=headers, expect_errors=True),
            400,
            "VALIDATION_ERROR",
            path=path,
        )
    hank = login("hank@globex.com").data["user"]["id"]
    resp = client.get(f"/api/v1/members?cursor={hank}", headers=headers, expect_errors=True)
    assert_error(resp, 400, "VALIDATION_ERROR", path="cursor")


# --- companies ------------------------------------------------------------------------------


def test_companies_list_search_and_paging(client, login):
    headers = login("jane@acme.com")
    items = walk(client, headers, "/api/v1/companies", limit=4)
    acme = row_id(Organization, name="Acme Sales")
    assert len(items) == Company.select().where(Company.organization == acme).count()
    assert [i["name"].casefold() for i in items] == sorted(i["name"].casefold() for i in items)
    assert [i["name"] for i in walk(client, headers, "/api/v1/companies?search=techc")] == [
        "TechCorp"
    ]


def test_company_create_patch_delete(client, login):
    headers = login("sam@acme.com")
    created = client.post_json("/api/v1/companies", {"name": " Acme Widgets "}, headers=headers)
    assert created.status_int == 201
    company = created.json["data"]
    assert company["name"] == "Acme Widgets"
    url = f"/api/v1/companies/{company['id']}"
    assert client.get(url, headers=headers).json["data"] == company
    renamed = client.patch_json(url, {"name": "Acme Gadgets"}, headers=headers).json["data"]
    assert renamed["name"] == "Acme Gadgets"
    assert client.delete(url, headers=headers).json["data"] == {"deleted": True}
    assert_error(client.get(url, headers=headers, expect_errors=True), 404, "NOT_FOUND")


def test_duplicate_company_names_are_409_case_insensitive(client, login):
    headers = login("jane@acme.com")
    assert_error(
        client.post_json(
            "/api/v1/companies", {"name": "techcorp"}, headers=headers, expect_errors=True
        ),
        409,
        "CONFLICT",
    )
    other = client.post_json("/api/v1/companies", {"name": "Fresh Co"}, headers=headers).json[
        "data"
    ]
    resp = client.patch_json(
        f"/api/v1/companies/{other['id']}",
        {"name": "TECHCORP"},
        headers=headers,
        expect_errors=True,
    )
    assert_error(resp, 409, "CONFLICT")
    client.post_json("/api/v1/companies", {"name": "TechCorp"}, headers=login("hank@globex.com"))


def test_deleting_a_company_leaves_deals_and_contacts_without_it(client, login):
    headers = login("jane@acme.com")
    techcorp = row_id(Company, name="TechCorp")
    client.delete(f"/api/v1/companies/{techcorp}", headers=headers)
    deal = client.get(
        f"/api/v1/deals/{row_id(Deal, title='TechCorp upgrade')}", headers=headers
    ).json["data"]
    assert deal["company"] is None
    contact = client.get(
        f"/api/v1/contacts/{row_id(Contact, email='j@techcorp.com')}", headers=headers
    ).json["data"]
    assert contact["company"] is None
    assert (
        client.post_json("/api/v1/companies", {"name": "TechCorp"}, headers=headers).status_int
        == 201
    )


@pytest.mark.parametrize(
    "body", [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 256}, {"name": 5}]
)
def test_company_validation(client, login, body):
    resp = client.post_json(
        "/api/v1/companies", body, headers=login("jane@acme.com"), expect_errors=True
    )
    assert_error(resp, 400, "VALIDATION_ERROR", path="name")


def test_companies_of_another_tenant_are_404(client, login):
    headers = login("hank@globex.com")
    techcorp = row_id(Company, name="TechCorp")
    url = f"/api/v1/companies/{techcorp}"
    for method, args in [("get", ()), ("patch_json", ({"name": "Mine"},)), ("delete", ())]:
        assert_error(
            getattr(client, method)(url, *args, headers=headers, expect_errors=True),
            404,
            "NOT_FOUND",
        )
    assert "TechCorp" not in [i["name"] for i in walk(client, headers, "/api/v1/companies")]
    assert Company.get_by_id(techcorp).name == "TechCorp"


def test_partner_scoped_member_sees_only_companies_of_visible_contacts_and_deals(client, login):
    headers = login("pat@northwind.io")
    seen = {i["name"] for i in walk(client, headers, "/api/v1/companies")}
    visible_deals = {
        d["company"]["name"]
        for d in client.get("/api/v1/deals?limit=100", headers=headers).json["data"]["items"]
        if d["company"]
    }
    visible_contacts = {
        c["company"]["name"] for c in walk(client, headers, "/api/v1/contacts") if c["company"]
    }
    assert seen == visible_deals | visible_contacts
    assert len(seen) < len(walk(client, login("lee@acme.com"), "/api/v1/companies"))


# --- sources and partners -------------------------------------------------------------------


def test_sources_and_partners(client, login):
    headers = login("jane@acme.com")
    sources = client.get("/api/v1/sources", headers=headers).json["data"]
    assert [s["name"] for s in sources] == ["Inbound — website", "Referral"]
    partners = client.get("/api/v1/partners", headers=headers).json["data"]
    assert [p["name"] for p in partners] == ["Northwind Partners"]
    hank = login("hank@globex.com")
    assert client.get("/api/v1/sources", headers=hank).json["data"] == []
    assert [p["name"] for p in client.get("/api/v1/partners", headers=hank).json["data"]] == [
        "Cypress Creek"
    ]
