"""Related-party graph of the risk engine (F12): shared identifiers, money flows, and what they
reveal — suspected fraud rings, circular trading, counterparty concentration — as features
for the scorecard and the rules, and as a picture for the risk console. Pure computation."""

from fourflow.risk.graph.detection import (
    CounterpartyConcentration,
    SharedIdentifier,
    SuspectedRing,
    TradingCycle,
    counterparty_concentration,
    find_circular_trading,
    find_fraud_rings,
)
from fourflow.risk.graph.features import FEATURE_NAMES, graph_features
from fourflow.risk.graph.identifiers import (
    IDENTIFIER_KINDS,
    PERSON_KINDS,
    STRONG_IDENTIFIER_KINDS,
    normalise_identifier,
)
from fourflow.risk.graph.neighbourhood import neighbourhood
from fourflow.risk.graph.network import (
    TRADE_LINK_KINDS,
    IdentityLink,
    RelatedPartyGraph,
    TradeFlow,
    TradeLink,
)

__all__ = [
    "FEATURE_NAMES",
    "IDENTIFIER_KINDS",
    "PERSON_KINDS",
    "STRONG_IDENTIFIER_KINDS",
    "TRADE_LINK_KINDS",
    "CounterpartyConcentration",
    "IdentityLink",
    "RelatedPartyGraph",
    "SharedIdentifier",
    "SuspectedRing",
    "TradeFlow",
    "TradeLink",
    "TradingCycle",
    "counterparty_concentration",
    "find_circular_trading",
    "find_fraud_rings",
    "graph_features",
    "neighbourhood",
    "normalise_identifier",
]
