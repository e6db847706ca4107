"""The engines a new decision runs on: the active hard lines, policy and credit model, found with
one light query; compiled rule sets and parsed models are kept per process by their immutable
versions, so a decision reads no rule documents or model JSON."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from fourflow.risk import rules
from fourflow.risk.repository import engines as repository
from fourflow.risk.service import models, rule_sets


@dataclass(frozen=True, slots=True)
class ActiveEngines:
    hard_lines: rule_sets.ActiveRuleSet
    policy: rule_sets.ActiveRuleSet
    scorer: models.ScorecardScorer


def active_engines(session: Session) -> ActiveEngines:
    """Raises NoActiveCreditModel when no model is active (the rule sets install themselves)."""
    rule_set_versions: dict[str, tuple[int, str | None]] = {}
    model_version: str | None = None
    for kind, name, version, content_hash in repository.active_versions(session):
        if kind == repository.RULE_SET:
            rule_set_versions[name] = (int(version), content_hash)
        elif name == models.PD_MODEL:
            model_version = version

    def rule_set(name: str) -> rule_sets.ActiveRuleSet:
        version, content_hash = rule_set_versions.get(name, (None, None))
        return rule_sets.active_known(session, name, version, content_hash)

    if model_version is None:
        raise models.NoActiveCreditModel()
    return ActiveEngines(rule_set(rules.HARD_LINES), rule_set(rules.POLICY),
                         models.scorer_version(session, model_version))
