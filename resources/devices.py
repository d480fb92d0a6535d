"""Expo push devices: register (upsert on the token) and revoke."""

import re

from core import shapes
from core.errors import APIError
from models import Device
from models import db
from resources.common import ok
from resources.common import read_body

PUSH_TOKEN = re.compile(r"^(ExponentPushToken|ExpoPushToken)\[[^\]]+\]$")


class DeviceRegisterResource:
    def __init__(self, services):
        self.clock = services.clock

    def on_post(self, req, resp):
        body = read_body(req, "device_register")
        token = body["expoPushToken"]
        if not PUSH_TOKEN.match(token):
            raise APIError(
                400,
                "INVALID_PUSH_TOKEN",
                "Not an Expo push token: expected ExponentPushToken[…] or ExpoPushToken[…]",
                details=[{"path": "expoPushToken", "message": "Invalid Expo push token"}],
            )
        now = self.clock()
        info = body.get("deviceInfo") or (req.user_agent or "")[:500] or None
        values = {
            "user": req.context.user.id,
            "organization": req.context.org.id,
            "platform": body["platform"],
            "device_info": info,
            "last_seen_at": now,
            "revoked_at": None,
        }
        with db.atomic():
            device = Device.get_or_none(Device.expo_push_token == token)
            if device is None:
                device = Device.create(expo_push_token=token, created_at=now, **values)
            else:
                Device.update(**values).where(Device.id == device.id).execute()
                device = Device.get_by_id(device.id)
        ok(resp, shapes.device(device))

    def on_delete(self, req, resp):
        body = read_body(req, "device_revoke")
        Device.update(revoked_at=self.clock()).where(
            (Device.expo_push_token == body["expoPushToken"])
            & (Device.user == req.context.user.id)
            & Device.revoked_at.is_null()
        ).execute()
        ok(resp, {"revoked": True})
