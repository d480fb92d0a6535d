"""Push devices: upsert on the token, moving it between users, revoke."""

import pytest

from models import Device
from tests.helpers import assert_error

REGISTER = "/api/v1/devices/register"
TOKEN = "ExponentPushToken[xxxxxxxxxxxxxxxxxxxxxx]"


def test_register_answers_the_device(client, login):
    body = {"expoPushToken": TOKEN, "platform": "ios", "deviceInfo": "iPhone 15 Pro — iOS 18.2"}
    data = client.post_json(REGISTER, body, headers=login("jane@acme.com")).json["data"]
    assert (data["expoPushToken"], data["platform"], data["deviceInfo"]) == (
        TOKEN,
        "ios",
        "iPhone 15 Pro — iOS 18.2",
    )
    assert data["createdAt"] == "2026-05-12T10:00:00.000Z"


def test_register_is_idempotent_and_refreshes_last_seen(client, login, clock):
    headers = login("jane@acme.com")
    first = client.post_json(
        REGISTER, {"expoPushToken": TOKEN, "platform": "ios"}, headers=headers
    ).json["data"]
    clock.advance(minutes=5)
    second = client.post_json(
        REGISTER, {"expoPushToken": TOKEN, "platform": "ios"}, headers=headers
    ).json["data"]
    assert second["id"] == first["id"] and second["createdAt"] == first["createdAt"]
    assert second["lastSeenAt"] > first["lastSeenAt"]
    assert Device.select().count() == 1


def test_device_info_defaults_to_user_agent(client, login):
    headers = dict(login("jane@acme.com"), **{"User-Agent": "UpstreamApp/2.1"})
    data = client.post_json(
        REGISTER, {"expoPushToken": TOKEN, "platform": "android"}, headers=headers
    ).json["data"]
    assert data["deviceInfo"] == "UpstreamApp/2.1"


def test_re_registration_by_another_user_moves_the_token(client, login):
    first = client.post_json(
        REGISTER, {"expoPushToken": TOKEN, "platform": "ios"}, headers=login("jane@acme.com")
    ).json["data"]
    second = client.post_json(
        REGISTER, {"expoPushToken": TOKEN, "platform": "ios"}, headers=login("hank@globex.com")
    ).json["data"]
    assert second["id"] == first["id"]
    assert Device.get_by_id(first["id"]).user.email == "hank@globex.com"


def test_revoke_touches_only_own_token(client, login):
    jane = login("jane@acme.com")
    client.post_json(REGISTER, {"expoPushToken": TOKEN, "platform": "ios"}, headers=jane)
    resp = client.delete_json(REGISTER, {"expoPushToken": TOKEN}, headers=login("sam@acme.com"))
    assert resp.json["data"] == {"revoked": True}
    assert Device.get(Device.expo_push_token == TOKEN).revoked_at is None
    client.delete_json(REGISTER, {"expoPushToken": TOKEN}, headers=jane)
    assert Device.get(Device.expo_push_token == TOKEN).revoked_at is not None
    assert client.delete_json(
        REGISTER, {"expoPushToken": "ExpoPushToken[never-seen]"}, headers=jane
    ).json["data"] == {"revoked": True}


def test_register_clears_revocation(client, login):
    jane = login("jane@acme.com")
    client.post_json(REGISTER, {"expoPushToken": TOKEN, "platform": "ios"}, headers=jane)
    client.delete_json(REGISTER, {"expoPushToken": TOKEN}, headers=jane)
    data = client.post_json(
        REGISTER, {"expoPushToken": TOKEN, "platform": "ios"}, headers=jane
    ).json["data"]
    assert data["revokedAt"] is None


@pytest.mark.parametrize(
    "token",
    [
        "PushToken[abcdefghij]",
        "ExponentPushToken[]",
        "ExponentPushToken[abc",
        "ExpoPushToken[a]b]x",
    ],
)
def test_malformed_token_is_invalid_push_token(client, login, token):
    resp = client.post_json(
        REGISTER,
        {"expoPushToken": token, "platform": "ios"},
        headers=login("jane@acme.com"),
        expect_errors=True,
    )
    assert_error(resp, 400, "INVALID_PUSH_TOKEN")


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"platform": "ios"}, "expoPushToken"),
        ({"expoPushToken": 12345678901, "platform": "ios"}, "expoPushToken"),
        ({"expoPushToken": "Expo[x]", "platform": "ios"}, "expoPushToken"),
        ({"expoPushToken": "E" * 256, "platform": "ios"}, "expoPushToken"),
        ({"expoPushToken": TOKEN}, "platform"),
        ({"expoPushToken": TOKEN, "platform": "windows"}, "platform"),
        ({"expoPushToken": TOKEN, "platform": "ios", "deviceInfo": "d" * 501}, "deviceInfo"),
    ],
)
def test_register_validation(client, login, body, path):
    resp = client.post_json(REGISTER, body, headers=login("jane@acme.com"), expect_errors=True)
    assert_error(resp, 400, "VALIDATION_ERROR", path=path)


def test_revoke_validation_and_auth(client, login):
    resp = client.delete_json(REGISTER, {}, headers=login("jane@acme.com"), expect_errors=True)
    assert_error(resp, 400, "VALIDATION_ERROR", path="expoPushToken")
    assert_error(
        client.delete_json(REGISTER, {"expoPushToken": TOKEN}, expect_errors=True),
        401,
        "UNAUTHORIZED",
    )
    assert_error(
        client.post_json(REGISTER, {"expoPushToken": TOKEN, "platform": "ios"}, expect_errors=True),
        401,
        "UNAUTHORIZED",
    )
