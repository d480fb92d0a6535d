"""The hot queries use indexes: EXPLAIN QUERY PLAN shows no full scan of deals or activities."""

import re

import pytest

from models import Deal
from models import QueryLog
from models import db
from tests.helpers import row_id

HOT = [
    "/api/v1/deals?limit=25",
    "/api/v1/deals?limit=25&search=techcorp",
    "/api/v1/deals?limit=25&status=open",
    "/api/v1/pipeline",
    "/api/v1/activities?limit=25&status=overdue",
    "/api/v1/activities?limit=25&status=open",
    "/api/v1/contacts?limit=25&search=reed",
]
BIG_TABLES = {"deal", "activity", "contact"}


def _plans(statements):
    """(statement, plan line) for every plan step of every statement."""
    with db.connection_context():
        for sql in statements:
            for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql):
                yield sql, row[3]


def _full_scans(sql, line):
    """Plan lines that scan a whole big table (an alias is mapped back to its table)."""
    match = re.match(r"SCAN (\w+)", line)
    if not match or "USING" in line:
        return False
    alias = match.group(1)
    table = re.search(rf'FROM "(\w+)" AS "{alias}"|JOIN "(\w+)" AS "{alias}"', sql)
    name = (table.group(1) or table.group(2)) if table else alias
    return name in BIG_TABLES


@pytest.mark.parametrize("path", HOT + ["DEAL"])
def test_hot_reads_never_scan_a_whole_table(client, login, path):
    headers = login("sam@acme.com")
    if path == "DEAL":
        path = f"/api/v1/deals/{row_id(Deal, title='East region expansion')}"
    with QueryLog() as log:
        client.get(path, headers=headers)
    scans = [line for sql, line in _plans(log.statements) if _full_scans(sql, line)]
    assert not scans, scans


def test_the_detector_sees_a_full_scan(app):
    sql = 'SELECT "t1"."id" FROM "deal" AS "t1" WHERE ("t1"."title" = \'x\')'
    assert [line for s, line in _plans([sql]) if _full_scans(s, line)]
