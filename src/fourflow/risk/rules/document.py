"""Reading a JDM (GoRules JSON Decision Model) document and checking it before the engine sees it.

The engine's own checks say little ("Invalid JSON") and, worse, a decision-table cell whose
expression does not parse is silently treated as "no match" at run time. A hard line that never
fires is the worst failure a risk engine can have, so every cell is compiled here and a broken
one is refused with the node, the rule and the column named.

Only the node types we can diff, trace and explain are accepted: input, output, decision table,
expression and switch. Function nodes (JavaScript) and sub-decision nodes are refused: the first
are code rather than rules, the second need a loader that would make a stored version depend on
other stored versions.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Mapping
from typing import Any

import zen

from fourflow.risk.rules import errors
from fourflow.risk.rules.errors import RuleSetDoesNotCompile, RuleSetMalformed

INPUT_NODE = "inputNode"
OUTPUT_NODE = "outputNode"
DECISION_TABLE_NODE = "decisionTableNode"
EXPRESSION_NODE = "expressionNode"
SWITCH_NODE = "switchNode"
SUPPORTED_NODE_TYPES = frozenset({INPUT_NODE, OUTPUT_NODE, DECISION_TABLE_NODE, EXPRESSION_NODE, SWITCH_NODE})
HIT_POLICIES = frozenset({"first", "collect"})

JdmSource = bytes | str | Mapping[str, Any]
Node = dict[str, Any]


def parse_document(source: JdmSource) -> dict[str, Any]:
    """The document as plain JSON data (a fresh copy: callers cannot change a compiled set)."""
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RuleSetMalformed(errors.NOT_UTF8) from exc
    if isinstance(source, str):
        try:
            document = json.loads(source)
        except json.JSONDecodeError as exc:
            raise RuleSetMalformed(errors.NOT_JSON, problem=exc.msg, line=exc.lineno,
                                   column=exc.colno) from exc
    else:
        try:
            # A round trip through JSON both copies and proves the mapping is JSON (no Decimal, no sets).
            document = json.loads(json.dumps(source, allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise RuleSetMalformed(errors.NOT_JSON_VALUE, problem=str(exc)) from exc
    if not isinstance(document, dict) or not isinstance(document.get("nodes"), list) \
            or not isinstance(document.get("edges"), list):
        raise RuleSetMalformed(errors.NOT_AN_OBJECT)
    return document


def node_label(node: Mapping[str, Any]) -> str:
    """How a node is named in messages: its name, with the id when they differ."""
    node_id = str(node.get("id", ""))
    name = node.get("name")
    if isinstance(name, str) and name and name != node_id:
        return f"{name} [{node_id}]"
    return node_id


def check_structure(document: Mapping[str, Any]) -> None:
    """Nodes, their contents and the edges form one acyclic graph from a single input."""
    nodes = _check_nodes(document["nodes"])
    input_ids = [node_id for node_id, node in nodes.items() if node["type"] == INPUT_NODE]
    if len(input_ids) != 1:
        raise RuleSetMalformed(errors.INPUT_NODE_COUNT, count=len(input_ids))
    if not any(node["type"] == OUTPUT_NODE for node in nodes.values()):
        raise RuleSetMalformed(errors.OUTPUT_NODE_MISSING)
    successors = _check_edges(document["edges"], nodes)
    _check_acyclic(nodes, successors)
    _check_reachable(nodes, successors, input_ids[0])


def _check_nodes(raw_nodes: list[Any]) -> dict[str, Node]:
    nodes: dict[str, Node] = {}
    for position, node in enumerate(raw_nodes, start=1):
        if not isinstance(node, dict):
            raise RuleSetMalformed(errors.NODE_NOT_AN_OBJECT, position=position)
        node_id = node.get("id")
        if not isinstance(node_id, str) or not node_id:
            raise RuleSetMalformed(errors.NODE_WITHOUT_ID, position=position)
        if node_id in nodes:
            raise RuleSetMalformed(errors.NODE_ID_REPEATED, node_id=node_id)
        name = node.get("name")
        if not isinstance(name, str) or not name:
            raise RuleSetMalformed(errors.NODE_WITHOUT_NAME, node=node_id, node_id=node_id)
        node_type = node.get("type")
        if node_type not in SUPPORTED_NODE_TYPES:
            raise RuleSetMalformed(errors.NODE_TYPE_UNSUPPORTED, node=node_label(node), node_id=node_id,
                                   node_type=str(node_type))
        if node_type == DECISION_TABLE_NODE:
            _check_decision_table(node)
        elif node_type == EXPRESSION_NODE:
            _check_expression_node(node)
        elif node_type == SWITCH_NODE:
            _check_switch(node)
        nodes[node_id] = node
    return nodes


def _content(node: Node) -> dict[str, Any]:
    content = node.get("content")
    if not isinstance(content, dict):
        raise RuleSetMalformed(errors.CONTENT_MISSING, node=node_label(node), node_id=node["id"])
    return content


def _objects(node: Node, content: Mapping[str, Any], key: str,
             required_text: tuple[str, ...]) -> list[dict[str, Any]]:
    """content[key] as a list of objects, each with text under the required keys (non-empty but for
    an expression's value, whose emptiness the compiler reports better)."""
    label = node_label(node)
    items = content.get(key)
    if not isinstance(items, list):
        raise RuleSetMalformed(errors.CONTENT_FIELD_INVALID, node=label, node_id=node["id"], part=key)
    for item in items:
        if not isinstance(item, dict):
            raise RuleSetMalformed(errors.CONTENT_FIELD_INVALID, node=label, node_id=node["id"], part=key)
        for required in required_text:
            value = item.get(required)
            if not isinstance(value, str) or (not value and required != "value"):
                raise RuleSetMalformed(errors.CONTENT_FIELD_INVALID, node=label, node_id=node["id"],
                                       part=f"{key}.{required}")
    return items


def _check_hit_policy(node: Node, content: Mapping[str, Any], default: str | None) -> None:
    hit_policy = content.get("hitPolicy", default)
    if hit_policy not in HIT_POLICIES:
        raise RuleSetMalformed(errors.HIT_POLICY_UNKNOWN, node=node_label(node), node_id=node["id"],
                               hit_policy=str(hit_policy))


def _check_decision_table(node: Node) -> None:
    content = _content(node)
    _check_hit_policy(node, content, default=None)
    inputs = _objects(node, content, "inputs", ("id",))
    outputs = _objects(node, content, "outputs", ("id",))
    label = node_label(node)
    column_ids: set[str] = set()
    for column in (*inputs, *outputs):
        if column["id"] in column_ids:
            raise RuleSetMalformed(errors.COLUMN_ID_REPEATED, node=label, node_id=node["id"],
                                   column=column["id"])
        column_ids.add(column["id"])
        field = column.get("field")
        if field is not None and not isinstance(field, str):
            raise RuleSetMalformed(errors.CONTENT_FIELD_INVALID, node=label, node_id=node["id"],
                                   part=f"{column['id']}.field")
    for column in outputs:
        if not column.get("field"):
            raise RuleSetMalformed(errors.OUTPUT_COLUMN_WITHOUT_FIELD, node=label, node_id=node["id"],
                                   column=column_name(column))
    rules = content.get("rules")
    if not isinstance(rules, list):
        raise RuleSetMalformed(errors.CONTENT_FIELD_INVALID, node=label, node_id=node["id"], part="rules")
    rule_ids: set[str] = set()
    for position, rule in enumerate(rules, start=1):
        rule_id = rule.get("_id") if isinstance(rule, dict) else None
        if not isinstance(rule_id, str) or not rule_id:
            raise RuleSetMalformed(errors.RULE_WITHOUT_ID, node=label, node_id=node["id"], position=position)
        if rule_id in rule_ids:
            raise RuleSetMalformed(errors.RULE_ID_REPEATED, node=label, node_id=node["id"], rule=rule_id)
        rule_ids.add(rule_id)
        for column in (*inputs, *outputs):
            if not isinstance(rule.get(column["id"], ""), str):
                raise RuleSetMalformed(errors.CELL_NOT_TEXT, node=label, node_id=node["id"], rule=rule_id,
                                       column=column_name(column))


def _check_expression_node(node: Node) -> None:
    _objects(node, _content(node), "expressions", ("id", "key", "value"))


def _check_switch(node: Node) -> None:
    content = _content(node)
    _check_hit_policy(node, content, default="first")
    _objects(node, content, "statements", ("id",))
    for statement in content["statements"]:
        if not isinstance(statement.get("condition", ""), str):
            raise RuleSetMalformed(errors.CONTENT_FIELD_INVALID, node=node_label(node), node_id=node["id"],
                                   part="statements.condition")


def _check_edges(raw_edges: list[Any], nodes: Mapping[str, Node]) -> dict[str, list[str]]:
    successors: dict[str, list[str]] = {node_id: [] for node_id in nodes}
    edge_ids: set[str] = set()
    for position, edge in enumerate(raw_edges, start=1):
        if not isinstance(edge, dict):
            raise RuleSetMalformed(errors.EDGE_NOT_AN_OBJECT, position=position)
        edge_id = edge.get("id")
        if not isinstance(edge_id, str) or not edge_id:
            raise RuleSetMalformed(errors.EDGE_WITHOUT_ID, position=position)
        if edge_id in edge_ids:
            raise RuleSetMalformed(errors.EDGE_ID_REPEATED, edge_id=edge_id)
        edge_ids.add(edge_id)
        for end in ("sourceId", "targetId"):
            if edge.get(end) not in nodes:
                raise RuleSetMalformed(errors.EDGE_UNKNOWN_NODE, edge_id=edge_id, node_id=str(edge.get(end)))
        source = nodes[edge["sourceId"]]
        branch = edge.get("sourceHandle")
        if source["type"] == SWITCH_NODE and branch is not None \
                and branch not in {statement["id"] for statement in source["content"]["statements"]}:
            raise RuleSetMalformed(errors.EDGE_UNKNOWN_BRANCH, edge_id=edge_id, node=node_label(source),
                                   node_id=source["id"], branch=str(branch))
        successors[edge["sourceId"]].append(edge["targetId"])
    return successors


def _check_acyclic(nodes: Mapping[str, Node], successors: Mapping[str, list[str]]) -> None:
    # Kahn's algorithm: whatever cannot be peeled off in topological order lies on or behind a cycle.
    incoming = dict.fromkeys(nodes, 0)
    for targets in successors.values():
        for target in targets:
            incoming[target] += 1
    ready = deque(node_id for node_id, count in incoming.items() if count == 0)
    peeled = 0
    while ready:
        node_id = ready.popleft()
        peeled += 1
        for target in successors[node_id]:
            incoming[target] -= 1
            if incoming[target] == 0:
                ready.append(target)
    if peeled < len(nodes):
        stuck = next(node_id for node_id, count in incoming.items() if count > 0)
        raise RuleSetMalformed(errors.GRAPH_HAS_CYCLE, node=node_label(nodes[stuck]), node_id=stuck)


def _check_reachable(nodes: Mapping[str, Node], successors: Mapping[str, list[str]], input_id: str) -> None:
    seen = {input_id}
    queue = deque([input_id])
    while queue:
        for target in successors[queue.popleft()]:
            if target not in seen:
                seen.add(target)
                queue.append(target)
    for node_id, node in nodes.items():
        if node_id not in seen:
            raise RuleSetMalformed(errors.NODE_UNREACHABLE, node=node_label(node), node_id=node_id)


def column_name(column: Mapping[str, Any]) -> str:
    """A column as people know it: its field (what it reads or writes), else its title, else its id."""
    for key in ("field", "name", "id"):
        value = column.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def engine_problem(exc: BaseException) -> tuple[str, str | None]:
    """zen reports errors as a JSON object on the first line, then a Rust backtrace: keep the object's
    message (and the node id when it names one), drop the backtrace."""
    first_line = str(exc).split("\n", 1)[0].strip()
    try:
        reported = json.loads(first_line)
    except ValueError:
        return first_line, None
    if not isinstance(reported, dict):
        return first_line, None
    problem = reported.get("source") or reported.get("message") or reported.get("type") or first_line
    node_id = reported.get("nodeId")
    return str(problem), node_id if isinstance(node_id, str) else None


def check_expressions(document: Mapping[str, Any]) -> None:
    """Compile every expression in the graph (the structure has been checked)."""
    for node in document["nodes"]:
        if node["type"] == DECISION_TABLE_NODE:
            _compile_decision_table(node)
        elif node["type"] == EXPRESSION_NODE:
            for expression in node["content"]["expressions"]:
                problem = _compile_problem(expression["value"], unary=False)
                if problem is not None:
                    raise RuleSetDoesNotCompile(errors.EXPRESSION_DOES_NOT_COMPILE, node=node_label(node),
                                                node_id=node["id"], key=expression["key"],
                                                expression=expression["value"], problem=problem)
        elif node["type"] == SWITCH_NODE:
            for statement in node["content"]["statements"]:
                condition = statement.get("condition", "")
                # An empty condition is the switch's "otherwise" branch.
                problem = _compile_problem(condition, unary=False) if condition.strip() else None
                if problem is not None:
                    raise RuleSetDoesNotCompile(errors.CONDITION_DOES_NOT_COMPILE, node=node_label(node),
                                                node_id=node["id"], statement=statement["id"],
                                                expression=condition, problem=problem)


def _compile_decision_table(node: Node) -> None:
    content = node["content"]
    # An input column bound to a field holds unary tests on that field ("< 3", "\"KP\", \"IR\"");
    # a column without a field holds full expressions over the whole input. Output cells are expressions.
    columns = [(column, bool(column.get("field"))) for column in content["inputs"]]
    columns += [(column, False) for column in content["outputs"]]
    for rule in content["rules"]:
        for column, unary in columns:
            cell = rule.get(column["id"], "")
            if not cell.strip():
                continue  # an empty input cell matches anything; an empty output cell gives null
            problem = _compile_problem(cell, unary=unary)
            if problem is not None:
                raise RuleSetDoesNotCompile(errors.CELL_DOES_NOT_COMPILE, node=node_label(node),
                                            node_id=node["id"], rule=rule["_id"], column=column_name(column),
                                            expression=cell, problem=problem)


def _compile_problem(expression: str, *, unary: bool) -> str | None:
    try:
        if unary:
            zen.compile_unary_expression(expression)
        else:
            zen.compile_expression(expression)
    except RuntimeError as exc:
        return engine_problem(exc)[0]
    return None
