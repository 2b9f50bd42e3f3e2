"""The composition root: the only place that knows which concrete classes make up fairgig."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from uuid import UUID

import psycopg

from api.consistency import WriteMemory
from api.fairness import FairnessService
from api.projection_lanes import LaneProcesses, lanes_for
from api.settings import Settings, get_settings
from domain.accounts_app import Accounts
from domain.clock import Clock
from domain.marketplace import Marketplace
from payments.escrow import EscrowProcess
from payments.escrow_policy import GATEWAY_RETRY, EscrowPolicy
from payments.gateway import GatewayUnavailable, PaymentGateway
from payments.payout_queue import PayoutQueue
from payments.simulated import SimulatedGateway
from payments.simulated_journal import SqlMovementJournal
from payments.webhook_inbox import WebhookInbox
from projections import audit_chain
from projections.audit_log import AuditIndex, EventsTable
from projections.database import Database, PostgresDatabase, SQLiteDatabase, keeps_statistics, schema_lock_key
from projections.fairness import FairnessModel
from projections.fairness_fold import FactFold
from projections.follower import Follower
from projections.follower_group import PAGE_SIZE
from projections.ledger import Ledger
from projections.registry import Projections
from projections.status import RunState, projection_status, wait_for
from projections.timer_worker import TimerWorker

log = logging.getLogger(__name__)


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Container:
    settings: Settings
    clock: Clock
    marketplace: Marketplace
    accounts: Accounts
    db: Database
    gateway: PaymentGateway
    escrow: EscrowProcess
    projections: Projections
    escrow_follower: Follower
    timers: TimerWorker
    inbox: WebhookInbox
    fairness: FairnessService
    audit_followers: list[Follower] = field(default_factory=list)
    """The ledger and the audit index: followed in the group of the read models this process
    runs (its first lane), so that one read and decode of each page serves them all and one
    transaction commits it; rebuilt after the read models (`fairgig projections rebuild`)."""
    writes: WriteMemory = field(default_factory=WriteMemory)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lanes: LaneProcesses | None = None

    # ---- workers --------------------------------------------------------------------------

    def start_workers(self, kinds: Collection[str] = ("projections", "timers", "escrow")) -> None:
        """Run background work in threads: all of it in the embedded default, one kind per
        process with `fairgig worker KIND`."""
        loops: list[tuple[str, Callable[[threading.Event], None]]] = []
        if "projections" in kinds:
            self._start_projections()
            loops.append(("audit-chain", self._chain_forever))
        if "escrow" in kinds:
            self.escrow_follower.start()
        if "timers" in kinds:
            loops.append(("timers", self.timers.run_forever))
        for name, target in loops:
            thread = threading.Thread(target=target, args=(self._stop,), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def rebuildable(self) -> dict[str, Follower]:
        """Read models that can be replayed from zero (never the escrow: it moves money)."""
        followers = dict(self.projections.followers)
        followers.update({f.name: f for f in self.audit_followers})
        return followers

    def _start_projections(self) -> None:
        """The read models in this process, or, when the settings ask for several processes on
        PostgreSQL, the first lane here and each other lane in a child process."""
        processes = self.settings.server.projection_processes if self.db.dialect == "postgres" else 1
        lanes = lanes_for(list(self.projections.followers), processes)
        self.projections.start(lanes[0], also=self.audit_followers)
        if len(lanes) > 1:
            self._lanes = LaneProcesses(lanes[1:])
            self._lanes.start()

    @cached_property
    def fact_fold(self) -> FactFold:
        """The whole fairness report's fold, kept from request to request (made on first use)."""
        return FactFold(self.fairness.policy)

    def warm_fairness_report(self) -> None:
        """Fold the stored fairness facts in a background thread when the settings ask for it:
        a report asked for meanwhile waits for the fold, as it would have folded itself."""
        if not self.settings.server.warm_fairness_report:
            return
        thread = threading.Thread(target=self._warm_fold, name="fairness-warm-up", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _warm_fold(self) -> None:
        started = time.monotonic()
        try:
            seq = self.fact_fold.warm(self.db)
        except Exception as e:  # the first report folds instead; nothing is lost
            log.warning("fairness report: the fold was not warmed up: %s: %s", type(e).__name__, e)
            return
        log.info("fairness report: %s facts folded in %.1f s", f"{seq:,}", time.monotonic() - started)

    def stop_workers(self) -> None:
        self._stop.set()
        if self._lanes is not None:
            self._lanes.stop()
        self.projections.stop()
        self.escrow_follower.stop()
        for thread in self._threads:
            thread.join(timeout=10)

    def catch_up_chain(self) -> None:
        """Extend the audit chain to the head of the log (it hashes stored bytes, not events)."""
        audit_chain.catch_up(self.marketplace.recorder, self.db)

    def _chain_forever(self, stop: threading.Event, interval: float = 1.0) -> None:
        while not stop.wait(interval):
            try:
                self.catch_up_chain()
            except Exception:
                log.exception("cannot extend the audit chain")

    # ---- what the API asks of the composition ---------------------------------------------

    def settle_soon(self, gig_id: UUID) -> None:
        """Move the money a decision released now; if the gateway is down the escrow follower retries."""
        try:
            self.escrow.settle(gig_id)
        except GatewayUnavailable:
            log.warning("gateway unavailable while settling %s; the escrow follower will retry", gig_id)
        except Exception:
            # The decision is committed; settling it is the escrow follower's job (exactly once,
            # idempotent at the gateway), and this early attempt can race it in another process.
            log.warning("settling %s now failed; the escrow follower will retry", gig_id, exc_info=True)
        self.projections.nudge()

    def log_head(self) -> int:
        return int(self.marketplace.recorder.max_notification_id() or 0)

    def wait_for(self, position: int | None, timeout: float = 3.0) -> bool:
        """Read-your-writes: block until the read models include log `position`."""
        if not self.projections.wait_for(position, timeout=timeout):
            return False
        names = [f.name for f in self.audit_followers]
        return position is None or not names or wait_for(self.db, position, names, timeout=timeout)

    def readiness(self) -> dict[str, Any]:
        try:
            report = self.projections.status(self.clock)
            audit = projection_status(
                self.marketplace,
                self.db,
                [f.name for f in self.audit_followers],
                run_states={
                    f.name: RunState(self.projections.group.running, f.halted, f.last_error)
                    for f in self.audit_followers
                },
                now=self.clock,
            )
            escrow = projection_status(
                self.marketplace,
                self.escrow_follower.db,
                ["escrow"],
                run_states={"escrow": _state(self.escrow_follower)},
                now=self.clock,
            )
        except Exception as e:  # any failure to reach the store means not ready
            return {"ready": False, "store": f"unreachable: {type(e).__name__}: {e}"}
        report["projections"].extend(audit["projections"] + escrow["projections"])
        report["ready"] = report["ready"] and audit["ready"] and escrow["ready"]
        report["store"] = "ok"
        report["payments"] = self.gateway.name
        return report

    def close(self) -> None:
        self.stop_workers()
        self.projections.close()
        self.marketplace.close()
        self.accounts.close()
        self.escrow_follower.db.close()
        self.db.close()


def _state(follower: Follower) -> RunState:
    return RunState(follower.running, follower.halted, follower.last_error)


def build_database(
    settings: Settings, sqlite_name: str = "fairgig.db", max_size: int | None = None
) -> Database:
    db = settings.database
    if db.is_postgres:
        return PostgresDatabase(db.url, schema=db.schema, max_size=max_size or db.pool_size)
    db.data_dir.mkdir(parents=True, exist_ok=True)
    return SQLiteDatabase(db.data_dir / sqlite_name)


def build_gateway(settings: Settings, clock: Clock, db: Database) -> PaymentGateway:
    if settings.stripe.enabled:
        from payments.stripe_gateway import StripeGateway  # imported only when configured

        return StripeGateway(
            settings.stripe.secret_key,
            api_base=settings.stripe.api_base or None,
            timeout=settings.stripe.timeout_seconds,
        )
    return SimulatedGateway(clock, SqlMovementJournal(db))


@contextmanager
def _startup_lock(settings: Settings) -> Iterator[None]:
    """Serialise start-up across processes (server workers, worker processes start together):
    the tables are created with CREATE ... IF NOT EXISTS, which PostgreSQL does not make safe to race."""
    db = settings.database
    if not db.is_postgres:
        yield
        return
    with psycopg.connect(db.url, autocommit=True) as conn:
        key = schema_lock_key(db.schema)
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))


@contextmanager
def composed(*, prepare_read_models: bool = True) -> Iterator[Container]:
    """The composition the environment describes, closed on leaving: for the CLI's commands and
    for processes of their own (a lane of read models, which prepares only its own models:
    `prepare_read_models=False`)."""
    container = bootstrap(get_settings(), prepare_read_models=prepare_read_models)
    try:
        yield container
    finally:
        container.close()


def bootstrap(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    gateway: PaymentGateway | None = None,
    prepare_read_models: bool = True,
) -> Container:
    """The application composed from `settings`, its tables created. Without
    `prepare_read_models` the read models' tables are left as they are: a process rebuilding or
    following a lane of them prepares its own, and must not give the indexes back to models
    another lane is rebuilding without them."""
    with _startup_lock(settings):
        return _bootstrap(settings, clock, gateway, prepare_read_models)


def _bootstrap(
    settings: Settings, clock: Clock, gateway: PaymentGateway | None, prepare_read_models: bool
) -> Container:
    store = settings.database
    if not store.is_postgres:
        store.data_dir.mkdir(parents=True, exist_ok=True)
    marketplace = Marketplace(store.event_store_env("Marketplace"), clock=clock, policy=settings.policy)
    accounts = Accounts(store.event_store_env("Accounts"), clock=clock)
    db = build_database(settings)
    if not keeps_statistics(db):
        log.warning(
            "PostgreSQL's autovacuum is off: the read models' tables are not analysed as they grow,"
            " and their lookups can come to read them whole; turn it on, or ANALYZE them regularly"
        )
    gateway = gateway or build_gateway(settings, clock, db)
    escrow = EscrowProcess(marketplace, accounts, gateway, PayoutQueue(db))
    # On SQLite the escrow's tracking lives in a file of its own: its handler writes marketplace
    # events, which it could not do while holding the write lock of the file they go to.
    escrow_db = build_database(settings, "escrow.db", max_size=2)
    escrow_follower = Follower(
        EscrowPolicy(escrow_db.dialect, escrow), marketplace, escrow_db, retry=GATEWAY_RETRY
    )
    fairness = FairnessService(clock, settings.platform_floor_per_hour)
    fairness_model = FairnessModel(db.dialect, policy=fairness.policy)
    projections = Projections(marketplace, db, models={fairness_model.name: fairness_model})
    if prepare_read_models:
        projections.prepare()
    escrow_follower.prepare()
    events = EventsTable.of(marketplace)
    audit_followers = [
        # Pages as long as the group's: both fold their rows per page, so catching up after a
        # deploy costs a transaction per 2,000 events rather than per 500.
        Follower(model, marketplace, db, wakeup=projections.wakeup, page_size=PAGE_SIZE)
        for model in (Ledger(events), AuditIndex(events))
    ]
    for follower in audit_followers:
        follower.prepare()
    with db.transaction() as conn:
        audit_chain.create_tables(conn)
    return Container(
        settings=settings,
        clock=clock,
        marketplace=marketplace,
        accounts=accounts,
        db=db,
        gateway=gateway,
        escrow=escrow,
        projections=projections,
        escrow_follower=escrow_follower,
        timers=TimerWorker(marketplace, db, clock),
        inbox=WebhookInbox(db, escrow, accounts),
        fairness=fairness,
        audit_followers=audit_followers,
    )
