"""Rule sets as data: a version that doesn't compile is refused and nothing is stored; a new
version is a draft until activated; the diff names the changed cell; activation retires the
previous version and is audited."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.risk import rules
from fourflow.risk.service import rule_sets
from tests.helpers import count


def _hard_lines() -> dict[str, Any]:
    return copy.deepcopy(rules.default_rule_set(rules.HARD_LINES).document)


def _with_history_threshold(document: dict[str, Any], months: str) -> dict[str, Any]:
    table = next(node for node in document["nodes"] if node["type"] == "decisionTableNode")
    rule = next(rule for rule in table["content"]["rules"] if rule["_id"] == "hl-history-too-short")
    rule["in-history"] = months
    return document


def test_the_shipped_version_is_version_one_and_active(session: Session) -> None:
    active = rule_sets.active(session, rules.HARD_LINES)
    assert active.version == 1
    assert active.compiled.content_hash == rules.default_rule_set(rules.HARD_LINES).content_hash
    assert [(v.name, v.version, v.status) for v in rule_sets.list_versions(session)] == [
        ("hard_lines", 1, "active"), ("policy", 1, "active")]


def test_a_rule_set_that_does_not_compile_stores_nothing(session: Session) -> None:
    rule_sets.install_defaults(session)
    before = (count(session, "risk_rule_sets"), count(session, "audit_events"))
    broken = _with_history_threshold(_hard_lines(), "< 3 +")
    with pytest.raises(rules.RuleSetDoesNotCompile) as refused:
        rule_sets.propose(session, AuditContext.system(), rules.HARD_LINES, broken, note=None,
                          created_by_user_id=None)
    assert refused.value.params["rule"] == "hl-history-too-short"
    with pytest.raises(rules.RuleSetMalformed):
        rule_sets.propose(session, AuditContext.system(), rules.HARD_LINES, {"nodes": []}, note=None,
                          created_by_user_id=None)
    with pytest.raises(rule_sets.RuleSetNameUnknown):
        rule_sets.propose(session, AuditContext.system(), "pricing", _hard_lines(), note=None,
                          created_by_user_id=None)
    assert (count(session, "risk_rule_sets"), count(session, "audit_events")) == before


def test_propose_diff_activate(session: Session) -> None:
    context = AuditContext.system()
    stricter = _with_history_threshold(_hard_lines(), "< 6")
    draft = rule_sets.propose(session, context, rules.HARD_LINES, stricter, note="six months minimum",
                              created_by_user_id=None)
    assert (draft.version, draft.status) == (2, "draft")
    assert rule_sets.active(session, rules.HARD_LINES).version == 1  # a draft decides nothing
    changes = rule_sets.diff(session, rules.HARD_LINES, 2)
    assert [(change.kind, change.rule_id) for change in changes] == [("rule_changed", "hl-history-too-short")]
    assert [(cell.column, cell.old, cell.new) for cell in changes[0].cells] == [
        ("history_months", "< 3", "< 6")]
    rule_sets.activate(session, context, rules.HARD_LINES, 2)
    assert rule_sets.active(session, rules.HARD_LINES).version == 2
    assert [(v.version, v.status) for v in rule_sets.list_versions(session, rules.HARD_LINES)] == [
        (2, "active"), (1, "retired")]
    with pytest.raises(rule_sets.RuleSetAlreadyActive):
        rule_sets.activate(session, context, rules.HARD_LINES, 2)
    with pytest.raises(rule_sets.RuleSetRetired):
        rule_sets.activate(session, context, rules.HARD_LINES, 1)
    assert session.execute(text(
        "SELECT action FROM audit_events WHERE action LIKE 'risk:rule_set:%' ORDER BY occurred_at")
    ).scalars().all() == ["risk:rule_set:proposed", "risk:rule_set:activated"]
