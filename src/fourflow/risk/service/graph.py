"""The platform's related-party graph (F12), loaded from the trade data, and what it reveals:
suspected fraud rings and circular trading, as findings, per-seller features and risk alerts.

Loading
    *Sellers* are the platform's seller organisations, keyed by their **slug** everywhere in the
    graph, the findings and the alerts' details (``seller_ids`` maps slugs to organisation ids).

    *Identity links* come from the registry records (officers by role — a shareholder as
    ``shareholder``, every other role, legal representative included, as ``director``; the
    registered address, phone, e-mail and company number), the sellers' bank accounts and their
    devices (fingerprint and IP address).

    *Trade links* are the sales of one platform seller to another: orders of business sales
    channels (``BUSINESS_SALES_CHANNELS``) whose decrypted buyer is recognised as a platform
    seller by the rule in ``graph_buyers`` (two agreeing fields, one best seller). The buyer pays
    the seller, so the link points buyer → seller. Sales to outside buyers are left out of the
    graph: circular trading can only be closed by platform sellers, and a consumer's parcel says
    nothing about related parties — so in this graph ``top_customer_share`` is the share among a
    seller's *platform-seller* customers. Orders that were cancelled, voided or refunded are
    skipped (the money went back). Amounts are in USD: other currencies are converted at the ECB
    reference rate of the purchase day; an order without a rate is skipped and counted.

Alerts
    One alert row per member seller (an alert belongs to one seller's file), kind ``fraud_ring``
    or ``circular_trading``, with the whole group in ``details``. A ring is ``critical`` when its
    sellers share a bank account (their money meets in one place) or trade in a loop among
    themselves, else ``warning``; a cycle is ``critical`` when all its sellers are in one suspected
    ring (related parties trading round), else ``warning``. Raising is idempotent: a seller that
    already has an open alert of the same kind with the same members gets no second one. A ring's
    members are its sorted slugs; a cycle's are its slugs in the order money flows, starting at
    the smallest, so the same sellers trading round the other way are a different cycle.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.core.clock import get_clock
from fourflow.identity import service as identity
from fourflow.identity.roles import OrganisationKind
from fourflow.risk.graph import (
    STRONG_IDENTIFIER_KINDS,
    IdentityLink,
    RelatedPartyGraph,
    SuspectedRing,
    TradeLink,
    TradingCycle,
    find_circular_trading,
    find_fraud_rings,
    graph_features,
    neighbourhood,
)
from fourflow.risk.graph.errors import SellerNotInGraph
from fourflow.risk.models import CIRCULAR_TRADING, FRAUD_RING, RiskAlert
from fourflow.risk.repository import graph as repository
from fourflow.risk.service.graph_buyers import BuyerMatcher, SellerContacts
from fourflow.tradedata import service as tradedata
from fourflow.tradedata.service import risk_features as trade_rates

GRAPH_CURRENCY: Final = "USD"
ALERT_KINDS: Final = (FRAUD_RING, CIRCULAR_TRADING)
READ_PURPOSE: Final = "related_party_graph"
CENT: Final = Decimal("0.01")
# Financial states in which the money of an order went back (Shopify's refunded / voided,
# Amazon's Canceled); matched as parts of the status text, case ignored.
REVERSED_STATUS_WORDS: Final = ("cancel", "void", "refund")


@dataclass(frozen=True, slots=True)
class BusinessOrderCounts:
    """What became of the business orders read for the graph."""

    examined: int            # orders of business channels whose buyer data was decrypted
    from_sellers: int        # ... whose buyer is a platform seller: trade links
    ambiguous: int           # ... whose buyer fits two sellers equally well: left out
    reversed: int            # ... from a seller, but cancelled, voided or refunded: left out
    unconverted: int         # ... from a seller, but no USD rate on the purchase day: left out
    seconds: float           # time spent reading, decrypting and matching them


@dataclass(frozen=True, slots=True)
class PlatformGraph:
    graph: RelatedPartyGraph
    seller_ids: dict[str, uuid.UUID]      # slug -> organisation id, every platform seller
    business_orders: BusinessOrderCounts


@dataclass(frozen=True, slots=True)
class RelatedPartyFindings:
    rings: tuple[SuspectedRing, ...]
    cycles: tuple[TradingCycle, ...]
    features: dict[str, dict[str, float | int]]    # slug -> graph_features of every seller
    seller_ids: dict[str, uuid.UUID]
    currency: str
    business_orders: BusinessOrderCounts

    @property
    def flagged_sellers(self) -> frozenset[str]:
        """Sellers in a suspected ring or on a trading cycle."""
        in_rings = {seller for ring in self.rings for seller in ring.sellers}
        return frozenset(in_rings.union(*(cycle.sellers for cycle in self.cycles)))


# --- loading ------------------------------------------------------------------------------------

def load_platform_graph(session: Session, *, secret: str, context: AuditContext | None = None,
                        sales_channels: Collection[str] | None = tradedata.BUSINESS_SALES_CHANNELS
                        ) -> PlatformGraph:
    """The related-party graph of every platform seller (see the module text). ``secret`` is
    the installation's secret key, which opens buyers' personal data; reading it is audited
    under ``context`` (the system by default). ``sales_channels=None`` reads every order that
    has buyer data instead of the business channels only (slower; for channels not yet known)."""
    sellers = sorted(identity.organisations_of_kind(session, OrganisationKind.SELLER.value),
                     key=lambda organisation: organisation.slug)
    seller_ids = {organisation.slug: organisation.id for organisation in sellers}
    slug_of = {organisation.id: organisation.slug for organisation in sellers}
    contacts = {organisation.slug: SellerContacts(key=organisation.slug, names=[organisation.name])
                for organisation in sellers}

    facts = tradedata.seller_identifiers(session)
    links: list[IdentityLink] = []
    for record in facts.registry_records:
        slug = slug_of.get(record.seller_organisation_id)
        if slug is None:
            continue
        for officer in record.officers:
            name = officer.get("name")
            if name:
                kind = "shareholder" if officer.get("role") == "shareholder" else "director"
                links.append(IdentityLink(slug, kind, str(name)))
        links.append(IdentityLink(slug, "address", record.registered_address))
        links.append(IdentityLink(slug, "company", record.company_number))
        if record.phone:
            links.append(IdentityLink(slug, "phone", record.phone))
        if record.email:
            links.append(IdentityLink(slug, "email", record.email))
        seller_contacts = contacts[slug]
        seller_contacts.names.append(record.legal_name)
        seller_contacts.addresses.append(record.registered_address)
        if record.phone:
            seller_contacts.phones.append(record.phone)
        if record.email:
            seller_contacts.emails.append(record.email)
    for seller, account_number in facts.bank_accounts:
        if seller in slug_of:
            links.append(IdentityLink(slug_of[seller], "bank_account", account_number))
    for seller, fingerprint, ip_address in facts.devices:
        if seller in slug_of:
            links.append(IdentityLink(slug_of[seller], "device", fingerprint))
            links.append(IdentityLink(slug_of[seller], "ip_address", ip_address))
    links.sort()   # the graph numbers sellers in order of appearance: make it the slugs' order

    trade_links, counts = _business_trade(session, context or AuditContext.system(), secret=secret,
                                          slug_of=slug_of, matcher=BuyerMatcher(contacts.values()),
                                          sales_channels=sales_channels)
    graph = RelatedPartyGraph.build(links, trade_links, sellers=list(seller_ids), currency=GRAPH_CURRENCY)
    return PlatformGraph(graph=graph, seller_ids=seller_ids, business_orders=counts)


def platform_graph(session: Session, *, secret: str,
                   context: AuditContext | None = None) -> RelatedPartyGraph:
    """The related-party graph of every platform seller, keyed by slug (see ``load_platform_graph``
    for the slug → organisation id mapping)."""
    return load_platform_graph(session, secret=secret, context=context).graph


def _business_trade(session: Session, context: AuditContext, *, secret: str, slug_of: dict[uuid.UUID, str],
                    matcher: BuyerMatcher, sales_channels: Collection[str] | None
                    ) -> tuple[list[TradeLink], BusinessOrderCounts]:
    started = time.perf_counter()
    orders = tradedata.buyer_orders(session, context, secret=secret, purpose=READ_PURPOSE,
                                    sales_channels=sales_channels)
    matched: list[tuple[str, str, tradedata.BuyerOrder]] = []
    ambiguous = reversed_orders = unconverted = 0
    for order in orders:
        selling = slug_of.get(order.seller_organisation_id)
        if selling is None or order.total is None:
            continue
        match = matcher.match(order.buyer, selling=selling)
        if match.seller is None:
            ambiguous += match.ambiguous
            continue
        status = order.status.casefold()
        if any(word in status for word in REVERSED_STATUS_WORDS):
            reversed_orders += 1
            continue
        matched.append((match.seller, selling, order))
    # Every rate the orders need, read at once.
    rates = trade_rates.reference_rates(session, GRAPH_CURRENCY, {
        (order.currency, order.purchased_at.date()) for _payer, _payee, order in matched})
    links: list[TradeLink] = []
    for payer, payee, order in matched:
        rate = rates[(order.currency, order.purchased_at.date())]
        if rate is None or order.total is None:
            unconverted += 1
            continue
        links.append(TradeLink(payer_key=payer, payee_key=payee, amount=(order.total * rate).quantize(CENT),
                               currency=GRAPH_CURRENCY, kind="trade"))
    counts = BusinessOrderCounts(examined=len(orders),
                                 from_sellers=len(links) + reversed_orders + unconverted, ambiguous=ambiguous,
                                 reversed=reversed_orders, unconverted=unconverted,
                                 seconds=round(time.perf_counter() - started, 3))
    return links, counts


# --- detection ----------------------------------------------------------------------------------

def findings_of(loaded: PlatformGraph) -> RelatedPartyFindings:
    """Rings, cycles and features of a loaded graph, with the detectors' default thresholds."""
    rings = find_fraud_rings(loaded.graph)
    cycles = find_circular_trading(loaded.graph)
    return RelatedPartyFindings(rings=tuple(rings), cycles=tuple(cycles),
                                features=graph_features(loaded.graph, rings, cycles),
                                seller_ids=loaded.seller_ids, currency=loaded.graph.currency,
                                business_orders=loaded.business_orders)


def detect_related_party_risk(session: Session, *, secret: str,
                              context: AuditContext | None = None) -> RelatedPartyFindings:
    """Load the platform graph and find its suspected fraud rings and trading cycles."""
    return findings_of(load_platform_graph(session, secret=secret, context=context))


# --- alerts -------------------------------------------------------------------------------------

def raise_related_party_alerts(session: Session, findings: RelatedPartyFindings) -> list[RiskAlert]:
    """Write a risk alert for every member of every ring and cycle found, unless the seller has
    that alert open already (see the module text); returns the alerts added. Flushes, never
    commits."""
    now = get_clock().now()
    already = repository.open_alert_members(session, ALERT_KINDS)
    ring_of = {seller: ring.sellers for ring in findings.rings for seller in ring.sellers}
    looping = {cycle.sellers for cycle in findings.cycles}
    new: list[dict[str, Any]] = []

    def add(kind: str, members: tuple[str, ...], severity: str, details: dict[str, Any]) -> None:
        for seller in sorted(members):
            seller_id = findings.seller_ids[seller]
            if (seller_id, kind, members) in already:
                continue
            already.add((seller_id, kind, members))
            new.append({"seller_organisation_id": seller_id, "kind": kind, "severity": severity,
                        "details": {"members": list(members), **details}, "raised_at": now,
                        "resolved_at": None})

    for ring in findings.rings:
        members = set(ring.sellers)
        loops_inside = any(set(cycle) <= members for cycle in looping)
        shares_account = any(shared.kind == "bank_account" for shared in ring.shared_identifiers)
        add(FRAUD_RING, ring.sellers, "critical" if shares_account or loops_inside else "warning", {
            "member_ids": [str(findings.seller_ids[seller]) for seller in ring.sellers],
            "shared_identifiers": [{"kind": shared.kind, "value": _shown(shared.kind, shared.value),
                                    "strong": shared.kind in STRONG_IDENTIFIER_KINDS,
                                    "sellers": list(shared.sellers)} for shared in ring.shared_identifiers],
            "trades_in_a_loop": loops_inside,
        })
    for cycle in findings.cycles:
        related = len({ring_of.get(seller) for seller in cycle.sellers}) == 1 and cycle.sellers[0] in ring_of
        add(CIRCULAR_TRADING, cycle.sellers, "critical" if related else "warning", {
            "member_ids": [str(findings.seller_ids[seller]) for seller in cycle.sellers],
            "flows": [{"payer": flow.payer, "payee": flow.payee, "count": flow.count,
                       "amount": format(flow.amount, "f"), "currency": findings.currency}
                      for flow in cycle.flows],
            "smallest_amount": format(cycle.smallest_amount, "f"),
            "currency": findings.currency,
            "members_related": related,
        })
    return repository.add_alerts(session, new) if new else []


def _shown(kind: str, value: str) -> str:
    """Alert details are read on screens: a bank account shows its last four characters only,
    as the audit log records it."""
    return "••••" + value[-4:] if kind == "bank_account" else value


def open_related_party_alerts(session: Session, seller_id: uuid.UUID) -> list[RiskAlert]:
    """The seller's open fraud-ring and circular-trading alerts, newest first."""
    return repository.alerts_of_seller(session, seller_id, ALERT_KINDS)


# --- the console's picture ----------------------------------------------------------------------

def seller_neighbourhood(session: Session, seller_id: uuid.UUID, *, secret: str, depth: int = 2,
                         limit: int = 200, context: AuditContext | None = None) -> dict[str, Any]:
    """The seller's neighbourhood in the platform graph as the console's graph JSON (see
    ``fourflow.risk.graph.neighbourhood``), plus ``seller_id`` and ``seller_ids`` (slug → id of
    every seller drawn) so the console can link to them. Raises ``SellerNotInGraph`` when the
    id is not a platform seller's."""
    loaded = load_platform_graph(session, secret=secret, context=context)
    slug = next((slug for slug, organisation_id in loaded.seller_ids.items() if organisation_id == seller_id),
                None)
    if slug is None:
        raise SellerNotInGraph(seller=str(seller_id))
    picture = neighbourhood(loaded.graph, slug, depth, limit)
    drawn = [node["label"] for node in picture["nodes"] if node["kind"] == "seller"]
    return {**picture, "seller_id": str(seller_id),
            "seller_ids": {seller: str(loaded.seller_ids[seller]) for seller in sorted(drawn)}}
