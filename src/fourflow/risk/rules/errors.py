"""Rule-set errors, named <Noun><Problem>.

Each class has one default message; the validator passes a more precise msgid (one per kind of
problem, all marked with ``N_`` below) with the node, rule and column as parameters, so a risk
officer reads which cell of which table is wrong in their own language.
"""

from __future__ import annotations

from fourflow.core.errors import FourflowError, ValidationFailed
from fourflow.core.i18n import N_


class RuleSetMalformed(ValidationFailed):
    """The document is not JSON, or not a decision graph we can run (structure)."""

    code = "rule_set_malformed"
    message = N_("The rule set is not a valid decision graph.")


class RuleSetDoesNotCompile(ValidationFailed):
    """The graph is well formed but an expression in it does not compile or fails on a probe input."""

    code = "rule_set_does_not_compile"
    message = N_("The rule set does not compile.")


class RuleSetEvaluationFailed(FourflowError):
    """A compiled rule set failed on a live input: a fault in the rule set or in the inputs we built."""

    code = "rule_set_evaluation_failed"
    http_status = 500
    message = N_("Rule set node {node} failed: {problem}")


# Precise messages, one per problem the validator finds.
NOT_UTF8 = N_("The rule set is not UTF-8 text.")
NOT_JSON = N_("The rule set is not valid JSON: {problem} at line {line}, column {column}.")
NOT_JSON_VALUE = N_("The rule set holds a value that JSON cannot represent: {problem}.")
NOT_AN_OBJECT = N_("The rule set must be a JSON object with a list of nodes and a list of edges.")
NODE_NOT_AN_OBJECT = N_("Node number {position} is not a JSON object.")
NODE_WITHOUT_ID = N_("Node number {position} has no id.")
NODE_ID_REPEATED = N_("More than one node has the id {node_id}.")
NODE_WITHOUT_NAME = N_("Node {node} has no name.")
NODE_TYPE_UNSUPPORTED = N_("Node {node} has the type {node_type}, which this engine does not run.")
INPUT_NODE_COUNT = N_("A rule set needs exactly one input node; this one has {count}.")
OUTPUT_NODE_MISSING = N_("A rule set needs at least one output node.")
EDGE_NOT_AN_OBJECT = N_("Edge number {position} is not a JSON object.")
EDGE_WITHOUT_ID = N_("Edge number {position} has no id.")
EDGE_ID_REPEATED = N_("More than one edge has the id {edge_id}.")
EDGE_UNKNOWN_NODE = N_("Edge {edge_id} refers to the node {node_id}, which does not exist.")
EDGE_UNKNOWN_BRANCH = N_("Edge {edge_id} leaves switch {node} by the branch {branch}, which does not exist.")
GRAPH_HAS_CYCLE = N_("The rule set has a cycle through node {node}.")
NODE_UNREACHABLE = N_("Node {node} cannot be reached from the input node.")
CONTENT_MISSING = N_("Node {node} has no content.")
CONTENT_FIELD_INVALID = N_("Node {node}: {part} is missing or has the wrong type.")
HIT_POLICY_UNKNOWN = N_("Node {node} has the hit policy {hit_policy}; use first or collect.")
COLUMN_ID_REPEATED = N_("Node {node} has more than one column with the id {column}.")
OUTPUT_COLUMN_WITHOUT_FIELD = N_("Node {node}: the output column {column} has no field.")
RULE_WITHOUT_ID = N_("Node {node}: rule number {position} has no _id.")
RULE_ID_REPEATED = N_("Node {node} has more than one rule with the id {rule}.")
CELL_NOT_TEXT = N_("Node {node}, rule {rule}, column {column}: the cell must be text.")

CELL_DOES_NOT_COMPILE = N_(
    "Node {node}, rule {rule}, column {column}: the expression {expression} does not compile ({problem}).")
EXPRESSION_DOES_NOT_COMPILE = N_(
    "Node {node}, expression {key}: {expression} does not compile ({problem}).")
CONDITION_DOES_NOT_COMPILE = N_(
    "Node {node}, condition {statement}: {expression} does not compile ({problem}).")
ENGINE_REFUSED = N_("The rule engine refused the rule set: {problem}")
PROBE_FAILED = N_("Node {node} fails on the probe input: {problem}")
