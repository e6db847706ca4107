"""The related-party graph: who shares an identifier with whom, and who pays whom.

Two rustworkx graphs over one numbering of the platform's sellers:

* ``identity_graph`` — an undirected bipartite ``PyGraph``: seller nodes on one side,
  identifier nodes (``kind:value``, e.g. ``phone:8675512345678``) on the other; an edge means
  "this seller holds this identifier". Duplicate links collapse into one edge.
* ``trade_graph`` — a ``PyDiGraph`` of money flows. **Edges point the way money goes, from
  payer to payee**: a trade link is the buyer paying the seller (buyer → seller), a payment
  link the payer paying the payee. So a seller's in-edges are its customers and its out-edges
  its suppliers. All links between the same ordered pair aggregate into one edge carrying
  the number of links and the sum of their amounts.

Sellers take node indices ``0 .. seller_node_count - 1`` in *both* graphs, so a seller's index
is the same everywhere and "is this node a platform seller?" is one comparison. Identifier
nodes and outside parties (buyers and suppliers that are not sellers on the platform) come
after. Node payloads are left empty and the names live in plain Python lists beside the
graphs; edge amounts and counts live in a list and arrays indexed by edge index. That keeps
the benchmark's million links to about 125 MB resident and makes the bulk construction two
calls into rustworkx.
"""

from __future__ import annotations

import gc
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, NamedTuple

import rustworkx as rx

from fourflow.risk.graph.errors import (
    SellerNotInGraph,
    TradeAmountNegative,
    TradeCurrencyMismatch,
    TradeLinkKindUnknown,
)
from fourflow.risk.graph.identifiers import identifier_node_id, normalise_identifier

TRADE_LINK_KINDS: Final = ("trade", "payment")
_KIND_BITS: Final = {"trade": 1, "payment": 2}


class IdentityLink(NamedTuple):
    """A seller holds an identifier, e.g. ``("acme-toys", "phone", "+86 755 1234 5678")``."""

    seller_key: str
    identifier_kind: str
    identifier_value: str


class TradeLink(NamedTuple):
    """Money going from ``payer_key`` to ``payee_key``. For a sale (``kind="trade"``) the
    payer is the buyer and the payee the seller; for ``kind="payment"`` they are who paid
    whom. Either party may be a platform seller or an outside party."""

    payer_key: str
    payee_key: str
    amount: Decimal
    currency: str
    kind: str


@dataclass(frozen=True, slots=True)
class TradeFlow:
    """Every link from one payer to one payee, aggregated."""

    payer: str
    payee: str
    count: int
    amount: Decimal
    kinds: tuple[str, ...]     # the link kinds seen, in TRADE_LINK_KINDS order


class RelatedPartyGraph:
    """Build with :meth:`build`; the constructor only assembles finished parts."""

    def __init__(self, *, currency: str, party_keys: list[str], seller_node_count: int,
                 identifier_ids: list[str], identity_graph: rx.PyGraph, trade_graph: rx.PyDiGraph,
                 flow_counts: array[int], flow_amounts: list[Decimal], flow_kinds: array[int]) -> None:
        self.currency = currency
        self.seller_node_count = seller_node_count
        self.identity_graph = identity_graph
        self.trade_graph = trade_graph
        self._party_keys = party_keys            # trade node index -> key; sellers first
        self._party_index = {key: index for index, key in enumerate(party_keys)}
        self._identifier_ids = identifier_ids    # identity node index - seller_node_count -> "kind:value"
        self._identifier_index = {node_id: seller_node_count + offset
                                  for offset, node_id in enumerate(identifier_ids)}
        self._flow_counts = flow_counts
        self._flow_amounts = flow_amounts
        self._flow_kinds = flow_kinds

    # --- construction ---------------------------------------------------------------------

    @classmethod
    def build(cls, identity_links: Iterable[IdentityLink], trade_links: Iterable[TradeLink] = (), *,
              sellers: Iterable[str] = (), currency: str = "USD") -> RelatedPartyGraph:
        """Build both graphs in one pass over each input.

        The platform sellers are every ``seller_key`` of the identity links plus ``sellers``
        (for sellers with trade but no identifier loaded). A trade party whose key is not one
        of them is an outside party. Every trade link must already be in ``currency``: amounts
        in different currencies cannot be summed, and converting them is the caller's job
        (it owns the rates and their dates). Raises ``IdentifierKindUnknown``,
        ``TradeLinkKindUnknown``, ``TradeCurrencyMismatch`` or ``TradeAmountNegative``.
        """
        # A million new containers would set off Python's cyclic garbage collector over and
        # over, each pass walking every live object; nothing built here forms a cycle, so it
        # is paused for the build (and restored as it was, even on error).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return cls._build(identity_links, trade_links, sellers=sellers, currency=currency)
        finally:
            if collecting:
                gc.enable()

    @classmethod
    def _build(cls, identity_links: Iterable[IdentityLink], trade_links: Iterable[TradeLink], *,
               sellers: Iterable[str], currency: str) -> RelatedPartyGraph:
        seller_index: dict[str, int] = {}
        identifier_index: dict[str, int] = {}
        holder_column: list[int] = []
        identifier_column: list[int] = []
        for seller_key, kind, value in identity_links:
            normalised = normalise_identifier(kind, value)
            seller = seller_index.setdefault(seller_key, len(seller_index))
            if not normalised:
                continue
            holder_column.append(seller)
            identifier_column.append(identifier_index.setdefault(identifier_node_id(kind, normalised),
                                                                 len(identifier_index)))
        for seller_key in sellers:
            seller_index.setdefault(seller_key, len(seller_index))
        seller_count = len(seller_index)

        # Duplicates are dropped here rather than by a non-multigraph: rustworkx checks each
        # new edge against the node's existing ones there, which is quadratic on a hub.
        held = list(dict.fromkeys(zip(holder_column, identifier_column, strict=True)))
        identity_graph = rx.PyGraph(multigraph=True, node_count_hint=seller_count + len(identifier_index),
                                    edge_count_hint=len(held))
        identity_graph.add_nodes_from([None] * (seller_count + len(identifier_index)))
        identity_graph.add_edges_from_no_data([(seller, seller_count + identifier)
                                               for seller, identifier in held])
        del holder_column, identifier_column, held

        party_index = dict(seller_index)
        slots: dict[int, int] = {}
        # Counts and kind bits in typed arrays: 4 and 1 bytes an edge instead of a pointer each.
        flow_counts = array("I")
        flow_amounts: list[Decimal] = []
        flow_kinds = array("B")
        zero = Decimal(0)
        for payer_key, payee_key, amount, link_currency, kind in trade_links:
            bit = _KIND_BITS.get(kind)
            if bit is None:
                raise TradeLinkKindUnknown(kind=kind)
            if link_currency != currency:
                raise TradeCurrencyMismatch(currency=link_currency, graph_currency=currency)
            if amount < zero:
                raise TradeAmountNegative(payer=payer_key, payee=payee_key)
            payer = party_index.get(payer_key)
            if payer is None:
                payer = party_index[payer_key] = len(party_index)
            payee = party_index.get(payee_key)
            if payee is None:
                payee = party_index[payee_key] = len(party_index)
            key = payer << 32 | payee   # an int, not a tuple: ints are invisible to the cyclic GC
            slot = slots.get(key)
            if slot is None:
                slots[key] = len(flow_counts)
                flow_counts.append(1)
                flow_amounts.append(amount)
                flow_kinds.append(bit)
            else:
                flow_counts[slot] += 1
                flow_amounts[slot] += amount
                flow_kinds[slot] |= bit

        # One edge per ordered pair is guaranteed by the slots, so the graph need not check it.
        trade_graph = rx.PyDiGraph(multigraph=True, node_count_hint=len(party_index),
                                   edge_count_hint=len(slots))
        trade_graph.add_nodes_from([None] * len(party_index))
        # add_edges_from_no_data numbers new edges 0, 1, 2 … in the order given, which is the
        # slots' order, so the flow lists are indexed by edge index.
        trade_graph.add_edges_from_no_data([(key >> 32, key & 0xFFFFFFFF) for key in slots])
        return cls(currency=currency, party_keys=list(party_index), seller_node_count=seller_count,
                   identifier_ids=list(identifier_index), identity_graph=identity_graph,
                   trade_graph=trade_graph, flow_counts=flow_counts,
                   flow_amounts=flow_amounts, flow_kinds=flow_kinds)

    # --- sizes ------------------------------------------------------------------------------

    @property
    def sellers(self) -> tuple[str, ...]:
        """Platform sellers, in node-index order."""
        return tuple(self._party_keys[:self.seller_node_count])

    @property
    def node_count(self) -> int:
        """Distinct nodes: sellers, identifiers and outside parties (sellers counted once)."""
        return self.trade_graph.num_nodes() + len(self._identifier_ids)

    @property
    def edge_count(self) -> int:
        return self.identity_graph.num_edges() + self.trade_graph.num_edges()

    # --- looking things up -----------------------------------------------------------------

    def seller_node(self, seller: str) -> int:
        """The seller's node index (the same in both graphs); ``SellerNotInGraph`` if absent."""
        index = self._party_index.get(seller)
        if index is None or index >= self.seller_node_count:
            raise SellerNotInGraph(seller=seller)
        return index

    def party_node(self, party: str) -> int | None:
        return self._party_index.get(party)

    def party_key(self, node: int) -> str:
        """The key of a trade-graph node (a seller's key for indices below seller_node_count)."""
        return self._party_keys[node]

    def identifier_node(self, kind: str, value: str) -> int | None:
        """The identity-graph node of an identifier given as entered (it is normalised here)."""
        return self._identifier_index.get(identifier_node_id(kind, normalise_identifier(kind, value)))

    def identifier_id(self, node: int) -> str:
        """``kind:value`` of an identity-graph identifier node."""
        return self._identifier_ids[node - self.seller_node_count]

    def identifier_of(self, node: int) -> tuple[str, str]:
        """(kind, normalised value) of an identity-graph identifier node."""
        kind, _, value = self.identifier_id(node).partition(":")
        return kind, value

    def identifier_nodes(self) -> range:
        return range(self.seller_node_count, self.seller_node_count + len(self._identifier_ids))

    def identifiers_of(self, seller: str) -> list[tuple[str, str]]:
        """(kind, normalised value) of every identifier the seller holds, sorted."""
        holder = self.seller_node(seller)
        return sorted(self.identifier_of(node) for node in self.identity_graph.neighbors(holder))

    def sellers_holding(self, kind: str, value: str) -> list[str]:
        node = self.identifier_node(kind, value)
        if node is None:
            return []
        return sorted(self._party_keys[seller] for seller in self.identity_graph.neighbors(node))

    def flow_at(self, edge: int) -> TradeFlow:
        """The aggregated flow of a trade-graph edge index."""
        payer, payee = self.trade_graph.get_edge_endpoints_by_index(edge)
        bits = self._flow_kinds[edge]
        return TradeFlow(payer=self._party_keys[payer], payee=self._party_keys[payee],
                         count=self._flow_counts[edge], amount=self._flow_amounts[edge],
                         kinds=tuple(kind for kind in TRADE_LINK_KINDS if bits & _KIND_BITS[kind]))

    def flow_amount_at(self, edge: int) -> Decimal:
        return self._flow_amounts[edge]

    def flow(self, payer: str, payee: str) -> TradeFlow | None:
        source, target = self._party_index.get(payer), self._party_index.get(payee)
        if source is None or target is None:
            return None
        edges = self.trade_graph.edge_indices_from_endpoints(source, target)
        return self.flow_at(edges[0]) if edges else None

    def customers_of(self, seller: str) -> list[TradeFlow]:
        """Flows into the seller (who pays it), largest amount first, then by payer."""
        flows = [self.flow_at(edge) for edge in self.trade_graph.in_edge_indices(self.seller_node(seller))]
        return sorted(flows, key=lambda flow: (-flow.amount, flow.payer))

    def suppliers_of(self, seller: str) -> list[TradeFlow]:
        """Flows out of the seller (whom it pays), largest amount first, then by payee."""
        flows = [self.flow_at(edge) for edge in self.trade_graph.out_edge_indices(self.seller_node(seller))]
        return sorted(flows, key=lambda flow: (-flow.amount, flow.payee))

