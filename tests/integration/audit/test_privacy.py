from __future__ import annotations

import json
from dataclasses import replace
from uuid import uuid4

from eventsourcing.cipher import AESCipher

from domain.actors import Actor
from domain.brief import Supervisor
from domain.marketplace import Marketplace
from domain.money import Money
from payments.simulated import SimulatedGateway
from projections.audit_chain import catch_up, verify
from projections.audit_log import EventsTable, export_jsonl
from tests.conftest import FakeClock, database_for
from tests.integration.finance.money_paths import Cashier, MoneyRun
from tests.unit.finance.stories import brief

SECRETS = ("Marguerite Okonkwo-Lindqvist", "marguerite.ol@example.org", "Priya's flatmate Tomasz")


def encrypted_env(store_env: dict[str, str]) -> dict[str, str]:
    cipher = {"CIPHER_TOPIC": "eventsourcing.cipher:AESCipher", "CIPHER_KEY": AESCipher.create_key(32)}
    return store_env | cipher


def test_with_a_cipher_key_no_name_or_email_is_stored_in_clear(
    store_env: dict[str, str], clock: FakeClock
) -> None:
    env = encrypted_env(store_env)
    app = Marketplace(env, clock=clock)
    db = database_for(env)
    try:
        employer, student = Actor.user(uuid4(), "employer"), Actor.user(uuid4(), "student")
        supervisor = Supervisor(SECRETS[0], SECRETS[1])
        supervised = replace(brief(Money(50_000, "usd"), clock()), supervisor=supervisor)
        gig_id = app.create_gig(employer, supervised).gig_id
        app.publish_gig(employer, gig_id)
        run = MoneyRun(app, clock, Cashier(SimulatedGateway(clock)))
        run.fund(gig_id)
        app.claim_gig(student, gig_id)
        app.check_in(student, gig_id, f"{SECRETS[0]} asked me to include {SECRETS[2]}'s survey data")
        app.submit_work(student, gig_id, "https://example.com/work", f"reviewed with {SECRETS[0]}")

        events = EventsTable.of(app)
        with db.transaction() as conn:
            rows = conn.fetchall(f"SELECT {events.position} AS position, * FROM {events.name}")
        raw = b"".join(
            bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
            for row in rows
            for value in row.values()
        )
        for secret in SECRETS:
            for form in (secret, secret.split()[0], secret.split("@")[0]):
                assert form.encode() not in raw, form
        assert sorted(int(r["position"]) for r in rows) == list(range(1, len(rows) + 1))
        assert {r["topic"] for r in rows} >= {"domain.gig:Gig.DraftCreated", "domain.gig:Gig.CheckedIn"}

        head = catch_up(app.recorder, db)
        assert head.length == len(rows)
        assert verify(app.recorder, db).ok

        # Auditors holding the key read the log in clear.
        lines = [json.loads(line) for chunk in export_jsonl(app) for line in chunk.splitlines()]
        assert lines[0]["data"]["brief"]["supervisor"] == {"name": SECRETS[0], "email": SECRETS[1]}
        assert SECRETS[2] in lines[-2]["data"]["note"]
    finally:
        db.close()
