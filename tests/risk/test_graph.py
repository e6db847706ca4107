"""Related-party graph (F12): small hand-built graphs with exact expected answers."""

from __future__ import annotations

import gc
from decimal import Decimal

import pytest
import rustworkx as rx

from fourflow.risk.graph import (
    FEATURE_NAMES,
    IdentityLink,
    RelatedPartyGraph,
    SharedIdentifier,
    SuspectedRing,
    TradeFlow,
    TradeLink,
    counterparty_concentration,
    find_circular_trading,
    find_fraud_rings,
    graph_features,
    neighbourhood,
    normalise_identifier,
)
from fourflow.risk.graph.errors import (
    CircularTradingSearchTooLarge,
    IdentifierKindUnknown,
    SellerNotInGraph,
    TradeAmountNegative,
    TradeCurrencyMismatch,
    TradeLinkKindUnknown,
)


def _trade(payer: str, payee: str, amount: str, kind: str = "trade") -> TradeLink:
    return TradeLink(payer, payee, Decimal(amount), "USD", kind)


# --- identifiers and construction ------------------------------------------------------------

@pytest.mark.parametrize(("kind", "value", "expected"), [
    ("phone", "+86 755 1234 5678", "8675512345678"),
    ("phone", "0086-755-1234-5678", "8675512345678"),
    ("phone", "(0755) 1234 5678", "075512345678"),
    ("address", "  Room 12,  No. 5\tKEJI Road ", "room 12, no. 5 keji road"),
    ("email", " Ops@Example.COM ", "ops@example.com"),
    ("bank_account", "GB12 WFST 1234-5678", "gb12wfst12345678"),
    ("bank_account", "123-456789-001", "123456789001"),
    ("director", "Wang   Wei", "wang wei"),
    ("device", "AB12CD", "ab12cd"),
    ("ip_address", " 58.1.2.3 ", "58.1.2.3"),
    ("company", "Straße GmbH", "strasse gmbh"),
    ("phone", "n/a", ""),
])
def test_identifier_values_are_normalised(kind: str, value: str, expected: str) -> None:
    assert normalise_identifier(kind, value) == expected


def test_an_unknown_identifier_kind_is_refused() -> None:
    with pytest.raises(IdentifierKindUnknown):
        normalise_identifier("passport", "E1234")
    with pytest.raises(IdentifierKindUnknown):
        RelatedPartyGraph.build([IdentityLink("s1", "passport", "E1234")])


def test_differently_written_identifiers_meet_in_one_node_and_blank_ones_in_none() -> None:
    graph = RelatedPartyGraph.build([
        IdentityLink("s1", "phone", "+86 755 1234 5678"),
        IdentityLink("s2", "phone", "0086 755-12345678"),
        IdentityLink("s2", "phone", "0086 755-12345678"),   # loaded twice: still one edge
        IdentityLink("s3", "email", "   "),
    ])
    assert graph.sellers == ("s1", "s2", "s3")
    assert graph.sellers_holding("phone", "+8675512345678") == ["s1", "s2"]
    assert graph.identifiers_of("s2") == [("phone", "8675512345678")]
    assert graph.identifiers_of("s3") == []
    assert (graph.node_count, graph.edge_count) == (4, 2)


def test_trade_links_aggregate_per_ordered_pair_in_the_direction_money_flows() -> None:
    graph = RelatedPartyGraph.build(
        [IdentityLink("s1", "phone", "1")],
        [_trade("buyer-a", "s1", "10.50"), _trade("buyer-a", "s1", "4.50"),
         _trade("buyer-a", "s1", "1.00", kind="payment"), _trade("s1", "supplier-x", "7")],
        sellers=["s2"])
    assert graph.sellers == ("s1", "s2")
    assert graph.flow("buyer-a", "s1") == TradeFlow("buyer-a", "s1", 3, Decimal("16.00"),
                                                    ("trade", "payment"))
    assert graph.flow("s1", "buyer-a") is None
    assert graph.suppliers_of("s1") == [TradeFlow("s1", "supplier-x", 1, Decimal("7"), ("trade",))]
    assert graph.trade_graph.num_edges() == 2
    assert graph.node_count == 5   # s1, s2, buyer-a, supplier-x, one phone


def test_the_build_restores_the_garbage_collector_even_on_error() -> None:
    assert gc.isenabled()
    with pytest.raises(TradeLinkKindUnknown):
        RelatedPartyGraph.build([], [TradeLink("a", "b", Decimal("1"), "USD", "gift")])
    assert gc.isenabled()


@pytest.mark.parametrize(("link", "error"), [
    (TradeLink("a", "b", Decimal("1"), "EUR", "trade"), TradeCurrencyMismatch),
    (TradeLink("a", "b", Decimal("1"), "USD", "gift"), TradeLinkKindUnknown),
    (TradeLink("a", "b", Decimal("-1"), "USD", "trade"), TradeAmountNegative),
])
def test_trade_links_are_checked(link: TradeLink, error: type[Exception]) -> None:
    with pytest.raises(error):
        RelatedPartyGraph.build([], [link], currency="USD")


# --- fraud rings ------------------------------------------------------------------------------

def _ring_world() -> RelatedPartyGraph:
    links = [
        # Ring A: a chain, a1-a2 through a bank account, a2-a3 through a device.
        IdentityLink("a1", "bank_account", "6222 0000 1111"),
        IdentityLink("a2", "bank_account", "622200001111"),
        IdentityLink("a2", "device", "DEV-9"),
        IdentityLink("a3", "device", "dev-9"),
        # Ring B: two weak identifiers on the same pair make strong evidence.
        IdentityLink("b1", "address", "8 Keji Road, Shenzhen"),
        IdentityLink("b2", "address", "8 keji road,  shenzhen"),
        IdentityLink("b1", "director", "Li Na"),
        IdentityLink("b2", "director", "Li Na"),
        # One shared address alone is chance (a co-working space): no ring.
        IdentityLink("c1", "address", "Unit 5, Hive Coworking"),
        IdentityLink("c2", "address", "Unit 5, Hive Coworking"),
        # A shared director's name alone is chance too.
        IdentityLink("e1", "director", "Wang Wei"),
        IdentityLink("e2", "director", "Wang Wei"),
        # Nor does one name held in two roles by each: it is one person, one coincidence.
        IdentityLink("f1", "director", "Zhang San"),
        IdentityLink("f1", "shareholder", "Zhang San"),
        IdentityLink("f2", "director", "Zhang San"),
        IdentityLink("f2", "shareholder", "Zhang San"),
    ]
    # Hubs: the registered agent's address (10 sellers) and an agency's phone (9 sellers).
    hub_holders = ["a1", "b1", "c1", "d1", "d2", "d3", "d4", "d5", "d6", "d7"]
    links += [IdentityLink(seller, "address", "1 Agent Plaza") for seller in hub_holders]
    links += [IdentityLink(seller, "phone", "+86 20 8888 0000") for seller in hub_holders[1:]]
    return RelatedPartyGraph.build(links)


RING_A = SuspectedRing(sellers=("a1", "a2", "a3"), shared_identifiers=(
    SharedIdentifier("bank_account", "622200001111", ("a1", "a2")),
    SharedIdentifier("device", "dev-9", ("a2", "a3"))))
RING_B = SuspectedRing(sellers=("b1", "b2"), shared_identifiers=(
    SharedIdentifier("address", "8 keji road, shenzhen", ("b1", "b2")),
    SharedIdentifier("director", "li na", ("b1", "b2"))))


def test_rings_need_strong_evidence_and_ignore_hubs() -> None:
    assert find_fraud_rings(_ring_world()) == [RING_A, RING_B]


def test_rings_smaller_than_the_minimum_are_left_out() -> None:
    assert find_fraud_rings(_ring_world(), min_sellers=3) == [RING_A]


def test_a_person_counts_as_strong_only_when_the_caller_says_so() -> None:
    rings = find_fraud_rings(_ring_world(), strong_kinds={"bank_account", "device", "phone", "director"})
    assert [ring.sellers for ring in rings] == [("a1", "a2", "a3"), ("b1", "b2"), ("e1", "e2"), ("f1", "f2")]


def test_a_hub_below_the_threshold_is_evidence_again() -> None:
    rings = find_fraud_rings(_ring_world(), max_identifier_degree=10)
    # The agency phone (strong, 9 sellers) now links its holders; a1 shares only the agent
    # address with them (one weak identifier), so ring A stays apart.
    assert [ring.sellers for ring in rings] == [
        ("b1", "b2", "c1", "d1", "d2", "d3", "d4", "d5", "d6", "d7"), ("a1", "a2", "a3")]


# --- circular trading -----------------------------------------------------------------------

def _cycle_world() -> RelatedPartyGraph:
    links: list[TradeLink] = []
    for length in range(2, 8):
        members = [f"c{length}-{position}" for position in range(length)]
        for position, seller in enumerate(members):
            buyer = members[(position + 1) % length]
            links += [_trade(buyer, seller, "100"), _trade(buyer, seller, "5")]   # buyer pays seller
    links += [
        _trade("x", "x", "1"),                                   # paying oneself is not a cycle
        _trade("x", "outside-buyer", "1"), _trade("outside-buyer", "y", "1"),
        _trade("y", "x", "1"),                                   # closes only through an outsider
        _trade("outside-buyer", "c3-0", "1"), _trade("c3-0", "outside-supplier", "1"),
    ]
    sellers = [link.payee_key for link in links if not link.payee_key.startswith("outside")]
    return RelatedPartyGraph.build([], links, sellers=sellers)


def test_cycles_of_two_to_six_sellers_are_found_once_each_and_seven_is_too_long() -> None:
    cycles = find_circular_trading(_cycle_world())
    # Money goes from buyer to seller, so each seller pays the one before it: c3-0 pays c3-2.
    assert [cycle.sellers for cycle in cycles] == [
        ("c2-0", "c2-1"), ("c3-0", "c3-2", "c3-1"), ("c4-0", "c4-3", "c4-2", "c4-1"),
        ("c5-0", "c5-4", "c5-3", "c5-2", "c5-1"), ("c6-0", "c6-5", "c6-4", "c6-3", "c6-2", "c6-1")]
    three = cycles[1]
    assert three.flows == (TradeFlow("c3-0", "c3-2", 2, Decimal("105"), ("trade",)),
                           TradeFlow("c3-2", "c3-1", 2, Decimal("105"), ("trade",)),
                           TradeFlow("c3-1", "c3-0", 2, Decimal("105"), ("trade",)))
    assert three.smallest_amount == Decimal("105")
    longer = find_circular_trading(_cycle_world(), max_length=7)
    assert [cycle.length for cycle in longer] == [2, 3, 4, 5, 6, 7]
    assert [cycle.length for cycle in find_circular_trading(_cycle_world(), max_length=3)] == [2, 3]


def test_overlapping_cycles_are_each_reported_once() -> None:
    members = ["d", "a", "c", "b"]
    links = [_trade(payer, payee, "1") for payer in members for payee in members if payer != payee]
    graph = RelatedPartyGraph.build([], links, sellers=members)
    cycles = find_circular_trading(graph)
    # A complete digraph on four nodes has 6 two-cycles, 8 three-cycles and 6 four-cycles.
    assert [cycle.length for cycle in cycles] == [2] * 6 + [3] * 8 + [4] * 6
    assert len({cycle.sellers for cycle in cycles}) == 20
    assert all(cycle.sellers[0] == "a" for cycle in cycles if cycle.length == 4)
    assert len(cycles) == len(list(rx.simple_cycles(graph.trade_graph)))
    assert len(find_circular_trading(graph, max_length=3)) == 14
    with pytest.raises(CircularTradingSearchTooLarge):
        find_circular_trading(graph, max_cycles=10)


def test_a_graph_without_seller_loops_has_no_cycles() -> None:
    graph = RelatedPartyGraph.build([], [_trade("buyer", "s1", "1"), _trade("s1", "s2", "1")],
                                    sellers=["s1", "s2"])
    assert find_circular_trading(graph) == []


# --- concentration -----------------------------------------------------------------------------

def test_concentration_shares_are_exact_and_ties_go_to_the_smallest_key() -> None:
    graph = RelatedPartyGraph.build([], [
        _trade("buyer-b", "s", "100"), _trade("buyer-b", "s", "50"), _trade("buyer-c", "s", "50"),
        _trade("buyer-a", "s", "100"), _trade("s", "supplier-1", "10"), _trade("s", "supplier-2", "20"),
        _trade("buyer-x", "t", "70"), _trade("buyer-w", "t", "70"),
    ], sellers=["s", "t", "quiet"])
    concentration = counterparty_concentration(graph, "s")
    assert (concentration.top_customer, concentration.top_customer_share) == ("buyer-b", Decimal("0.5000"))
    assert (concentration.customer_count, concentration.received_amount) == (3, Decimal("300"))
    assert (concentration.top_supplier, concentration.top_supplier_share) == ("supplier-2", Decimal("0.6667"))
    assert (concentration.supplier_count, concentration.paid_amount) == (2, Decimal("30"))
    tied = counterparty_concentration(graph, "t")
    assert (tied.top_customer, tied.top_customer_share) == ("buyer-w", Decimal("0.5000"))
    quiet = counterparty_concentration(graph, "quiet")
    assert (quiet.top_customer, quiet.top_customer_share, quiet.top_supplier, quiet.top_supplier_share) == (
        None, Decimal("0.0000"), None, Decimal("0.0000"))
    with pytest.raises(SellerNotInGraph):
        counterparty_concentration(graph, "buyer-a")


# --- features ----------------------------------------------------------------------------------

def test_features_combine_rings_cycles_and_concentration() -> None:
    graph = RelatedPartyGraph.build(
        [IdentityLink("a", "bank_account", "1"), IdentityLink("b", "bank_account", "1"),
         IdentityLink("a", "address", "x"), IdentityLink("b", "address", "x"),
         IdentityLink("c", "phone", "9")],
        [_trade("a", "b", "30"), _trade("b", "a", "10"), _trade("buyer", "a", "30"),
         _trade("a", "buyer", "1")])
    rings = find_fraud_rings(graph)
    cycles = find_circular_trading(graph)
    features = graph_features(graph, rings, cycles)
    assert sorted(features) == ["a", "b", "c"]
    assert features["a"] == {"ring_size": 2, "shared_identifier_count": 2, "in_circular_trading": 1,
                             "cycle_count": 1, "degree": 4, "top_customer_share": 0.75,
                             "top_supplier_share": 0.9677}
    assert features["c"] == {"ring_size": 0, "shared_identifier_count": 0, "in_circular_trading": 0,
                             "cycle_count": 0, "degree": 1, "top_customer_share": 0.0,
                             "top_supplier_share": 0.0}
    assert all(tuple(values) == FEATURE_NAMES for values in features.values())


# --- neighbourhood -----------------------------------------------------------------------------

def _picture_world() -> RelatedPartyGraph:
    links = [IdentityLink("s1", "phone", "123"), IdentityLink("s2", "phone", "123"),
             IdentityLink("s2", "device", "d2"), IdentityLink("s3", "device", "d2")]
    links += [IdentityLink(f"h{number}", "address", "agent plaza") for number in range(9)]
    links.append(IdentityLink("s1", "address", "agent plaza"))
    trades = [_trade("big-buyer", "s1", "500"), _trade("small-buyer", "s1", "5"), _trade("s1", "s4", "50")]
    return RelatedPartyGraph.build(links, trades, sellers=["s4"])


def test_the_neighbourhood_is_json_with_hubs_drawn_but_not_walked() -> None:
    picture = neighbourhood(_picture_world(), "s1")
    assert picture["seller"] == "s1"
    assert picture["truncated"] is False
    assert [(node["id"], node["kind"], node["depth"], node["hub"]) for node in picture["nodes"]] == [
        ("seller:s1", "seller", 0, False),
        ("address:agent plaza", "address", 1, True),
        ("party:big-buyer", "party", 1, False),
        ("party:small-buyer", "party", 1, False),
        ("phone:123", "phone", 1, False),
        ("seller:s4", "seller", 1, False),
        ("seller:s2", "seller", 2, False),
    ]
    assert picture["nodes"][4]["label"] == "123"
    assert [(edge["source"], edge["target"], edge["kind"]) for edge in picture["edges"]] == [
        ("party:big-buyer", "seller:s1", "money"),
        ("party:small-buyer", "seller:s1", "money"),
        ("seller:s1", "seller:s4", "money"),
        ("seller:s1", "address:agent plaza", "identity"),
        ("seller:s1", "phone:123", "identity"),
        ("seller:s2", "phone:123", "identity"),
    ]
    deeper = neighbourhood(_picture_world(), "s1", depth=3)
    assert [(node["id"], node["depth"]) for node in deeper["nodes"] if node["depth"] == 3] == [
        ("device:d2", 3)]
    money = picture["edges"][0]
    assert (money["amount"], money["currency"], money["count"], money["kinds"]) == (
        "500", "USD", 1, ["trade"])


def test_the_neighbourhood_stops_at_the_limit_and_says_so() -> None:
    picture = neighbourhood(_picture_world(), "s1", depth=3, limit=4)
    assert [node["id"] for node in picture["nodes"]] == [
        "seller:s1", "address:agent plaza", "phone:123", "seller:s4"]
    assert picture["truncated"] is True
    with pytest.raises(SellerNotInGraph):
        neighbourhood(_picture_world(), "big-buyer")
