"""Per-seller graph features for the scorecard and the rules.

The names are a contract (rules and model versions refer to them); add new ones, never rename:

``ring_size``               sellers in the seller's suspected fraud ring, itself included; 0 if none
``shared_identifier_count`` identifiers listed as evidence of that ring which the seller holds; 0 if none
``in_circular_trading``     1 if the seller is on at least one trading cycle, else 0
``cycle_count``             number of trading cycles the seller is on
``degree``                  identifiers the seller holds + distinct trade counterparties (either way)
``top_customer_share``      share of money received that comes from the largest payer (0 if none)
``top_supplier_share``      share of money paid that goes to the largest payee (0 if none)

Shares are ratios, not money, so they travel as floats (the 4-place Decimal rounded once).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from fourflow.risk.graph.detection import SuspectedRing, TradingCycle, largest_share
from fourflow.risk.graph.network import RelatedPartyGraph

FEATURE_NAMES: Final = ("ring_size", "shared_identifier_count", "in_circular_trading", "cycle_count",
                        "degree", "top_customer_share", "top_supplier_share")


def graph_features(graph: RelatedPartyGraph, rings: Sequence[SuspectedRing],
                   cycles: Sequence[TradingCycle]) -> dict[str, dict[str, float | int]]:
    """Features of every platform seller, keyed by seller key, each with all FEATURE_NAMES."""
    ring_size: dict[str, int] = {}
    shared_count: dict[str, int] = {}
    for ring in rings:
        for seller in ring.sellers:
            ring_size[seller] = ring.size
        for identifier in ring.shared_identifiers:
            for seller in identifier.sellers:
                shared_count[seller] = shared_count.get(seller, 0) + 1
    cycle_count: dict[str, int] = {}
    for cycle in cycles:
        for seller in cycle.sellers:
            cycle_count[seller] = cycle_count.get(seller, 0) + 1

    identity, trade = graph.identity_graph, graph.trade_graph
    features: dict[str, dict[str, float | int]] = {}
    for node in range(graph.seller_node_count):
        seller = graph.party_key(node)
        incoming = [(trade.get_edge_endpoints_by_index(edge)[0], edge)
                    for edge in trade.in_edge_indices(node)]
        outgoing = [(trade.get_edge_endpoints_by_index(edge)[1], edge)
                    for edge in trade.out_edge_indices(node)]
        counterparties = {party for party, _ in incoming} | {party for party, _ in outgoing}
        counterparties.discard(node)
        cycles_on = cycle_count.get(seller, 0)
        features[seller] = {
            "ring_size": ring_size.get(seller, 0),
            "shared_identifier_count": shared_count.get(seller, 0),
            "in_circular_trading": 1 if cycles_on else 0,
            "cycle_count": cycles_on,
            "degree": identity.degree(node) + len(counterparties),
            "top_customer_share": float(largest_share(graph, incoming)[1]),
            "top_supplier_share": float(largest_share(graph, outgoing)[1]),
        }
    return features
