"""Compiling a rule set once and evaluating it on every decision.

``compile_rule_set`` checks the document (see ``document``), has GoRules zen-engine build and
validate it, and runs it once on a probe input, so a rule set that cannot run is refused when it
is saved rather than when a seller is waiting.

Speed (zen-engine 2.1.3, measured on this project's 2-core machine): ``ZenDecision.evaluate``
hands every call to the engine's worker thread and costs 0.5-0.7 ms for the policy rule set,
whereas ``ZenEngine.evaluate`` on a static loader holding the same document runs on the calling
thread in about 0.06 ms. So each compiled rule set keeps its own engine whose static loader holds
just that document, and evaluates through it.

Concurrency: the engine keeps no state between evaluations and blocks only the calling thread, so
one compiled rule set is shared by all threads of a process (checked by a test with four threads).
Async code may call ``evaluate`` directly: it is far below a millisecond. Do not use the engine's
``async_evaluate``: in 2.1.3 it crashed the interpreter at exit in our trials.

Inputs are sent as JSON text we write ourselves so that ``Decimal`` amounts reach the engine as
exact decimal numbers (the engine computes in decimals; a Python float would round first).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

import zen

from fourflow.risk.rules import errors
from fourflow.risk.rules.document import (
    DECISION_TABLE_NODE,
    OUTPUT_NODE,
    SWITCH_NODE,
    JdmSource,
    check_expressions,
    check_structure,
    engine_problem,
    node_label,
    parse_document,
)
from fourflow.risk.rules.errors import RuleSetDoesNotCompile, RuleSetEvaluationFailed, RuleSetMalformed


@dataclass(frozen=True, slots=True)
class FiredRule:
    """One decision-table row (or switch branch) that matched, in evaluation order."""

    node_id: str
    node_name: str
    rule_id: str
    rule_index: int  # position in the node's rules (or statements) list, from 0
    description: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"node_id": self.node_id, "node_name": self.node_name, "rule_id": self.rule_id,
                "rule_index": self.rule_index, "description": self.description}


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """What the rule set answered and why: store both with the decision."""

    outputs: dict[str, Any]
    fired: tuple[FiredRule, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"outputs": self.outputs, "fired": [rule.to_dict() for rule in self.fired]}


@dataclass(frozen=True, slots=True)
class _RuleLabel:
    node_name: str
    rule_index: int
    description: str | None


class CompiledRuleSet:
    """A checked rule set with its compiled engine decision, ready for many evaluations."""

    __slots__ = ("_engine", "_labels", "content_hash", "document")

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document  # the checked JDM; treat as read-only
        self.content_hash = content_hash(document)
        self._engine = zen.ZenEngine({"loader": {"type": "static", "content": {_KEY: document}}})
        self._labels = _rule_labels(document)

    def evaluate(self, inputs: Mapping[str, Any]) -> RuleOutcome:
        try:
            response = self._engine.evaluate(_KEY, encode_inputs(inputs), {"trace": True})
        except RuntimeError as exc:
            problem, node_id = engine_problem(exc)
            raise RuleSetEvaluationFailed(node=self._node_label(node_id), node_id=node_id or "",
                                          problem=problem) from exc
        result = response.get("result")
        if not isinstance(result, dict):
            # Outputs are stored and read by name, so a bare list or value (a collect table wired
            # straight to the output, say) is refused and blamed on the output node.
            output = next(node for node in self.document["nodes"] if node["type"] == OUTPUT_NODE)
            raise RuleSetEvaluationFailed(node=node_label(output), node_id=output["id"],
                                          problem=f"the result is {type(result).__name__}, not a JSON object")
        return RuleOutcome(outputs=result, fired=self._fired(response.get("trace") or {}))

    def _node_label(self, node_id: str | None) -> str:
        for node in self.document["nodes"]:
            if node["id"] == node_id:
                return node_label(node)
        return node_id or ""

    def _fired(self, trace: Mapping[str, Any]) -> tuple[FiredRule, ...]:
        fired: list[FiredRule] = []
        for node_id, node_trace in sorted(trace.items(), key=lambda item: item[1].get("order", 0)):
            for rule_id in _matched(node_trace.get("traceData")):
                label = self._labels.get((node_id, rule_id))
                if label is None:
                    continue  # not a table row or branch we know (the engine traces more than rules)
                fired.append(FiredRule(node_id=node_id, node_name=label.node_name, rule_id=rule_id,
                                       rule_index=label.rule_index, description=label.description))
        return tuple(fired)


def compile_rule_set(jdm: JdmSource, *, probe_input: Mapping[str, Any] | None = None) -> CompiledRuleSet:
    """Check and compile a JDM document; raise ``RuleSetMalformed`` or ``RuleSetDoesNotCompile``.

    The probe input (empty by default) is evaluated once: expression nodes must not fail when the
    fields they read are missing, because a live decision with a missing field would fail the same way.
    """
    document = parse_document(jdm)
    check_structure(document)
    check_expressions(document)
    try:
        # Building a decision parses the whole graph; validate() finds what parsing cannot (cycles).
        _validating_engine().create_decision(json.dumps(document)).validate()
    except RuntimeError as exc:
        raise RuleSetMalformed(errors.ENGINE_REFUSED, problem=engine_problem(exc)[0]) from exc
    compiled = CompiledRuleSet(document)
    try:
        compiled.evaluate(probe_input or {})
    except RuleSetEvaluationFailed as exc:
        raise RuleSetDoesNotCompile(errors.PROBE_FAILED, node=exc.params["node"],
                                    node_id=exc.params["node_id"], problem=exc.params["problem"]) from exc
    return compiled


def content_hash(document: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces): the same rules give the same hash,
    whatever the key order or indentation they were saved with."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def encode_inputs(inputs: Mapping[str, Any]) -> str:
    """Rule inputs as JSON text: Decimal as an exact number, dates in ISO 8601, enums by value."""
    return _json_text(inputs)


def _json_text(value: Any) -> str:
    if isinstance(value, Enum):
        value = value.value
    if value is None or isinstance(value, (bool, str)):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"rule inputs must be finite numbers, not {value}")
        return format(value, "f")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"rule inputs must be finite numbers, not {value}")
        return repr(value)
    if isinstance(value, (date, datetime)):
        return json.dumps(value.isoformat())
    if isinstance(value, Mapping):
        parts = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"rule input keys must be text, not {type(key).__name__}")
            parts.append(f"{json.dumps(key)}:{_json_text(item)}")
        return "{" + ",".join(parts) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_json_text(item) for item in value) + "]"
    raise TypeError(f"{type(value).__name__} cannot be a rule input")


_KEY = "rule_set"  # the one key in each compiled rule set's static loader


@cache
def _validating_engine() -> zen.ZenEngine:
    # No loader: a rule set is self-contained (sub-decision nodes are refused by the checker).
    return zen.ZenEngine()


def _rule_labels(document: Mapping[str, Any]) -> dict[tuple[str, str], _RuleLabel]:
    labels: dict[tuple[str, str], _RuleLabel] = {}
    for node in document["nodes"]:
        if node["type"] == DECISION_TABLE_NODE:
            for index, rule in enumerate(node["content"]["rules"]):
                description = rule.get("_description")
                text = description if isinstance(description, str) and description else None
                labels[(node["id"], rule["_id"])] = _RuleLabel(node["name"], index, text)
        elif node["type"] == SWITCH_NODE:
            for index, statement in enumerate(node["content"]["statements"]):
                labels[(node["id"], statement["id"])] = _RuleLabel(node["name"], index, None)
    return labels


def _matched(trace_data: Any) -> list[str]:
    """Ids of the rows or branches a node's trace says matched, in the order they matched.

    A first-hit table traces one ``{"index", "rule": {"_id"}}`` object, a collect table a list of
    them, a switch ``{"statements": [{"id"}]}``.
    """
    if isinstance(trace_data, dict) and isinstance(trace_data.get("statements"), list):
        statements = trace_data["statements"]
        return [str(statement.get("id")) for statement in statements if isinstance(statement, dict)]
    entries = trace_data if isinstance(trace_data, list) else [trace_data]
    return [str(entry["rule"]["_id"]) for entry in entries
            if isinstance(entry, dict) and isinstance(entry.get("rule"), dict) and "_id" in entry["rule"]]
