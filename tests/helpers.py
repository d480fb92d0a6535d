"""Assertions and small helpers shared by the tests."""

from models import QueryLog


def assert_error(resp, status, code, path=None):
    """The response is the error envelope with this status and code (and detail path)."""
    assert resp.status_int == status, resp.text
    assert resp.content_type == "application/json"
    body = resp.json
    assert body["success"] is False
    assert body["code"] == code
    assert isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in resp.text
    if path is not None:
        paths = [d["path"] for d in body["details"]]
        assert path in paths, paths
    return body


def row_id(model, **where):
    """The id of the one row of `model` matching the keyword filters."""
    query = model.select(model.id)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    rows = list(query)
    assert len(rows) == 1, (model, where, len(rows))
    return rows[0].id


# The query counter lives with the database handle; tests use it under this name.
QueryCounter = QueryLog
