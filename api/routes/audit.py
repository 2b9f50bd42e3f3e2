"""Audit: the event log filtered and exported, tamper evidence, any gig as it stood in the past."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from litestar import Controller, get
from litestar.params import Parameter
from litestar.response import Stream

from api.auth import requires
from api.bootstrap import Container
from api.gig_views import aggregate_view
from api.http import parse_gig_id
from api.params import Limit, Since, Until
from projections.audit_chain import chain_head, verify
from projections.audit_log import AuditQuery, export_jsonl, get_audit_events
from projections.fairness_report import fairness_report
from projections.history import history
from projections.paging import InvalidQuery

Severity = Annotated[Literal["info", "warning", "blocking"] | None, Parameter(description="minimum severity")]
AsOf = Annotated[str, Parameter(description="an RFC 3339 instant, or a gig version number")]


def _moment(as_of: str) -> datetime | int:
    """A version number, or an instant with its offset (a naive one cannot be compared)."""
    if as_of.isdigit():
        return int(as_of)
    try:
        instant = datetime.fromisoformat(as_of)
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise InvalidQuery("as_of must be an RFC 3339 instant or a version", field="as_of")
    return instant


class AuditController(Controller):
    path = "/audit"
    tags = ["audit"]
    guards = [requires("auditor")]

    @get("/events", operation_id="listAuditEvents", sync_to_thread=True)
    def events(
        self,
        container: Container,
        gig: str | None = None,
        actor: str | None = None,
        type: str | None = None,
        since: Since = None,
        until: Until = None,
        after: int | None = None,
        limit: Limit = None,
    ) -> dict[str, Any]:
        query = AuditQuery(
            gig=gig, actor=actor, type=type, since=since, until=until, after=after, limit=limit
        )
        page = get_audit_events(container.db, container.marketplace, query)
        return {"items": page.items, "next_cursor": page.next_cursor}

    @get(
        "/events.jsonl",
        operation_id="exportAuditEvents",
        sync_to_thread=True,
        media_type="application/x-ndjson",
    )
    def export(self, container: Container, after: int = 0) -> Stream:
        return Stream(export_jsonl(container.marketplace, after=after), media_type="application/x-ndjson")

    @get("/chain", operation_id="getAuditChain", sync_to_thread=True)
    def chain(self, container: Container) -> dict[str, Any]:
        container.catch_up_chain()
        head = chain_head(container.db)
        return {"head": head.head, "length": head.length, "position": head.position}

    @get("/chain/verify", operation_id="verifyAuditChain", sync_to_thread=True)
    def verify_chain(self, container: Container) -> dict[str, Any]:
        container.catch_up_chain()
        result = verify(container.marketplace.recorder, container.db)
        return {
            "ok": result.ok,
            "checked": result.checked,
            "first_bad_position": result.first_bad_position,
            "reason": result.reason,
        }

    @get("/fairness", operation_id="getFairnessReport", sync_to_thread=True)
    def fairness(
        self,
        container: Container,
        severity: Severity = None,
        employer: str | None = None,
        limit: Limit = None,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        return fairness_report(
            container.db,
            now=container.clock(),
            severity=severity,
            employer=employer,
            limit=limit,
            cursor=cursor,
            policy=container.fairness.policy,
            kept=container.fact_fold,
        )

    @get("/gigs/{gig_id:str}/history", operation_id="getGigHistory", sync_to_thread=True)
    def gig_history(self, gig_id: str, container: Container, as_of: AsOf) -> dict[str, Any]:
        past = history(container.marketplace, parse_gig_id(gig_id), _moment(as_of))
        return {
            "as_of": as_of,
            "version": past.version,
            "gig": aggregate_view(past.gig),
            "events": past.events,
        }
