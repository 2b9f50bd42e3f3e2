"""Money: integer minor units and an ISO 4217 currency. No floats anywhere money flows."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import CurrencyMismatch, ValidationFailed

# Minor-unit exponents for the currencies fairgig settles in; anything else is refused at the edge.
CURRENCY_EXPONENTS: dict[str, int] = {
    "usd": 2,
    "eur": 2,
    "gbp": 2,
    "cad": 2,
    "aud": 2,
    "nzd": 2,
    "chf": 2,
    "sek": 2,
    "nok": 2,
    "dkk": 2,
    "pln": 2,
    "inr": 2,
    "brl": 2,
    "mxn": 2,
    "sgd": 2,
    "jpy": 0,
}


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self) -> None:
        if type(self.amount) is not int:
            raise ValidationFailed("money amount must be an integer of minor units", field="amount")
        if self.currency not in CURRENCY_EXPONENTS:
            raise ValidationFailed(f"unknown currency {self.currency!r}", field="currency")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(
                f"cannot combine {self.currency} with {other.currency}",
                left=self.currency,
                right=other.currency,
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def percent(self, percent: int) -> Money:
        """`percent` % of this amount, rounded down to a whole minor unit (the payer keeps the odd cent)."""
        return Money((self.amount * percent) // 100, self.currency)

    def basis_points(self, bps: int) -> Money:
        return Money((self.amount * bps) // 10_000, self.currency)

    @property
    def is_positive(self) -> bool:
        return self.amount > 0

    def __str__(self) -> str:
        exp = CURRENCY_EXPONENTS[self.currency]
        if exp == 0:
            return f"{self.amount} {self.currency.upper()}"
        whole, minor = divmod(abs(self.amount), 10**exp)
        sign = "-" if self.amount < 0 else ""
        return f"{sign}{whole}.{minor:0{exp}d} {self.currency.upper()}"
