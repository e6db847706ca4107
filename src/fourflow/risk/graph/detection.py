"""What the related-party graph reveals: fraud rings, circular trading, concentration.

Fraud rings
    Sellers are linked when the evidence that one party controls both is strong enough, and a
    ring is a connected group of linked sellers. Three choices keep honest sellers out:

    1. *Hubs are ignored.* An identifier held by more than ``max_identifier_degree`` sellers
       (a registered-agent address, a marketplace's payout account, a café's Wi-Fi IP, a
       common name) says nothing about common control and would glue thousands of sellers
       into one "ring". Real rings are a handful of companies (3–6 is typical).
    2. *Evidence must be strong.* Two sellers are linked only if they share at least
       ``min_shared_identifiers`` (default 2) distinct identifiers, or one identifier of a
       strong kind (bank account, device, phone: see ``STRONG_IDENTIFIER_KINDS`` for why a
       person's name is not one). One shared address or one shared IP happens by chance
       (co-working spaces, mobile carrier NAT); two independent chance matches on the same
       pair are rare, and a shared receiving account or machine is hardly ever innocent.
    3. *Links are counted per pair, not per ring.* A seller joins a ring only through a
       link of its own, so one weak match to a ring member does not pull it in.

Circular trading
    Money that goes round a loop of sellers (A pays B, B pays C, C pays A) inflates sales that
    no end customer pays. Only platform sellers can close such a loop, so the search keeps the
    seller-to-seller edges, drops sellers without both an incoming and an outgoing one, splits
    what is left into strongly connected components (a cycle never leaves one) and runs a
    depth-bounded search inside each. rustworkx's ``simple_cycles`` (Johnson) has no length
    bound, so it would enumerate every long cycle of a dense component; the bounded search
    here prunes with the distance back to the start and reports each cycle once, rotated to
    start at its smallest seller key.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import rustworkx as rx

from fourflow.risk.graph.errors import CircularTradingSearchTooLarge
from fourflow.risk.graph.identifiers import PERSON_KINDS, STRONG_IDENTIFIER_KINDS
from fourflow.risk.graph.network import RelatedPartyGraph, TradeFlow

DEFAULT_MAX_IDENTIFIER_DEGREE = 8
DEFAULT_MIN_SHARED_IDENTIFIERS = 2
DEFAULT_MAX_CYCLE_LENGTH = 6
DEFAULT_MAX_CYCLES = 100_000
SHARE_QUANTUM = Decimal("0.0001")


# --- fraud rings ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SharedIdentifier:
    kind: str
    value: str                      # normalised
    sellers: tuple[str, ...]        # the ring's sellers holding it, sorted


@dataclass(frozen=True, slots=True)
class SuspectedRing:
    sellers: tuple[str, ...]                         # sorted
    shared_identifiers: tuple[SharedIdentifier, ...]  # sorted by kind, then value

    @property
    def size(self) -> int:
        return len(self.sellers)


def find_fraud_rings(graph: RelatedPartyGraph, *, min_sellers: int = 2,
                     max_identifier_degree: int = DEFAULT_MAX_IDENTIFIER_DEGREE,
                     min_shared_identifiers: int = DEFAULT_MIN_SHARED_IDENTIFIERS,
                     strong_kinds: Collection[str] = STRONG_IDENTIFIER_KINDS) -> list[SuspectedRing]:
    """Groups of at least ``min_sellers`` sellers joined by strong shared-identifier evidence
    (see the module text), largest first, then by their sorted seller keys. Each ring lists
    every non-hub identifier two or more of its sellers hold, weak ones included, as the
    reasons a risk officer reads."""
    identity = graph.identity_graph
    shared: list[tuple[int, list[int]]] = []         # (identifier node, its sellers), non-hub only
    pair_counts: dict[tuple[int, int], int] = {}          # shared identifiers, persons aside
    pair_persons: dict[tuple[int, int], set[str]] = {}    # shared person names, whatever the role
    strong_pairs: set[tuple[int, int]] = set()
    for node in graph.identifier_nodes():
        degree = identity.degree(node)
        if degree < 2 or degree > max_identifier_degree:
            continue
        holders = sorted(identity.neighbors(node))
        shared.append((node, holders))
        kind, value = graph.identifier_of(node)
        strong, person = kind in strong_kinds, kind in PERSON_KINDS
        for position, first in enumerate(holders):
            for second in holders[position + 1:]:
                pair = (first, second)
                if person:
                    pair_persons.setdefault(pair, set()).add(value)
                else:
                    pair_counts[pair] = pair_counts.get(pair, 0) + 1
                if strong:
                    strong_pairs.add(pair)

    parent: dict[int, int] = {}

    def root(seller: int) -> int:
        parent.setdefault(seller, seller)
        while parent[seller] != seller:
            parent[seller] = parent[parent[seller]]   # path halving keeps the trees flat
            seller = parent[seller]
        return seller

    for pair in pair_counts.keys() | pair_persons.keys():
        evidence_count = pair_counts.get(pair, 0) + len(pair_persons.get(pair, ()))
        if evidence_count >= min_shared_identifiers or pair in strong_pairs:
            first, second = root(pair[0]), root(pair[1])
            if first != second:
                parent[max(first, second)] = min(first, second)

    members: dict[int, list[int]] = {}
    for seller in list(parent):
        members.setdefault(root(seller), []).append(seller)
    evidence: dict[int, list[SharedIdentifier]] = {}
    for node, holders in shared:
        by_ring: dict[int, list[int]] = {}
        for seller in holders:
            if seller in parent:
                by_ring.setdefault(root(seller), []).append(seller)
        for ring_root, ring_holders in by_ring.items():
            if len(ring_holders) >= 2:
                kind, value = graph.identifier_of(node)
                evidence.setdefault(ring_root, []).append(SharedIdentifier(
                    kind=kind, value=value,
                    sellers=tuple(sorted(graph.party_key(seller) for seller in ring_holders))))
    rings = [SuspectedRing(sellers=tuple(sorted(graph.party_key(seller) for seller in sellers)),
                           shared_identifiers=tuple(sorted(evidence.get(ring_root, []),
                                                           key=lambda item: (item.kind, item.value))))
             for ring_root, sellers in members.items() if len(sellers) >= min_sellers]
    return sorted(rings, key=lambda ring: (-ring.size, ring.sellers))


# --- circular trading ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TradingCycle:
    """Sellers in the order money flows (each pays the next, the last pays the first),
    starting at the smallest seller key; ``flows[i]`` is sellers[i] → sellers[i + 1]."""

    sellers: tuple[str, ...]
    flows: tuple[TradeFlow, ...]

    @property
    def length(self) -> int:
        return len(self.sellers)

    @property
    def smallest_amount(self) -> Decimal:
        """The amount that went all the way round at most."""
        return min(flow.amount for flow in self.flows)


def find_circular_trading(graph: RelatedPartyGraph, *, max_length: int = DEFAULT_MAX_CYCLE_LENGTH,
                          max_cycles: int = DEFAULT_MAX_CYCLES) -> list[TradingCycle]:
    """Every simple cycle of 2 to ``max_length`` platform sellers in the money-flow graph, once
    each, sorted by length then sellers. Raises ``CircularTradingSearchTooLarge`` past
    ``max_cycles`` rather than run for hours on a pathological, fully meshed component."""
    trade = graph.trade_graph
    sellers = graph.seller_node_count
    successors: dict[int, list[int]] = {}
    has_incoming: set[int] = set()
    for seller in range(sellers):
        targets = [target for target in trade.successor_indices(seller)
                   if target < sellers and target != seller]
        if targets:
            successors[seller] = targets
            has_incoming.update(targets)
    # A seller that only pays sellers, or is only paid by them, cannot be on a loop.
    candidates = sorted(seller for seller in successors if seller in has_incoming)
    if not candidates:
        return []
    local = {seller: position for position, seller in enumerate(candidates)}
    subgraph = rx.PyDiGraph(multigraph=False, node_count_hint=len(candidates))
    subgraph.add_nodes_from([None] * len(candidates))
    subgraph.add_edges_from_no_data([(local[seller], local[target]) for seller in candidates
                                     for target in successors[seller] if target in local])

    cycles: list[tuple[int, ...]] = []
    for component in rx.strongly_connected_components(subgraph):
        if len(component) < 2:
            continue
        nodes = sorted((candidates[position] for position in component), key=graph.party_key)
        for cycle in _bounded_cycles(nodes, successors, max_length):
            cycles.append(cycle)
            if len(cycles) > max_cycles:
                raise CircularTradingSearchTooLarge(limit=max_cycles)

    result = [TradingCycle(sellers=tuple(graph.party_key(seller) for seller in cycle),
                           flows=tuple(_flow_between(graph, payer, payee)
                                       for payer, payee in zip(cycle, cycle[1:] + cycle[:1], strict=True)))
              for cycle in cycles]
    return sorted(result, key=lambda cycle: (cycle.length, cycle.sellers))


def _bounded_cycles(nodes: list[int], successors: dict[int, list[int]],
                    max_length: int) -> Iterator[tuple[int, ...]]:
    """Cycles of one strongly connected component. ``nodes`` are in canonical order; each
    cycle is found from its first node only, by walking nodes later in the order, so it comes
    out exactly once and already rotated."""
    rank = {node: position for position, node in enumerate(nodes)}
    forward = [sorted(rank[target] for target in successors.get(node, ()) if target in rank)
               for node in nodes]
    backward: list[list[int]] = [[] for _ in nodes]
    for source, targets in enumerate(forward):
        for target in targets:
            backward[target].append(source)
    for start in range(len(nodes)):
        # Steps from each later node back to the start, so a path that cannot close within
        # the length bound is cut at once.
        distance = {start: 0}
        frontier = [start]
        steps = 0
        while frontier and steps < max_length - 1:
            steps += 1
            reached = []
            for node in frontier:
                for previous in backward[node]:
                    if previous > start and previous not in distance:
                        distance[previous] = steps
                        reached.append(previous)
            frontier = reached
        if len(distance) < 2:
            continue
        # Depth-first, with one iterator of successors per node on the path.
        path = [start]
        on_path = {start}
        pending = [iter(forward[start])]
        while pending:
            following = next(pending[-1], -1)
            if following == -1:
                pending.pop()
                on_path.discard(path.pop())
            elif following == start:
                if len(path) >= 2:
                    yield tuple(nodes[position] for position in path)
            elif (following > start and following not in on_path
                  and len(path) + distance.get(following, max_length) <= max_length):
                path.append(following)
                on_path.add(following)
                pending.append(iter(forward[following]))


def _flow_between(graph: RelatedPartyGraph, payer: int, payee: int) -> TradeFlow:
    return graph.flow_at(graph.trade_graph.edge_indices_from_endpoints(payer, payee)[0])


# --- concentration -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CounterpartyConcentration:
    """How much of a seller's money in (customers) and out (suppliers) is one party's.
    Shares are of the amounts, rounded half-up to 4 places; 0 and ``None`` when there is no
    flow that way."""

    seller: str
    top_customer: str | None
    top_customer_share: Decimal
    customer_count: int
    received_amount: Decimal
    top_supplier: str | None
    top_supplier_share: Decimal
    supplier_count: int
    paid_amount: Decimal


def counterparty_concentration(graph: RelatedPartyGraph, seller: str) -> CounterpartyConcentration:
    node = graph.seller_node(seller)
    trade = graph.trade_graph
    top_customer, customer_share, customers, received = largest_share(
        graph, [(trade.get_edge_endpoints_by_index(edge)[0], edge) for edge in trade.in_edge_indices(node)])
    top_supplier, supplier_share, suppliers, paid = largest_share(
        graph, [(trade.get_edge_endpoints_by_index(edge)[1], edge) for edge in trade.out_edge_indices(node)])
    return CounterpartyConcentration(
        seller=seller, top_customer=top_customer, top_customer_share=customer_share,
        customer_count=customers, received_amount=received, top_supplier=top_supplier,
        top_supplier_share=supplier_share, supplier_count=suppliers, paid_amount=paid)


def largest_share(graph: RelatedPartyGraph,
                  flows: list[tuple[int, int]]) -> tuple[str | None, Decimal, int, Decimal]:
    """(largest party, its share, number of parties, total) over (party node, edge) pairs.
    Ties go to the smallest party key so the answer does not depend on input order."""
    total = Decimal(0)
    best: tuple[Decimal, str] | None = None
    for party, edge in flows:
        amount = graph.flow_amount_at(edge)
        total += amount
        key = graph.party_key(party)
        if best is None or amount > best[0] or (amount == best[0] and key < best[1]):
            best = (amount, key)
    if best is None:
        return None, Decimal("0.0000"), 0, total
    share = (best[0] / total).quantize(SHARE_QUANTUM, rounding=ROUND_HALF_UP) if total else Decimal("0.0000")
    return best[1], share, len(flows), total
