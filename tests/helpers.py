"""Assertions and small helpers shared by the tests."""


class AuthHeaders(dict):
    """`{"Authorization": "Bearer …"}` that also carries the login response."""

    def __init__(self, data):
        super().__init__(Authorization=f"Bearer {data['accessToken']}")
        self.data = data
        self.access = data["accessToken"]
        self.refresh = data["refreshToken"]


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


class QueryCounter:
    """Counts the SQL statements (not BEGIN/COMMIT/PRAGMA) the app runs while active."""

    KINDS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")

    def __init__(self):
        self.statements = []

    def __call__(self, sql):
        if sql.lstrip().upper().startswith(self.KINDS):
            self.statements.append(sql)

    def __enter__(self):
        from models import db

        if not db.is_closed():
            db.close()  # the next connection gets the trace hook
        db.trace = self
        return self

    def __exit__(self, *exc):
        from models import db

        db.trace = None
        if not db.is_closed():
            db.close()

    @property
    def count(self):
        return len(self.statements)
