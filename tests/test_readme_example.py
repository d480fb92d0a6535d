"""Testing an integration against Upstream in-process: the README's example."""


def test_deal_flow_and_token_expiry(upstream_client, login, clock):
    jane = login("jane@acme.com")

    # Create a deal in the first stage of jane's default pipeline.
    board = upstream_client.get("/api/v1/pipeline", headers=jane).json["data"]
    qualified, demo = board["stages"][0]["id"], board["stages"][1]["id"]
    body = {"title": "Integration test deal", "stageId": qualified, "value": 5000}
    created = upstream_client.post_json("/api/v1/deals", body, headers=jane)
    assert created.status_int == 201
    deal_id = created.json["data"]["id"]

    # Move it to the next stage.
    url = f"/api/v1/deals/{deal_id}/stage"
    moved = upstream_client.patch_json(url, {"stageId": demo}, headers=jane)
    assert moved.json["data"]["stageName"] == "Demo"

    # Access tokens live 15 minutes: 16 minutes later this one is refused...
    clock.advance(minutes=16)
    expired = upstream_client.get("/api/v1/me", headers=jane, expect_errors=True)
    assert expired.status_int == 401
    assert expired.json["code"] == "UNAUTHORIZED"

    # ...and the refresh token gets a new pair that works.
    body = {"refreshToken": jane.refresh}
    pair = upstream_client.post_json("/api/v1/auth/refresh", body).json["data"]
    fresh = {"Authorization": f"Bearer {pair['accessToken']}"}
    me = upstream_client.get("/api/v1/me", headers=fresh).json["data"]
    assert me["user"]["email"] == "jane@acme.com"
    deal = upstream_client.get(f"/api/v1/deals/{deal_id}", headers=fresh).json["data"]
    assert deal["stageName"] == "Demo"
