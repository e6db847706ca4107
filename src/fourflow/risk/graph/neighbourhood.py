"""A seller's neighbourhood as JSON for the risk console's picture (an ECharts graph series).

The picture has room for ``limit`` nodes, and a seller with a thousand customers would fill it
with buyers before a single related seller showed. So it is drawn in two passes:

1. the *related-party core*: breadth-first up to ``depth`` steps through identifiers and
   seller-to-seller money flows — the other sellers that share a phone or trade in a loop;
2. then, with the room left, the outside buyers and suppliers of the sellers already drawn,
   largest flows first (they are shown, not walked through).

Identifiers (and outside parties) held by more than ``hub_degree`` sellers are drawn with
``hub: true`` and not walked through, as in ring detection: a registered-agent address would
otherwise pull in hundreds of unrelated sellers.

Node ids are ``seller:<key>``, ``<kind>:<normalised value>`` for identifiers and
``party:<key>`` for outside parties; ``kind`` is ``seller``, ``party`` or the identifier kind,
a code the console translates. Money edges point from payer to payee.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fourflow.risk.graph.detection import DEFAULT_MAX_IDENTIFIER_DEGREE
from fourflow.risk.graph.network import RelatedPartyGraph

_TRADE, _IDENTIFIER = 0, 1     # the two node spaces; sellers live in the trade space
_Node = tuple[int, int]


def neighbourhood(graph: RelatedPartyGraph, seller: str, depth: int = 2, limit: int = 200, *,
                  hub_degree: int = DEFAULT_MAX_IDENTIFIER_DEGREE) -> dict[str, Any]:
    """``{"seller", "nodes", "edges", "truncated"}`` around ``seller``; raises
    ``SellerNotInGraph``. ``truncated`` tells the console that ``limit`` cut the picture."""
    centre = (_TRADE, graph.seller_node(seller))
    depth_of: dict[_Node, int] = {centre: 0}
    truncated = False
    frontier = [centre]
    for level in range(1, depth + 1):
        reached: list[_Node] = []
        for node in frontier:
            if node != centre and _is_hub(graph, node, hub_degree):
                continue
            for neighbour in _core_neighbours(graph, node):
                if neighbour in depth_of:
                    continue
                if len(depth_of) >= limit:
                    truncated = True
                    break
                depth_of[neighbour] = level
                reached.append(neighbour)
        frontier = reached

    outside: list[tuple[int, Decimal, str, _Node]] = []
    for node, level in depth_of.items():
        if node[0] == _TRADE and node[1] < graph.seller_node_count and level < depth:
            for party, amount in _outside_parties(graph, node[1]):
                outside.append((level + 1, -amount, graph.party_key(party), (_TRADE, party)))
    for level, _, _, party_node in sorted(outside):
        if party_node in depth_of:
            continue
        if len(depth_of) >= limit:
            truncated = True
            break
        depth_of[party_node] = level

    nodes = [_node_json(graph, node, level, hub_degree) for node, level in depth_of.items()]
    return {"seller": seller, "nodes": sorted(nodes, key=lambda item: (item["depth"], item["id"])),
            "edges": _edges_json(graph, depth_of), "truncated": truncated}


def _core_neighbours(graph: RelatedPartyGraph, node: _Node) -> list[_Node]:
    """Identifiers and sellers next to a node, identifiers first, each group by id."""
    space, index = node
    sellers = graph.seller_node_count
    if space == _IDENTIFIER:
        holders = sorted(graph.identity_graph.neighbors(index), key=graph.party_key)
        return [(_TRADE, holder) for holder in holders]
    if index >= sellers:
        return []
    identifiers = sorted(graph.identity_graph.neighbors(index), key=graph.identifier_id)
    trading = sorted((other for other in graph.trade_graph.neighbors_undirected(index)
                      if other < sellers and other != index), key=graph.party_key)
    return [(_IDENTIFIER, identifier) for identifier in identifiers] + [(_TRADE, other) for other in trading]


def _outside_parties(graph: RelatedPartyGraph, seller: int) -> list[tuple[int, Decimal]]:
    """(party node, total amount both ways) of the seller's outside counterparties."""
    trade = graph.trade_graph
    totals: dict[int, Decimal] = {}
    for edge in list(trade.in_edge_indices(seller)) + list(trade.out_edge_indices(seller)):
        source, target = trade.get_edge_endpoints_by_index(edge)
        party = source if target == seller else target
        if party >= graph.seller_node_count:
            totals[party] = totals.get(party, Decimal(0)) + graph.flow_amount_at(edge)
    return list(totals.items())


def _is_hub(graph: RelatedPartyGraph, node: _Node, hub_degree: int) -> bool:
    space, index = node
    if space == _IDENTIFIER:
        return bool(graph.identity_graph.degree(index) > hub_degree)
    if index < graph.seller_node_count:
        return False
    return len(graph.trade_graph.neighbors_undirected(index)) > hub_degree


def _node_id(graph: RelatedPartyGraph, node: _Node) -> str:
    space, index = node
    if space == _IDENTIFIER:
        return graph.identifier_id(index)
    prefix = "seller:" if index < graph.seller_node_count else "party:"
    return prefix + graph.party_key(index)


def _node_json(graph: RelatedPartyGraph, node: _Node, level: int, hub_degree: int) -> dict[str, Any]:
    space, index = node
    if space == _IDENTIFIER:
        kind, label = graph.identifier_of(index)
    else:
        kind = "seller" if index < graph.seller_node_count else "party"
        label = graph.party_key(index)
    return {"id": _node_id(graph, node), "label": label, "kind": kind, "depth": level,
            "hub": _is_hub(graph, node, hub_degree)}


def _edges_json(graph: RelatedPartyGraph, drawn: dict[_Node, int]) -> list[dict[str, Any]]:
    edges: list[dict[str, Any]] = []
    for node in drawn:
        space, index = node
        if space != _TRADE:
            continue
        source_id = _node_id(graph, node)
        if index < graph.seller_node_count:
            for identifier in graph.identity_graph.neighbors(index):
                if (_IDENTIFIER, identifier) in drawn:
                    target_id = graph.identifier_id(identifier)
                    edges.append({"id": f"{source_id}|{target_id}", "source": source_id, "target": target_id,
                                  "kind": "identity", "label": ""})
        for edge in graph.trade_graph.out_edge_indices(index):
            target = graph.trade_graph.get_edge_endpoints_by_index(edge)[1]
            if target != index and (_TRADE, target) in drawn:
                flow = graph.flow_at(edge)
                target_id = _node_id(graph, (_TRADE, target))
                amount = format(flow.amount, "f")
                edges.append({"id": f"{source_id}>{target_id}", "source": source_id, "target": target_id,
                              "kind": "money", "kinds": list(flow.kinds), "count": flow.count,
                              "amount": amount, "currency": graph.currency,
                              "label": f"{amount} {graph.currency}"})
    return sorted(edges, key=lambda item: item["id"])
