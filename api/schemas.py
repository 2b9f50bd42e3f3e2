"""Request and response bodies, as msgspec Structs. Strings become UUIDs, Money and Briefs here."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from domain.brief import Brief, Supervisor
from domain.money import Money

Text = Annotated[str, Meta(max_length=4000)]
ShortText = Annotated[str, Meta(max_length=200)]
Items = Annotated[list[Annotated[str, Meta(max_length=500)]], Meta(max_length=50)]


class MoneyBody(Struct, forbid_unknown_fields=True):
    amount: Annotated[int, Meta(ge=0, le=100_000_000)]
    currency: Annotated[str, Meta(pattern="^[a-z]{3}$")]

    def to_money(self) -> Money:
        return Money(self.amount, self.currency)

    @classmethod
    def of(cls, money: Money | None) -> MoneyBody | None:
        return None if money is None else cls(money.amount, money.currency)


class SupervisorBody(Struct, forbid_unknown_fields=True):
    name: ShortText
    email: Annotated[str, Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class SignUp(Struct, forbid_unknown_fields=True):
    role: Literal["employer", "student"]
    email: Annotated[str, Meta(max_length=254)]
    password: Annotated[str, Meta(min_length=10, max_length=200)]
    name: ShortText
    organization: ShortText = ""


class TokenRequest(Struct, forbid_unknown_fields=True):
    email: Annotated[str, Meta(max_length=254)]
    password: Annotated[str, Meta(max_length=200)]


class TokenResponse(Struct):
    access_token: str
    expires_in: int
    token_type: str = "bearer"


class Me(Struct):
    id: UUID
    email: str
    name: str
    roles: list[str]
    organization: str
    payout_account: str | None = None
    payouts_enabled: bool = False


class GigCreate(Struct, forbid_unknown_fields=True):
    title: Annotated[str, Meta(min_length=1, max_length=200)]
    summary: Text = ""
    deliverables: Items = msgspec.field(default_factory=list)
    acceptance_criteria: Items = msgspec.field(default_factory=list)
    skills: Annotated[list[Annotated[str, Meta(max_length=60)]], Meta(max_length=30)] = msgspec.field(
        default_factory=list
    )
    estimated_hours: Annotated[int, Meta(ge=1, le=2000)] | None = None
    pay: MoneyBody | None = None
    deadline: datetime | None = None
    revision_rounds: Annotated[int, Meta(ge=0, le=10)] = 1
    supervisor: SupervisorBody | None = None
    check_in_cadence: ShortText | None = None
    communication_channels: Items = msgspec.field(default_factory=list)
    jurisdiction: Annotated[str, Meta(max_length=40)] = "US"

    def to_brief(self) -> Brief:
        return Brief(
            title=self.title,
            summary=self.summary,
            deliverables=tuple(self.deliverables),
            acceptance_criteria=tuple(self.acceptance_criteria),
            skills=tuple(s.lower() for s in self.skills),
            estimated_hours=self.estimated_hours,
            pay=self.pay.to_money() if self.pay else None,
            deadline=self.deadline,
            revision_rounds=self.revision_rounds,
            supervisor=Supervisor(self.supervisor.name, self.supervisor.email) if self.supervisor else None,
            check_in_cadence=self.check_in_cadence,
            communication_channels=tuple(self.communication_channels),
            jurisdiction=self.jurisdiction,
        )


class GigUpdate(Struct, forbid_unknown_fields=True):
    """PATCH body: only the fields sent change."""

    title: Annotated[str, Meta(min_length=1, max_length=200)] | UnsetType = UNSET
    summary: Text | UnsetType = UNSET
    deliverables: Items | UnsetType = UNSET
    acceptance_criteria: Items | UnsetType = UNSET
    skills: list[Annotated[str, Meta(max_length=60)]] | UnsetType = UNSET
    estimated_hours: Annotated[int, Meta(ge=1, le=2000)] | UnsetType | None = UNSET
    pay: MoneyBody | UnsetType | None = UNSET
    deadline: datetime | UnsetType | None = UNSET
    revision_rounds: Annotated[int, Meta(ge=0, le=10)] | UnsetType = UNSET
    supervisor: SupervisorBody | UnsetType | None = UNSET
    check_in_cadence: ShortText | UnsetType | None = UNSET
    communication_channels: Items | UnsetType = UNSET
    jurisdiction: Annotated[str, Meta(max_length=40)] | UnsetType = UNSET

    def apply_to(self, brief: Brief) -> Brief:
        current = GigCreate(**{f: _body_value(getattr(brief, f)) for f in GigCreate.__struct_fields__})
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if value is not UNSET:
                setattr(current, name, value)
        return current.to_brief()


def _body_value(value: Any) -> Any:
    if isinstance(value, Money):
        return MoneyBody(value.amount, value.currency)
    if isinstance(value, Supervisor):
        return SupervisorBody(value.name, value.email)
    if isinstance(value, tuple):
        return list(value)
    return value


class Reason(Struct, forbid_unknown_fields=True):
    reason: Text = ""


class Review(Struct, forbid_unknown_fields=True):
    decision: Literal["approve", "request_changes", "reject"]
    feedback: Text = ""


class CheckIn(Struct, forbid_unknown_fields=True):
    note: Annotated[str, Meta(min_length=1, max_length=4000)]


class SubmissionBody(Struct, forbid_unknown_fields=True):
    url: Annotated[str, Meta(min_length=8, max_length=2000)]
    notes: Text = ""


class RatingBody(Struct, forbid_unknown_fields=True):
    stars: Annotated[int, Meta(ge=1, le=5)]
    comment: Text = ""


class DisputeResolution(Struct, forbid_unknown_fields=True):
    student_share_percent: Annotated[int, Meta(ge=0, le=100)]


class RolesBody(Struct, forbid_unknown_fields=True):
    roles: Annotated[list[Literal["employer", "student", "finance", "auditor", "admin"]], Meta(min_length=1)]


class FundingOut(Struct):
    reference: str
    client_secret: str | None
    status: str


class CommandResult(Struct):
    """What every gig command answers: where the gig is now, and the log position to wait for."""

    id: UUID
    status: str
    version: int
    position: int | None
    funding: FundingOut | None = None
    fairness: dict[str, Any] | None = None


class PayoutAccountOut(Struct):
    onboarding_url: str
    account: str
    payouts_enabled: bool


class Page(Struct):
    items: list[Any]
    next_cursor: str | None = None
