"""The query log's filters (`log list`): one WHERE clause for listing and counting."""

from __future__ import annotations

from typing import Any

from ..errors import StoreError


def log_where(*, search: str | None = None, status: str | None = None, reason: str | None = None,
              reviewed: bool | None = None, since: float | None = None, until: float | None = None,
              client: str | None = None) -> tuple[str, list[Any]]:
    """(" WHERE …" or "", params) of the query-log filters: `search` (query_log_entries; nfkc() is the store's SQL
    function, store.base), `status` "ok"|"refused",
    `reason` a refusal reason (no_evidence, off_topic…), `reviewed` with or without a current review, `since` /
    `until` epoch seconds (ts >= since, ts < until), `client` a client id, or its part before "/" or ":" (a token's
    name: "hr" selects serve's "hr/alice", body.client_id; "term:ann" the terminal's "term:ann:SESSION"). A year of log is too long to page through for the refusals worth a review (round 50)."""
    conds: list[str] = []
    params: list[Any] = []
    if search is not None:
        # query holds the question as typed (round 50): a full-width "ｂｏｂ@x.com" there, and cut out of
        # normalized_query by the disfluency rules ("… no wait …"), is found by its NFKC form (the store's nfkc())
        conds.append("(instr(lower(query), lower(?)) > 0 OR instr(lower(normalized_query), lower(?)) > 0"
                     " OR instr(lower(nfkc(query)), lower(nfkc(?))) > 0)")
        params += [search, search, search]
    if status is not None:
        if status not in ("ok", "refused"):
            raise StoreError(f"status must be ok or refused, not {status!r}")
        conds.append("refused = ?")
        params.append(int(status == "refused"))
    if reason is not None:
        conds.append("refusal_reason = ?")
        params.append(str(reason))
    if reviewed is not None:
        conds.append("review IS NOT NULL" if reviewed else "review IS NULL")
    for value, cond in ((since, "ts >= ?"), (until, "ts < ?")):
        if value is not None:
            conds.append(cond)
            params.append(float(value))
    if client is not None:
        conds.append("(client_id = ? OR substr(client_id, 1, length(?) + 1) IN (? || ':', ? || '/'))")
        params += [client] * 4
    return (" WHERE " + " AND ".join(conds) if conds else ""), params
