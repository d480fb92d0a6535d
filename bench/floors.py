"""The floor of each read: the same rows fetched with plain `sqlite3`, no ORM, no HTTP."""

import sqlite3

VISIBLE = """{d}.organization_id = :org AND {d}.is_deleted = 0 AND ({d}.owner_id = :me
  OR {d}.visibility = 'organization'
  OR ({d}.visibility = 'team' AND {d}.owner_id IN (
      SELECT t2.user_id FROM team_member t2 JOIN team_member t1 ON t1.team_id = t2.team_id
      WHERE t1.user_id = :me AND t1.organization_id = :org)))"""
DEAL_ROW = """SELECT d.id, d.title, d.value, d.currency, d.status, d.temperature, d.probability,
  d.stage_id, s.name, d.pipeline_id, d.expected_close_date, d.updated_at, c.id, c.first_name,
  c.last_name, c.phone, c.email, co.id, co.name, u.id, u.full_name, u.avatar_url
FROM deal d JOIN stage s ON s.id = d.stage_id JOIN user u ON u.id = d.owner_id
LEFT JOIN contact c ON c.id = d.contact_id AND c.is_deleted = 0
LEFT JOIN company co ON co.id = d.company_id AND co.is_deleted = 0"""
SUMMARY = """SELECT deal_id, MIN(CASE WHEN completed_at IS NULL AND due_date IS NOT NULL
  THEN due_date END), MAX(completed_at), SUM(CASE WHEN created_at >= :recent THEN 1 ELSE 0 END)
FROM activity WHERE deal_id IN ({ids}) AND is_deleted = 0 GROUP BY deal_id"""
ORDER = " ORDER BY d.updated_at DESC, d.id DESC LIMIT 26"


def _like(columns, words):
    terms = []
    params = {}
    for n, word in enumerate(words):
        params[f"w{n}"] = f"%{word}%"
        terms.append("(" + " OR ".join(f"{c} LIKE :w{n} ESCAPE '\\'" for c in columns) + ")")
    return " AND ".join(terms), params


class Floors:
    """Each method runs one read the way the app does, in plain SQL, and returns its rows."""

    def __init__(self, path, org, me, today_start, recent_since):
        self.conn = sqlite3.connect(path)
        self.base = {"org": org, "me": me, "start": today_start, "recent": recent_since}

    def _rows(self, sql, **params):
        return self.conn.execute(sql, {**self.base, **params}).fetchall()

    def deals_page(self, cursor=None):
        keyset = ""
        if cursor:
            keyset = (
                " AND (d.updated_at, d.id) < (SELECT updated_at, id FROM deal WHERE id = :cursor)"
            )
        where = " WHERE " + VISIBLE.format(d="d") + keyset
        return self._rows(DEAL_ROW + where + ORDER, cursor=cursor)

    def deals_search(self, text):
        columns = ["d.title_key", "co.name_key", "c.sort_first", "c.sort_last"]
        condition, params = _like(columns, text.casefold().split())
        where = " WHERE " + VISIBLE.format(d="d") + " AND " + condition
        return self._rows(DEAL_ROW + where + ORDER, **params)

    def deal_detail(self, deal_id):
        rows = self._rows(
            DEAL_ROW + " WHERE " + VISIBLE.format(d="d") + " AND d.id = :id", id=deal_id
        )
        rows += self._rows(SUMMARY.format(ids=":id"), id=deal_id)
        return rows

    def pipeline(self, pipeline_id):
        stages = self._rows(
            "SELECT * FROM stage WHERE pipeline_id = :p AND kind = 'open' ORDER BY order_index",
            p=pipeline_id,
        )
        board = VISIBLE.format(d="d") + " AND d.pipeline_id = :p AND d.status = 'open'"
        totals = self._rows(
            "SELECT d.stage_id, COUNT(*), SUM(d.value) FROM deal d"
            f" WHERE {board} GROUP BY d.stage_id",
            p=pipeline_id,
        )
        cards = self._rows(
            DEAL_ROW + f" WHERE {board} ORDER BY d.updated_at DESC, d.id DESC", p=pipeline_id
        )
        ids = f"SELECT d.id FROM deal d WHERE {board}"
        summaries = self._rows(SUMMARY.format(ids=ids), p=pipeline_id)
        return stages + totals + cards + summaries

    def contacts_search(self, text):
        columns = ["c.sort_first", "c.sort_last", "c.email_key", "c.phone"]
        condition, params = _like(columns, text.casefold().split())
        sql = (
            "SELECT c.*, co.id, co.name FROM contact c LEFT JOIN company co"
            " ON co.id = c.company_id AND co.is_deleted = 0"
            " WHERE c.organization_id = :org AND c.is_deleted = 0 AND "
            + condition
            + " ORDER BY c.sort_last, c.sort_first, c.id LIMIT 26"
        )
        return self._rows(sql, **params)

    def activities_overdue(self):
        sql = (
            "SELECT a.*, u.id, u.full_name, u.avatar_url, d.id, d.title, c.id, c.first_name,"
            " c.last_name FROM activity a LEFT JOIN user u ON u.id = a.assignee_id"
            " LEFT JOIN deal d ON d.id = a.deal_id AND d.is_deleted = 0"
            " LEFT JOIN contact c ON c.id = a.contact_id AND c.is_deleted = 0"
            " WHERE a.organization_id = :org AND a.is_deleted = 0 AND a.completed_at IS NULL"
            " AND a.due_date < :start AND (a.deal_id IS NULL OR a.assignee_id = :me OR EXISTS"
            " (SELECT 1 FROM deal v WHERE v.id = a.deal_id AND " + VISIBLE.format(d="v") + "))"
            " ORDER BY a.due_sort, a.id LIMIT 26"
        )
        return self._rows(sql)

    def offset_id(self, offset):
        """The id of the deal `offset` items into the viewer's list (for a deep cursor)."""
        sql = (
            "SELECT d.id FROM deal d WHERE "
            + VISIBLE.format(d="d")
            + ORDER.replace("LIMIT 26", "LIMIT 1 OFFSET :offset")
        )
        return self._rows(sql, offset=offset)[0][0]

    def busiest_pipeline(self):
        """The pipeline with the most open deals the viewer sees, and that count."""
        sql = (
            "SELECT d.pipeline_id, COUNT(*) FROM deal d WHERE "
            + VISIBLE.format(d="d")
            + " AND d.status = 'open' GROUP BY d.pipeline_id ORDER BY 2 DESC LIMIT 1"
        )
        return self._rows(sql)[0]
