"""The anti-fraud assessment of a credit request (F16), as a pure function of its inputs.

``assess_fraud`` combines what points at fraud rather than at credit risk: the related-party
graph (a fraud ring, circular trading), the anomaly model's flag, account-takeover patterns (a
new device and a payout account change close together, sign-ins from many addresses) and the
velocity of requests, payout accounts and devices. Each finding is a signal with a code, a
severity and a reason (a msgid with parameters, as the decision's other reasons); the outcome is
the most severe signal: decline > review > clear.

The velocity figures are gathered by the risk service (``service/velocity.py``) as of the
clock's now and stored with the decision's inputs, so a replay assesses the same figures again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from fourflow.core.i18n import N_, Language, translate

FRAUD_VERSION = "fraud@v1"

FraudOutcome = Literal["clear", "review", "decline"]
# Windows of the velocity figures. A device is new for as long as the policy's new-device rule
# calls it new (7 days), and a payout account for as long as the policy's new-bank-account rule
# does (30 days).
SHORT_WINDOW_HOURS = 24
LONG_WINDOW_DAYS = 30
NEW_DEVICE_DAYS = 7
PAYOUT_ACCOUNT_DAYS = 30

# Earlier credit requests (decisions, and the applications that ask for them) tolerated in 24 h:
# a seller comparing the four products and retrying one stays within five; more is someone
# probing for the amount or product that gets through.
MAX_CREDIT_REQUESTS_24H = 5
# ... and in 30 days: receivables financing drawn against each weekly marketplace payout is four
# or five a month per marketplace; a seller on four marketplaces stays within twenty.
MAX_CREDIT_REQUESTS_30D = 20
# Payout accounts added in 30 days: a seller gives one per payout currency (USD and EUR are
# common); a third in a month is how payout redirection shows.
MAX_PAYOUT_ACCOUNTS_30D = 2
# Devices first seen in 7 days: the fingerprint is the browser's user agent and languages, which
# a browser update changes, so each person of a small team may bring one new device in a week;
# more than three is a shared login or a takeover in progress.
MAX_NEW_DEVICES_7D = 3
# Distinct sign-in addresses in 24 h: office, home, a phone on mobile data and a VPN make four;
# more means the credentials are used from several places at once (shared, leaked or stolen).
MAX_SIGN_IN_IPS_24H = 4
# The account-takeover pattern: sign in from a new device, redirect the payouts to a new account,
# draw down. The two steps seldom lie more than a weekend apart, so 72 h; an honest seller
# rarely changes both within three days.
ATO_PAIR_WINDOW_HOURS = 72

# What the seller is told (the signals themselves are for risk staff: naming the trip-wire helps
# a fraudster step around it).
SELLER_MESSAGES: dict[str, str] = {
    "review": N_("Our fraud checks ask a person to look at this request before it goes ahead."),
    "decline": N_("The request did not pass our fraud checks."),
}


@dataclass(frozen=True, slots=True)
class Velocity:
    """The seller's recent activity as of ``as_of`` (all counts exclude the request being decided).

    ``device_payout_gap_minutes``: the shortest time between a device first seen in the last
    ``NEW_DEVICE_DAYS`` and a payout account added in the last ``PAYOUT_ACCOUNT_DAYS``, each
    other than the seller's first (a first device and account are onboarding, not a change);
    None when there is no such pair.
    """

    as_of: str  # ISO 8601, UTC
    credit_requests_24h: int
    credit_requests_30d: int
    payout_accounts_added_30d: int
    days_since_newest_payout_account: int | None
    new_devices_7d: int
    sign_in_ips_24h: int
    device_payout_gap_minutes: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of, "credit_requests_24h": self.credit_requests_24h,
                "credit_requests_30d": self.credit_requests_30d,
                "payout_accounts_added_30d": self.payout_accounts_added_30d,
                "days_since_newest_payout_account": self.days_since_newest_payout_account,
                "new_devices_7d": self.new_devices_7d, "sign_in_ips_24h": self.sign_in_ips_24h,
                "device_payout_gap_minutes": self.device_payout_gap_minutes}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Velocity:
        return cls(as_of=str(values["as_of"]), credit_requests_24h=int(values["credit_requests_24h"]),
                   credit_requests_30d=int(values["credit_requests_30d"]),
                   payout_accounts_added_30d=int(values["payout_accounts_added_30d"]),
                   days_since_newest_payout_account=_optional_int(values["days_since_newest_payout_account"]),
                   new_devices_7d=int(values["new_devices_7d"]),
                   sign_in_ips_24h=int(values["sign_in_ips_24h"]),
                   device_payout_gap_minutes=_optional_int(values["device_payout_gap_minutes"]))


@dataclass(frozen=True, slots=True)
class FraudSignal:
    code: str
    severity: Literal["review", "decline"]
    message: str  # msgid
    params: dict[str, str] = field(default_factory=dict)

    def describe(self, language: Language | None = None) -> str:
        return translate(self.message, language, **self.params)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": self.message, "params": self.params}


@dataclass(frozen=True, slots=True)
class FraudAssessment:
    outcome: FraudOutcome
    signals: tuple[FraudSignal, ...]
    inputs: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"version": FRAUD_VERSION, "outcome": self.outcome,
                "signals": [signal.to_dict() for signal in self.signals], "inputs": self.inputs}


@dataclass(frozen=True, slots=True)
class VelocityCheck:
    """A count of the seller's recent activity that, over its limit, sends a request to review."""

    code: str
    figure: str  # the Velocity attribute counted
    limit: int
    message: str  # msgid; parameters {count} and {limit}


VELOCITY_CHECKS: tuple[VelocityCheck, ...] = (
    VelocityCheck("ato_many_sign_in_addresses", "sign_in_ips_24h", MAX_SIGN_IN_IPS_24H, N_(
        "Sign-ins from {count} network addresses in 24 hours (more than {limit}): the account "
        "may be shared or stolen.")),
    VelocityCheck("velocity_credit_requests_24h", "credit_requests_24h", MAX_CREDIT_REQUESTS_24H,
                  N_("{count} earlier credit requests in the last 24 hours (more than {limit}).")),
    VelocityCheck("velocity_credit_requests_30d", "credit_requests_30d", MAX_CREDIT_REQUESTS_30D,
                  N_("{count} earlier credit requests in the last 30 days (more than {limit}).")),
    VelocityCheck("velocity_payout_accounts_30d", "payout_accounts_added_30d", MAX_PAYOUT_ACCOUNTS_30D,
                  N_("{count} payout accounts added in the last 30 days (more than {limit}).")),
    VelocityCheck("velocity_new_devices_7d", "new_devices_7d", MAX_NEW_DEVICES_7D,
                  N_("{count} new devices in the last 7 days (more than {limit}).")),
)


def velocity_checks(velocity: Velocity) -> list[tuple[VelocityCheck, int, bool]]:
    """Each velocity check with the seller's count and whether it is over the limit."""
    counts = [(check, int(getattr(velocity, check.figure))) for check in VELOCITY_CHECKS]
    return [(check, count, count > check.limit) for check, count in counts]


def takeover_pattern(velocity: Velocity) -> bool:
    """A new device and a payout-account change at most ``ATO_PAIR_WINDOW_HOURS`` apart."""
    gap = velocity.device_payout_gap_minutes
    return gap is not None and gap <= ATO_PAIR_WINDOW_HOURS * 60


def assess_fraud(velocity: Velocity, *, in_fraud_ring: bool, in_circular_trading: bool, ring_size: int,
                 anomaly_flagged: bool) -> FraudAssessment:
    """The fraud outcome of a request: a fraud ring declines; circular trading, the anomaly flag,
    an account-takeover pattern or velocity over a limit send it to a person."""
    signals: list[FraudSignal] = []
    if in_fraud_ring:
        signals.append(FraudSignal("fraud_ring_member", "decline", N_(
            "Member of a related-party network of {size} companies flagged as a fraud ring."),
            {"size": str(ring_size)}))
    if in_circular_trading:
        signals.append(FraudSignal("fraud_circular_trading", "review", N_(
            "Part of a circular trading pattern among related companies.")))
    if anomaly_flagged:
        signals.append(FraudSignal("fraud_anomaly_flagged", "review", N_(
            "The anomaly model flags the seller's activity as unusual.")))
    gap = velocity.device_payout_gap_minutes
    if takeover_pattern(velocity):
        signals.append(FraudSignal("ato_new_device_and_payout_change", "review", N_(
            "A new device and a new payout account appeared {hours} hours apart (at most {limit}): "
            "the pattern of an account takeover."),
            {"hours": str((Decimal(gap or 0) / 60).quantize(Decimal("0.1"))),
             "limit": str(ATO_PAIR_WINDOW_HOURS)}))
    signals += [FraudSignal(check.code, "review", check.message,
                            {"count": str(count), "limit": str(check.limit)})
                for check, count, over in velocity_checks(velocity) if over]
    outcome: FraudOutcome = ("decline" if any(signal.severity == "decline" for signal in signals)
                             else "review" if signals else "clear")
    return FraudAssessment(outcome, tuple(signals), {
        "velocity": velocity.to_dict(), "in_fraud_ring": in_fraud_ring,
        "in_circular_trading": in_circular_trading, "ring_size": ring_size,
        "anomaly_flagged": anomaly_flagged})


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)
