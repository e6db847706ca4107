"""Rule sets on zen-engine: checking, evaluating, the shipped hard lines and policy, diffs, backtests."""

from __future__ import annotations

import itertools
import json
import threading
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest

from fourflow.risk.rules import (
    HARD_LINES,
    POLICY,
    HardLinesInput,
    HardLinesVerdict,
    PastDecision,
    PolicyInput,
    PolicyVerdict,
    RuleSetDoesNotCompile,
    RuleSetEvaluationFailed,
    RuleSetMalformed,
    backtest,
    compile_rule_set,
    content_hash,
    default_rule_set,
    default_rule_set_source,
    diff_rule_sets,
    reason_message,
)
from fourflow.risk.rules.defaults import REASON_MESSAGES
from fourflow.risk.rules.engine import encode_inputs

# ---------------------------------------------------------------- small documents


def table_node(node_id: str = "table", hit_policy: str = "first", rules: list[dict[str, str]] | None = None,
               **content: Any) -> dict[str, Any]:
    return {"id": node_id, "type": "decisionTableNode", "name": node_id, "content": {
        "hitPolicy": hit_policy,
        "inputs": [{"id": "c-amount", "name": "Amount", "field": "amount"}],
        "outputs": [{"id": "c-band", "name": "Band", "field": "band"}],
        "rules": rules if rules is not None else [
            {"_id": "small", "_description": "Small amounts", "c-amount": "< 100", "c-band": "'small'"},
            {"_id": "large", "c-amount": ">= 100", "c-band": "'large'"},
        ],
        **content,
    }}


def graph(*middle: dict[str, Any]) -> dict[str, Any]:
    nodes = [{"id": "in", "type": "inputNode", "name": "request"}, *middle,
             {"id": "out", "type": "outputNode", "name": "response"}]
    chain = [node["id"] for node in nodes]
    edges = [{"id": f"e{index}", "sourceId": source, "targetId": target, "type": "edge"}
             for index, (source, target) in enumerate(itertools.pairwise(chain))]
    return {"nodes": nodes, "edges": edges}


def hard_lines_input(**changes: Any) -> dict[str, Any]:
    facts = HardLinesInput(sanctions_hit=False, country="DE", company_status="active", history_months=24)
    return {**facts.to_inputs(), **changes}


def policy_input(**changes: Any) -> dict[str, Any]:
    facts = PolicyInput(product="order_financing", grade="B", history_months=24,
                        monthly_sales=Decimal("20000"), requested_amount=Decimal("10000"), has_stock=False,
                        bank_account_age_days=400)
    return {**facts.to_inputs(), **changes}


def hard_lines(**changes: Any) -> HardLinesVerdict:
    return HardLinesVerdict.from_outcome(default_rule_set(HARD_LINES).evaluate(hard_lines_input(**changes)))


def policy(**changes: Any) -> PolicyVerdict:
    return PolicyVerdict.from_outcome(default_rule_set(POLICY).evaluate(policy_input(**changes)))


# ---------------------------------------------------------------- evaluating


def test_a_table_answers_and_traces_the_row_that_fired() -> None:
    compiled = compile_rule_set(graph(table_node()))
    outcome = compiled.evaluate({"amount": Decimal("99.99")})
    assert outcome.outputs == {"band": "small"}
    assert [(rule.node_id, rule.rule_id, rule.rule_index, rule.description) for rule in outcome.fired] == [
        ("table", "small", 0, "Small amounts")]
    assert compiled.evaluate({"amount": 100}).outputs == {"band": "large"}
    assert compiled.evaluate({"amount": 100}).fired[0].description is None


def test_a_collect_table_traces_every_row_in_order() -> None:
    rules = [{"_id": "a", "c-amount": "> 1", "c-band": "'a'"},
             {"_id": "b", "c-amount": "> 5", "c-band": "'b'"},
             {"_id": "c", "c-amount": "> 2", "c-band": "'c'"}]
    node = table_node(hit_policy="collect", rules=rules, outputPath="bands")
    outcome = compile_rule_set(graph(node)).evaluate({"amount": 3})
    assert outcome.outputs == {"bands": [{"band": "a"}, {"band": "c"}]}
    assert [rule.rule_id for rule in outcome.fired] == ["a", "c"]


def test_decimal_inputs_reach_the_engine_exactly() -> None:
    # 0.1 + 0.2 is not 0.3 in binary floating point; the engine must see the decimal the caller meant.
    node = {"id": "sum", "type": "expressionNode", "name": "sum", "content": {"expressions": [
        {"id": "x", "key": "exact", "value": "a + b == 0.3"}]}}
    compiled = compile_rule_set(graph(node), probe_input={"a": 0, "b": 0})
    assert compiled.evaluate({"a": Decimal("0.1"), "b": Decimal("0.2")}).outputs == {"exact": True}


def test_inputs_are_encoded_as_json_with_exact_decimals_dates_and_enum_values() -> None:
    class Grade(Enum):
        B = "B"

    text = encode_inputs({"amount": Decimal("1234.50"), "on": date(2025, 3, 1), "grade": Grade.B,
                          "tags": ("a", 1), "nested": {"ok": True, "none": None}, "ratio": 0.25})
    assert text == ('{"amount":1234.50,"on":"2025-03-01","grade":"B","tags":["a",1],'
                    '"nested":{"ok":true,"none":null},"ratio":0.25}')
    with pytest.raises(ValueError, match="finite"):
        encode_inputs({"amount": Decimal("NaN")})
    with pytest.raises(TypeError, match="set"):
        encode_inputs({"codes": {"a"}})


def test_a_switch_traces_the_branch_it_took() -> None:
    switch = {"id": "switch", "type": "switchNode", "name": "size", "content": {
        "hitPolicy": "first", "statements": [{"id": "big", "condition": "amount > 10"}, {"id": "otherwise",
                                                                                        "condition": ""}]}}
    big = {"id": "big-branch", "type": "expressionNode", "name": "big",
           "content": {"expressions": [{"id": "x", "key": "size", "value": "'big'"}]}}
    small = {"id": "small-branch", "type": "expressionNode", "name": "small",
             "content": {"expressions": [{"id": "x", "key": "size", "value": "'small'"}]}}
    document = {"nodes": [{"id": "in", "type": "inputNode", "name": "request"}, switch, big, small,
                          {"id": "out", "type": "outputNode", "name": "response"}],
                "edges": [{"id": "a", "sourceId": "in", "targetId": "switch"},
                          {"id": "b", "sourceId": "switch", "targetId": "big-branch", "sourceHandle": "big"},
                          {"id": "c", "sourceId": "switch", "targetId": "small-branch",
                           "sourceHandle": "otherwise"},
                          {"id": "d", "sourceId": "big-branch", "targetId": "out"},
                          {"id": "e", "sourceId": "small-branch", "targetId": "out"}]}
    compiled = compile_rule_set(document)
    outcome = compiled.evaluate({"amount": 11})
    assert outcome.outputs == {"size": "big"}
    assert [(rule.node_name, rule.rule_id, rule.rule_index) for rule in outcome.fired] == [("size", "big", 0)]
    assert [rule.rule_id for rule in compiled.evaluate({"amount": 1}).fired] == ["otherwise"]


def test_the_outcome_is_json() -> None:
    outcome = default_rule_set(HARD_LINES).evaluate(hard_lines_input(sanctions_hit=True))
    assert json.loads(json.dumps(outcome.to_dict())) == {
        "outputs": {"outcome": "decline", "reasons": ["sanctions_hit"]},
        "fired": [{"node_id": "hard-lines", "node_name": "hard_lines", "rule_id": "hl-sanctions-hit",
                   "rule_index": 0,
                   "description": "A confirmed match on a sanctions list blocks any business."}]}


def test_a_compiled_rule_set_is_shared_safely_between_threads() -> None:
    compiled = default_rule_set(POLICY)
    failures: list[str] = []

    def work(offset: int) -> None:
        for index in range(200):
            grade = "D" if (index + offset) % 2 else "A"
            reasons = PolicyVerdict.from_outcome(compiled.evaluate(policy_input(grade=grade))).reasons
            if ("grade_d" in reasons) != (grade == "D"):
                failures.append(f"{grade}: {reasons}")

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_a_failure_at_run_time_names_the_node() -> None:
    node = {"id": "calc", "type": "expressionNode", "name": "calc", "content": {"expressions": [
        {"id": "x", "key": "double", "value": "amount * 2"}]}}
    compiled = compile_rule_set(graph(node), probe_input={"amount": 1})
    assert compiled.evaluate({"amount": 2}).outputs == {"double": 4}
    with pytest.raises(RuleSetEvaluationFailed) as raised:
        compiled.evaluate({"amount": "two"})
    assert raised.value.params["node"] == "calc"
    assert raised.value.code == "rule_set_evaluation_failed"


def test_the_content_hash_ignores_key_order_and_spacing() -> None:
    document = graph(table_node())
    reordered = json.loads(json.dumps(document, sort_keys=True))
    assert content_hash(document) == content_hash(reordered)
    assert compile_rule_set(json.dumps(document, indent=4)).content_hash == content_hash(document)
    changed = graph(table_node(rules=[{"_id": "all", "c-amount": "", "c-band": "'any'"}]))
    assert content_hash(changed) != content_hash(document)


# ---------------------------------------------------------------- checking


def malformed(source: Any) -> RuleSetMalformed:
    with pytest.raises(RuleSetMalformed) as raised:
        compile_rule_set(source)
    return raised.value


def does_not_compile(source: Any, **options: Any) -> RuleSetDoesNotCompile:
    with pytest.raises(RuleSetDoesNotCompile) as raised:
        compile_rule_set(source, **options)
    return raised.value


def test_json_errors_give_line_and_column() -> None:
    error = malformed('{\n  "nodes": [\n    {"id": "in",}\n  ]\n}')
    assert str(error) == ("The rule set is not valid JSON: Expecting property name enclosed in double quotes "
                          "at line 3, column 17.")
    assert error.code == "rule_set_malformed"
    assert error.http_status == 422


def test_bytes_must_be_utf8_and_the_top_must_be_a_graph() -> None:
    assert str(malformed(b"\xff{}")) == "The rule set is not UTF-8 text."
    not_a_graph = "The rule set must be a JSON object with a list of nodes and a list of edges."
    assert str(malformed("[]")) == not_a_graph
    assert str(malformed({"nodes": []})) == not_a_graph
    assert "Decimal" in str(malformed({"nodes": [], "edges": [], "x": Decimal(1)}))


def test_exactly_one_input_and_at_least_one_output() -> None:
    no_input = graph(table_node())
    no_input["nodes"][0]["type"] = "outputNode"
    assert str(malformed(no_input)) == "A rule set needs exactly one input node; this one has 0."
    no_output = graph(table_node())
    no_output["nodes"][-1]["type"] = "inputNode"
    assert str(malformed(no_output)) == "A rule set needs exactly one input node; this one has 2."
    only_input = {"nodes": [{"id": "in", "type": "inputNode", "name": "request"}], "edges": []}
    assert str(malformed(only_input)) == "A rule set needs at least one output node."


def test_nodes_need_unique_ids_names_and_a_supported_type() -> None:
    repeated = graph(table_node("in"))
    assert str(malformed(repeated)) == "More than one node has the id in."
    unnamed = graph(table_node())
    del unnamed["nodes"][1]["name"]
    assert str(malformed(unnamed)) == "Node table has no name."
    function = graph({"id": "code", "type": "functionNode", "name": "code", "content": {"source": "x"}})
    error = malformed(function)
    assert str(error) == "Node code has the type functionNode, which this engine does not run."
    assert error.params["node_id"] == "code"


def test_edges_must_join_existing_nodes_without_cycles_and_reach_every_node() -> None:
    dangling = graph(table_node())
    dangling["edges"].append({"id": "lost", "sourceId": "table", "targetId": "nowhere"})
    assert str(malformed(dangling)) == "Edge lost refers to the node nowhere, which does not exist."
    cycle = graph(table_node(), table_node("second"))
    cycle["edges"].append({"id": "back", "sourceId": "second", "targetId": "table"})
    assert str(malformed(cycle)) == "The rule set has a cycle through node table."
    island = graph(table_node())
    island["nodes"].insert(2, table_node("island"))
    assert str(malformed(island)) == "Node island cannot be reached from the input node."


def test_table_contents_are_checked() -> None:
    policy_unknown = graph(table_node(hit_policy="unique"))
    assert str(malformed(policy_unknown)) == "Node table has the hit policy unique; use first or collect."
    no_rules = graph(table_node())
    del no_rules["nodes"][1]["content"]["rules"]
    assert str(malformed(no_rules)) == "Node table: rules is missing or has the wrong type."
    repeated_rule = graph(table_node(rules=[{"_id": "a", "c-band": "1"}, {"_id": "a", "c-band": "2"}]))
    assert str(malformed(repeated_rule)) == "Node table has more than one rule with the id a."
    number_cell = graph(table_node(rules=[{"_id": "a", "c-amount": 5, "c-band": "1"}]))
    assert str(malformed(number_cell)) == "Node table, rule a, column amount: the cell must be text."
    output_without_field = graph(table_node())
    output_without_field["nodes"][1]["content"]["outputs"][0]["field"] = ""
    assert str(malformed(output_without_field)) == "Node table: the output column Band has no field."


def test_a_cell_that_does_not_compile_is_named_by_node_rule_and_column() -> None:
    broken = graph(table_node(rules=[{"_id": "ok", "c-amount": "< 5", "c-band": "'a'"},
                                     {"_id": "broken", "c-amount": "> 5 ((", "c-band": "'b'"}]))
    error = does_not_compile(broken)
    assert str(error) == ("Node table, rule broken, column amount: the expression > 5 (( does not compile "
                          "(Incomplete parser output).")
    assert (error.params["node_id"], error.params["rule"], error.code) == ("table", "broken",
                                                                           "rule_set_does_not_compile")
    bad_output = graph(table_node(rules=[{"_id": "r", "c-amount": "", "c-band": "'unclosed"}]))
    assert does_not_compile(bad_output).params["column"] == "band"


def test_expression_and_switch_compilation_errors_are_named() -> None:
    expression = {"id": "calc", "type": "expressionNode", "name": "calc", "content": {"expressions": [
        {"id": "x", "key": "total", "value": "amount +"}]}}
    error = does_not_compile(graph(expression))
    assert str(error).startswith("Node calc, expression total: amount + does not compile (")
    switch = {"id": "switch", "type": "switchNode", "name": "switch", "content": {"statements": [
        {"id": "s1", "condition": "nosuchfunction(1)"}]}}
    assert does_not_compile(graph(switch)).params["statement"] == "s1"


def test_the_probe_input_surfaces_expressions_that_fail_on_missing_fields() -> None:
    node = {"id": "calc", "type": "expressionNode", "name": "calc", "content": {"expressions": [
        {"id": "x", "key": "double", "value": "amount * 2"}]}}
    error = does_not_compile(graph(node))
    assert str(error) == 'Node calc fails on the probe input: Failed to evaluate expression: "amount * 2"'
    assert error.params["node_id"] == "calc"
    assert compile_rule_set(graph(node), probe_input={"amount": 0}).evaluate({"amount": 3}).outputs == {
        "double": 6}


def test_a_rule_set_must_answer_with_an_object() -> None:
    bare_list = graph(table_node(hit_policy="collect"))
    assert str(does_not_compile(bare_list)) == \
        "Node response [out] fails on the probe input: the result is list, not a JSON object"


# ---------------------------------------------------------------- the shipped hard lines


def test_hard_lines_pass_a_clean_seller() -> None:
    assert hard_lines() == HardLinesVerdict("pass", ())


@pytest.mark.parametrize(("changes", "outcome", "reasons"), [
    ({"sanctions_hit": True}, "decline", ("sanctions_hit",)),
    ({"sanctions_hit": None}, "refer", ("sanctions_not_screened",)),
    ({"country": "KP"}, "decline", ("embargoed_country",)),
    ({"country": "IR"}, "decline", ("embargoed_country",)),
    ({"country": "CU"}, "decline", ("embargoed_country",)),
    ({"country": "UA", "region": "UA-43"}, "decline", ("embargoed_region",)),
    ({"country": "UA", "region": "UA-32"}, "pass", ()),
    ({"country": "UA", "region": "UA-65"}, "refer", ("high_risk_region",)),
    ({"country": "RU"}, "refer", ("high_risk_country",)),
    ({"country": "SY"}, "refer", ("high_risk_country",)),
    ({"country": None}, "refer", ("country_unknown",)),
    ({"company_status": "dissolved"}, "decline", ("company_closed",)),
    ({"company_status": "liquidation"}, "decline", ("company_closed",)),
    ({"company_status": "dormant"}, "refer", ("company_dormant",)),
    ({"company_status": "struck off"}, "refer", ("company_status_unknown",)),
    ({"company_status": None}, "refer", ("company_status_unknown",)),
    ({"history_months": 2}, "decline", ("history_too_short",)),
    ({"history_months": 3}, "observation", ("history_short",)),
    ({"history_months": 5}, "observation", ("history_short",)),
    ({"history_months": 6}, "pass", ()),
    ({"history_months": None}, "refer", ("history_unknown",)),
    ({"in_fraud_ring": True}, "decline", ("fraud_ring",)),
    ({"in_circular_trading": True}, "refer", ("circular_trading",)),
])
def test_each_hard_line(changes: dict[str, Any], outcome: str, reasons: tuple[str, ...]) -> None:
    assert hard_lines(**changes) == HardLinesVerdict(outcome, reasons)  # type: ignore[arg-type]


def test_the_worst_hard_line_wins_and_every_reason_is_kept() -> None:
    assert hard_lines(history_months=4, in_circular_trading=True, sanctions_hit=True) == HardLinesVerdict(
        "decline", ("sanctions_hit", "history_short", "circular_trading"))
    assert hard_lines(history_months=4, company_status="dormant") == HardLinesVerdict(
        "refer", ("company_dormant", "history_short"))


def test_an_empty_input_never_passes_the_hard_lines() -> None:
    verdict = HardLinesVerdict.from_outcome(default_rule_set(HARD_LINES).evaluate({}))
    assert verdict == HardLinesVerdict("refer", ("sanctions_not_screened", "country_unknown",
                                                 "company_status_unknown", "history_unknown"))


# ---------------------------------------------------------------- the shipped policy


@pytest.mark.parametrize("product", ["order_financing", "receivables_financing", "inventory_financing",
                                     "revolving_credit_line"])
def test_policy_accepts_a_good_seller_for_every_product(product: str) -> None:
    assert policy(product=product, grade="A", has_stock=True) == PolicyVerdict(True, False, ())


@pytest.mark.parametrize(("changes", "eligible", "manual_review", "reasons"), [
    ({"product": "crypto_loan"}, False, False, ("product_unknown",)),
    ({"grade": None}, False, False, ("grade_unknown",)),
    ({"grade": "E"}, False, False, ("grade_below_minimum",)),
    ({"grade": "D"}, False, True, ("grade_below_minimum", "grade_d")),
    ({"product": "receivables_financing", "grade": "D"}, True, True, ("grade_d",)),
    ({"product": "revolving_credit_line", "grade": "C"}, False, False, ("grade_below_minimum",)),
    ({"history_months": 5}, False, False, ("history_below_minimum",)),
    ({"product": "receivables_financing", "history_months": 3}, True, False, ()),
    ({"history_months": None}, False, False, ("history_unknown",)),
    ({"monthly_sales": Decimal("1499.99"), "requested_amount": Decimal("100")}, False, False,
     ("sales_below_minimum",)),
    ({"monthly_sales": Decimal("1500.00"), "requested_amount": Decimal("100")}, True, False, ()),
    ({"monthly_sales": None}, False, False, ("sales_unknown",)),
    ({"product": "inventory_financing", "has_stock": False}, False, False, ("no_stock",)),
    ({"product": "inventory_financing", "has_stock": None}, False, False, ("no_stock",)),
    ({"requested_amount": Decimal("40000.00")}, True, False, ()),
    ({"requested_amount": Decimal("40000.01")}, True, True, ("amount_over_sales_multiple",)),
    ({"product": "revolving_credit_line", "grade": "A", "requested_amount": Decimal("30000.01")}, True, True,
     ("amount_over_sales_multiple",)),
    ({"anomaly_flagged": True}, True, True, ("anomaly_flagged",)),
    ({"bank_account_age_days": 29}, True, True, ("new_bank_account",)),
    ({"bank_account_age_days": 30}, True, False, ()),
    ({"new_device": True}, True, True, ("new_device",)),
])
def test_each_policy_rule(changes: dict[str, Any], eligible: bool, manual_review: bool,
                          reasons: tuple[str, ...]) -> None:
    assert policy(**changes) == PolicyVerdict(eligible, manual_review, reasons)


def test_policy_reports_the_product_terms_row_and_every_check_that_fired() -> None:
    outcome = default_rule_set(POLICY).evaluate(policy_input(grade="D", new_device=True))
    assert [(rule.node_name, rule.rule_id) for rule in outcome.fired] == [
        ("product_terms", "terms-order-financing"), ("policy_checks", "policy-grade-below-minimum"),
        ("policy_checks", "policy-grade-d"), ("policy_checks", "policy-new-device")]


def test_every_shipped_reason_code_has_a_message() -> None:
    codes: set[str] = set()
    for name in (HARD_LINES, POLICY):
        for node in json.loads(default_rule_set_source(name))["nodes"]:
            if node["type"] == "decisionTableNode":
                codes |= {json.loads(rule["out-reason"]) for rule in node["content"]["rules"]
                          if rule.get("out-reason")}
    assert codes == set(REASON_MESSAGES)
    assert reason_message("fraud_ring") == "The company is part of a network flagged as a fraud ring."
    assert reason_message("added_later") == "added_later"


def test_verdicts_fail_safe_on_an_edited_rule_set_that_answers_nonsense() -> None:
    node = {"id": "x", "type": "expressionNode", "name": "x", "content": {"expressions": [
        {"id": "a", "key": "outcome", "value": "'maybe'"}]}}
    compiled = compile_rule_set(graph(node))
    assert HardLinesVerdict.from_outcome(compiled.evaluate({})) == HardLinesVerdict("refer", ())
    assert PolicyVerdict.from_outcome(compiled.evaluate({})) == PolicyVerdict(False, True, ())


# ---------------------------------------------------------------- diff


def hard_lines_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(default_rule_set_source(HARD_LINES))
    return document


def rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    table: list[dict[str, Any]] = document["nodes"][1]["content"]["rules"]
    return table


def test_identical_rule_sets_have_no_changes() -> None:
    document = hard_lines_document()
    moved = json.loads(json.dumps(document))
    moved["nodes"][1]["position"] = {"x": 9, "y": 9}  # where a node sits on the canvas is not a rule
    assert diff_rule_sets(document, moved) == []


def test_a_changed_cell_shows_column_and_old_and_new_expression() -> None:
    old = hard_lines_document()
    new = json.loads(json.dumps(old))
    rows(new)[2]["in-country"] = '"KP", "IR", "CU", "VE"'
    [change] = diff_rule_sets(old, new)
    assert change.kind == "rule_changed"
    assert change.describe("en") == "Node hard_lines: rule hl-embargoed-country changed."
    assert [(cell.column, cell.old, cell.new) for cell in change.cells] == [
        ("country", '"KP", "IR", "CU"', '"KP", "IR", "CU", "VE"')]
    assert (change.node_id, change.rule_id) == ("hard-lines", "hl-embargoed-country")


def test_rows_added_removed_and_moved() -> None:
    old = hard_lines_document()
    new = json.loads(json.dumps(old))
    removed = rows(new).pop(14)  # circular trading
    rows(new).insert(0, rows(new).pop(13))  # fraud ring first
    rows(new).append({"_id": "hl-shell", "in-status": '"shell"', "out-outcome": "'decline'",
                      "out-reason": "'shell_company'"})
    changes = diff_rule_sets(old, new)
    assert [(change.kind, change.describe("en")) for change in changes] == [
        ("rule_added", "Node hard_lines: rule hl-shell was added as row 15."),
        ("rule_removed", "Node hard_lines: rule hl-circular-trading was removed."),
        ("rule_moved", "Node hard_lines: rule hl-fraud-ring moved from row 14 to row 1."),
    ]
    assert [(cell.column, cell.old, cell.new) for cell in changes[0].cells] == [
        ("company_status", "", '"shell"'), ("outcome", "", "'decline'"), ("reason", "", "'shell_company'")]
    assert ("reason", '"circular_trading"', "") in [(c.column, c.old, c.new) for c in changes[1].cells]
    assert removed["_id"] == "hl-circular-trading"


def test_node_level_changes() -> None:
    old = hard_lines_document()
    new = json.loads(json.dumps(old))
    new["nodes"][1]["name"] = "red_lines"
    new["nodes"][1]["content"]["hitPolicy"] = "first"
    new["nodes"][1]["content"]["outputs"][1]["field"] = "reason_code"
    new["nodes"][1]["content"]["inputs"].append({"id": "in-pep", "name": "PEP", "field": "is_pep"})
    new["nodes"][2]["content"]["expressions"][1]["value"] = "map(hits, upper(#.reason))"
    new["nodes"][1]["content"]["passThrough"] = True
    messages = [change.describe("en") for change in diff_rule_sets(old, new)]
    assert messages == [
        "Node hard_lines was renamed to red_lines.",
        "Node red_lines: the hit policy changed from collect to first.",
        "Node red_lines: the setting passThrough changed from false to true.",
        "Node red_lines: the column is_pep was added.",
        "Node red_lines: the column reason is now reason_code.",
        "Node verdict: the expression reasons changed from map(hits, #.reason) to map(hits, upper(#.reason))",
    ]


def test_nodes_and_edges_added_and_removed() -> None:
    old = graph(table_node())
    new = graph(table_node(), {"id": "calc", "type": "expressionNode", "name": "calc",
                               "content": {"expressions": [{"id": "x", "key": "y", "value": "1"}]}})
    changes = diff_rule_sets(old, new)
    assert [change.describe("en") for change in changes] == [
        "Node calc was added.",
        "A connection from table to calc was added.",
        "A connection from calc to response was added.",
        "The connection from table to response was removed.",
    ]
    assert [change.kind for change in diff_rule_sets(new, old)][:1] == ["node_removed"]
    assert json.loads(json.dumps([change.to_dict() for change in changes]))[0] == {
        "kind": "node_added", "message": "Node {node} was added.", "params": {"node": "calc"},
        "node_id": "calc", "rule_id": None, "cells": []}


def test_diffs_are_translated_where_shown() -> None:
    old = hard_lines_document()
    new = json.loads(json.dumps(old))
    new["nodes"][1]["name"] = "red_lines"
    [change] = diff_rule_sets(old, new)
    assert change.message == "Node {old} was renamed to {new}."
    assert change.params == {"old": "hard_lines", "new": "red_lines"}


# ---------------------------------------------------------------- backtest


def test_backtest_counts_same_changed_and_failed_decisions() -> None:
    current = default_rule_set(HARD_LINES)
    past_inputs = [hard_lines_input(), hard_lines_input(country="VE"), hard_lines_input(history_months=4),
                   hard_lines_input(country="VE", sanctions_hit=True)]
    past = [PastDecision(f"d{index}", inputs, current.evaluate(inputs).outputs)
            for index, inputs in enumerate(past_inputs)]

    new = hard_lines_document()
    rows(new)[2]["in-country"] = '"KP", "IR", "CU", "VE"'
    report = backtest(compile_rule_set(new), past, headline="outcome")

    assert (report.total, report.same, report.changed, report.failed) == (4, 2, 2, 0)
    assert [(change.decision_id, change.old_outcome, change.new_outcome, change.changed_fields)
            for change in report.changes] == [
        ("d1", {"outcome": "pass", "reasons": []}, {"outcome": "decline", "reasons": ["embargoed_country"]},
         ("outcome", "reasons")),
        ("d3", {"outcome": "decline", "reasons": ["sanctions_hit"]},
         {"outcome": "decline", "reasons": ["sanctions_hit", "embargoed_country"]}, ("reasons",)),
    ]
    assert [rule.rule_id for rule in report.changes[0].fired] == ["hl-embargoed-country"]
    assert report.transitions == {("pass", "decline"): 1}
    assert json.loads(json.dumps(report.to_dict()))["transitions"] == [{"old": "pass", "new": "decline",
                                                                        "count": 1}]


def test_backtest_can_compare_only_chosen_fields_and_lists_failures() -> None:
    node = {"id": "calc", "type": "expressionNode", "name": "calc", "content": {"expressions": [
        {"id": "x", "key": "double", "value": "amount * 2"}, {"id": "y", "key": "note", "value": "'v2'"}]}}
    compiled = compile_rule_set(graph(node), probe_input={"amount": 0})
    past = [PastDecision("a", {"amount": 2}, {"double": 4, "note": "v1"}),
            PastDecision("b", {"amount": 2}, {"double": 5.0, "note": "v1"}),
            PastDecision("c", {"amount": "x"}, {"double": 0})]
    report = backtest(compiled, past, compare=["double"])
    assert (report.total, report.same, report.changed, report.failed) == (3, 1, 1, 1)
    assert report.changes[0].decision_id == "b"
    assert report.failures[0].decision_id == "c"
    assert report.failures[0].problem == 'Failed to evaluate expression: "amount * 2"'
    assert report.transitions == {}


def test_backtest_treats_whole_floats_and_ints_alike_but_not_booleans() -> None:
    node = {"id": "calc", "type": "expressionNode", "name": "calc", "content": {"expressions": [
        {"id": "x", "key": "flag", "value": "true"}, {"id": "y", "key": "count", "value": "2"}]}}
    compiled = compile_rule_set(graph(node))
    report = backtest(compiled, [PastDecision("a", {}, {"flag": True, "count": 2}),
                                 PastDecision("b", {}, {"flag": 1, "count": Decimal("2.0")})])
    assert (report.same, report.changed) == (1, 1)
    assert report.changes[0].changed_fields == ("flag",)
