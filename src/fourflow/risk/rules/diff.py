"""What changed between two versions of a rule set, in words a risk officer reviews before approving.

Nodes, columns, rows, expressions and switch branches are matched by their ids (the editor keeps
them stable), so a renamed node or an edited cell shows as a change, not as a removal plus an
addition. Edges are matched by what they connect, because editors regenerate edge ids. Row order
matters in a first-hit table, so rows that moved are reported too: the rows outside the longest
common subsequence of the two orders are the ones that moved.

Each change carries a msgid and its parameters (translated where it is shown) plus, for a row,
the cells that changed: column, old expression, new expression.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fourflow.core.i18n import N_, Language, translate
from fourflow.risk.rules.document import (
    DECISION_TABLE_NODE,
    EXPRESSION_NODE,
    SWITCH_NODE,
    JdmSource,
    column_name,
    parse_document,
)

NODE_ADDED = N_("Node {node} was added.")
NODE_REMOVED = N_("Node {node} was removed.")
NODE_RENAMED = N_("Node {old} was renamed to {new}.")
NODE_TYPE_CHANGED = N_("Node {node} changed type from {old} to {new}.")
HIT_POLICY_CHANGED = N_("Node {node}: the hit policy changed from {old} to {new}.")
SETTING_CHANGED = N_("Node {node}: the setting {setting} changed from {old} to {new}.")
COLUMN_ADDED = N_("Node {node}: the column {column} was added.")
COLUMN_REMOVED = N_("Node {node}: the column {column} was removed.")
COLUMN_CHANGED = N_("Node {node}: the column {old} is now {new}.")
RULE_ADDED = N_("Node {node}: rule {rule} was added as row {row}.")
RULE_REMOVED = N_("Node {node}: rule {rule} was removed.")
RULE_CHANGED = N_("Node {node}: rule {rule} changed.")
RULE_MOVED = N_("Node {node}: rule {rule} moved from row {old} to row {new}.")
EXPRESSION_ADDED = N_("Node {node}: the expression {key} was added: {new}")
EXPRESSION_REMOVED = N_("Node {node}: the expression {key} was removed.")
EXPRESSION_CHANGED = N_("Node {node}: the expression {key} changed from {old} to {new}")
CONDITION_ADDED = N_("Node {node}: the branch {statement} was added: {new}")
CONDITION_REMOVED = N_("Node {node}: the branch {statement} was removed.")
CONDITION_CHANGED = N_("Node {node}: the branch {statement} changed from {old} to {new}")
EDGE_ADDED = N_("A connection from {source} to {target} was added.")
EDGE_REMOVED = N_("The connection from {source} to {target} was removed.")

DESCRIPTION_COLUMN = "description"
# Content keys compared one by one elsewhere; any other key is a node setting (passThrough, outputPath …).
_COMPARED_CONTENT = frozenset({"hitPolicy", "inputs", "outputs", "rules", "expressions", "statements"})


@dataclass(frozen=True, slots=True)
class CellChange:
    column: str
    old: str
    new: str

    def to_dict(self) -> dict[str, str]:
        return {"column": self.column, "old": self.old, "new": self.new}


@dataclass(frozen=True, slots=True)
class RuleChange:
    kind: str  # stable code: node_added, rule_changed, edge_removed …
    message: str  # msgid; fill with ``params``
    params: dict[str, str]
    node_id: str | None = None
    rule_id: str | None = None
    cells: tuple[CellChange, ...] = field(default=())

    def describe(self, language: Language | None = None) -> str:
        return translate(self.message, language, **self.params)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "params": self.params, "node_id": self.node_id,
                "rule_id": self.rule_id, "cells": [cell.to_dict() for cell in self.cells]}


def diff_rule_sets(old_jdm: JdmSource, new_jdm: JdmSource) -> list[RuleChange]:
    """The changes that turn ``old_jdm`` into ``new_jdm``: nodes in the new order, removals, then edges."""
    old, new = parse_document(old_jdm), parse_document(new_jdm)
    old_nodes, new_nodes = _by_id(old["nodes"]), _by_id(new["nodes"])
    changes: list[RuleChange] = []
    for node_id, node in new_nodes.items():
        before = old_nodes.get(node_id)
        if before is None:
            changes.append(_change("node_added", NODE_ADDED, node_id, node=_label(node)))
        else:
            changes.extend(_node_changes(before, node))
    for node_id, node in old_nodes.items():
        if node_id not in new_nodes:
            changes.append(_change("node_removed", NODE_REMOVED, node_id, node=_label(node)))
    changes.extend(_edge_changes(old, new, old_nodes, new_nodes))
    return changes


def _change(kind: str, message: str, node_id: str | None, *, rule_id: str | None = None,
            cells: Sequence[CellChange] = (), **params: Any) -> RuleChange:
    return _made(kind, message, node_id, params, rule_id=rule_id, cells=cells)


def _made(kind: str, message: str, node_id: str | None, params: Mapping[str, Any], *,
          rule_id: str | None = None, cells: Sequence[CellChange] = ()) -> RuleChange:
    return RuleChange(kind=kind, message=message, params={key: _text(value) for key, value in params.items()},
                      node_id=node_id, rule_id=rule_id, cells=tuple(cells))


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _by_id(items: Any, key: str = "id") -> dict[str, dict[str, Any]]:
    if not isinstance(items, list):
        return {}
    return {str(item[key]): item for item in items if isinstance(item, dict) and key in item}


def _label(node: Mapping[str, Any]) -> str:
    return str(node.get("name") or node.get("id"))


def _node_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[RuleChange]:
    node_id = str(new["id"])
    changes: list[RuleChange] = []
    if old.get("name") != new.get("name"):
        changes.append(_change("node_renamed", NODE_RENAMED, node_id, old=_label(old), new=_label(new)))
    if old.get("type") != new.get("type"):
        changes.append(_change("node_type_changed", NODE_TYPE_CHANGED, node_id, node=_label(new),
                               old=old.get("type"), new=new.get("type")))
        return changes  # contents of different node types do not compare
    old_content, new_content = _content(old), _content(new)
    label = _label(new)
    if old_content.get("hitPolicy") != new_content.get("hitPolicy"):
        changes.append(_change("hit_policy_changed", HIT_POLICY_CHANGED, node_id, node=label,
                               old=old_content.get("hitPolicy"), new=new_content.get("hitPolicy")))
    for setting in sorted((set(old_content) | set(new_content)) - _COMPARED_CONTENT):
        if old_content.get(setting) != new_content.get(setting):
            changes.append(_change("setting_changed", SETTING_CHANGED, node_id, node=label, setting=setting,
                                   old=old_content.get(setting), new=new_content.get(setting)))
    if new.get("type") == DECISION_TABLE_NODE:
        changes.extend(_table_changes(node_id, label, old_content, new_content))
    elif new.get("type") == EXPRESSION_NODE:
        changes.extend(_keyed_changes(node_id, label, old_content, new_content, "expressions", "value", "key",
                                      ("expression_added", EXPRESSION_ADDED), ("expression_removed",
                                      EXPRESSION_REMOVED), ("expression_changed", EXPRESSION_CHANGED)))
    elif new.get("type") == SWITCH_NODE:
        changes.extend(_keyed_changes(node_id, label, old_content, new_content, "statements", "condition",
                                      None, ("condition_added", CONDITION_ADDED), ("condition_removed",
                                      CONDITION_REMOVED), ("condition_changed", CONDITION_CHANGED)))
    return changes


def _content(node: Mapping[str, Any]) -> dict[str, Any]:
    content = node.get("content")
    return content if isinstance(content, dict) else {}


def _columns(content: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {**_by_id(content.get("inputs")), **_by_id(content.get("outputs"))}


def _table_changes(node_id: str, label: str, old: Mapping[str, Any],
                   new: Mapping[str, Any]) -> list[RuleChange]:
    changes: list[RuleChange] = []
    old_columns, new_columns = _columns(old), _columns(new)
    for column_id, column in new_columns.items():
        before = old_columns.get(column_id)
        if before is None:
            changes.append(_change("column_added", COLUMN_ADDED, node_id, node=label,
                                   column=column_name(column)))
        elif (before.get("field"), before.get("name")) != (column.get("field"), column.get("name")):
            changes.append(_change("column_changed", COLUMN_CHANGED, node_id, node=label,
                                   old=column_name(before), new=column_name(column)))
    for column_id, column in old_columns.items():
        if column_id not in new_columns:
            changes.append(_change("column_removed", COLUMN_REMOVED, node_id, node=label,
                                   column=column_name(column)))

    old_rules, new_rules = _by_id(old.get("rules"), "_id"), _by_id(new.get("rules"), "_id")
    names = {column_id: column_name(column) for column_id, column in {**old_columns, **new_columns}.items()}
    for row, (rule_id, rule) in enumerate(new_rules.items(), start=1):
        before = old_rules.get(rule_id)
        if before is None:
            cells = _cells({}, rule, names)
            changes.append(_change("rule_added", RULE_ADDED, node_id, rule_id=rule_id, cells=cells,
                                   node=label, rule=rule_id, row=row))
            continue
        cells = _cells(before, rule, names)
        if cells:
            changes.append(_change("rule_changed", RULE_CHANGED, node_id, rule_id=rule_id, cells=cells,
                                   node=label, rule=rule_id))
    for rule_id, rule in old_rules.items():
        if rule_id not in new_rules:
            changes.append(_change("rule_removed", RULE_REMOVED, node_id, rule_id=rule_id,
                                   cells=_cells(rule, {}, names), node=label, rule=rule_id))
    changes.extend(_moved_rules(node_id, label, list(old_rules), list(new_rules)))
    return changes


def _cells(old: Mapping[str, Any], new: Mapping[str, Any], names: Mapping[str, str]) -> list[CellChange]:
    cells: list[CellChange] = []
    keys = [key for key in names if key in old or key in new] + ["_description"]
    for key in keys:
        before, after = _cell(old.get(key)), _cell(new.get(key))
        if before != after:
            cells.append(CellChange(column=DESCRIPTION_COLUMN if key == "_description" else names[key],
                                    old=before, new=after))
    return cells


def _cell(value: Any) -> str:
    # A missing cell and an empty one mean the same thing to the engine: "any" (input) or null (output).
    return "" if value is None else _text(value)


def _moved_rules(node_id: str, label: str, old_order: list[str], new_order: list[str]) -> list[RuleChange]:
    common = set(old_order) & set(new_order)
    old_common = [rule_id for rule_id in old_order if rule_id in common]
    new_common = [rule_id for rule_id in new_order if rule_id in common]
    if old_common == new_common:
        return []
    staying = set(_longest_common_subsequence(old_common, new_common))
    old_rows = {rule_id: row for row, rule_id in enumerate(old_order, start=1)}
    return [_change("rule_moved", RULE_MOVED, node_id, rule_id=rule_id, node=label, rule=rule_id,
                    old=old_rows[rule_id], new=row)
            for row, rule_id in enumerate(new_order, start=1) if rule_id in common and rule_id not in staying]


def _longest_common_subsequence(first: Sequence[str], second: Sequence[str]) -> list[str]:
    # Rule tables hold hundreds of rows at most; the quadratic table is fine.
    lengths = [[0] * (len(second) + 1) for _ in range(len(first) + 1)]
    for i in range(len(first) - 1, -1, -1):
        for j in range(len(second) - 1, -1, -1):
            lengths[i][j] = lengths[i + 1][j + 1] + 1 if first[i] == second[j] \
                else max(lengths[i + 1][j], lengths[i][j + 1])
    sequence: list[str] = []
    i = j = 0
    while i < len(first) and j < len(second):
        if first[i] == second[j]:
            sequence.append(first[i])
            i, j = i + 1, j + 1
        elif lengths[i + 1][j] >= lengths[i][j + 1]:
            i += 1
        else:
            j += 1
    return sequence


def _keyed_changes(node_id: str, label: str, old: Mapping[str, Any], new: Mapping[str, Any], items_key: str,
                   value_key: str, name_key: str | None, added: tuple[str, str], removed: tuple[str, str],
                   changed: tuple[str, str]) -> list[RuleChange]:
    """Expressions (named by their key) or switch branches (named by their id) added, removed or edited."""
    name_param = "key" if name_key else "statement"
    old_items, new_items = _by_id(old.get(items_key)), _by_id(new.get(items_key))

    def name(item_id: str, item: Mapping[str, Any]) -> str:
        return str(item.get(name_key) or item_id) if name_key else item_id

    changes: list[RuleChange] = []
    for item_id, item in new_items.items():
        before = old_items.get(item_id)
        params = {"node": label, name_param: name(item_id, item), "new": _cell(item.get(value_key))}
        if before is None:
            changes.append(_made(added[0], added[1], node_id, params))
        elif (before.get(value_key), before.get(name_key) if name_key else None) \
                != (item.get(value_key), item.get(name_key) if name_key else None):
            params["old"] = _cell(before.get(value_key))
            changes.append(_made(changed[0], changed[1], node_id, params))
    for item_id, item in old_items.items():
        if item_id not in new_items:
            params = {"node": label, name_param: name(item_id, item)}
            changes.append(_made(removed[0], removed[1], node_id, params))
    return changes


def _edge_changes(old: Mapping[str, Any], new: Mapping[str, Any], old_nodes: Mapping[str, Any],
                  new_nodes: Mapping[str, Any]) -> list[RuleChange]:
    def ends(document: Mapping[str, Any]) -> list[tuple[str, str, str | None]]:
        seen: list[tuple[str, str, str | None]] = []
        for edge in document["edges"]:
            if isinstance(edge, dict):
                key = (str(edge.get("sourceId")), str(edge.get("targetId")), edge.get("sourceHandle"))
                if key not in seen:
                    seen.append(key)
        return seen

    def endpoint(node_id: str, branch: str | None, nodes: Mapping[str, Any]) -> str:
        node = nodes.get(node_id)
        name = _label(node) if isinstance(node, dict) else node_id
        return f"{name} ({branch})" if branch else name

    old_edges, new_edges = ends(old), ends(new)
    changes: list[RuleChange] = []
    for source, target, branch in new_edges:
        if (source, target, branch) not in old_edges:
            changes.append(_change("edge_added", EDGE_ADDED, None,
                                   source=endpoint(source, branch, new_nodes),
                                   target=endpoint(target, None, new_nodes)))
    for source, target, branch in old_edges:
        if (source, target, branch) not in new_edges:
            changes.append(_change("edge_removed", EDGE_REMOVED, None,
                                   source=endpoint(source, branch, old_nodes),
                                   target=endpoint(target, None, old_nodes)))
    return changes
