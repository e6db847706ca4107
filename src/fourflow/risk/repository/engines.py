"""Which rule-set versions and which credit model are active: one light query per decision (the
documents themselves are read once per process, when a version is first met)."""

from __future__ import annotations

from sqlalchemy import String, cast, literal, null, select, union_all
from sqlalchemy.orm import Session

from fourflow.risk.models import CreditModel, RuleSetVersion

RULE_SET = "rule_set"
MODEL = "model"


def active_versions(session: Session) -> list[tuple[str, str, str, str | None]]:
    """(kind, name, version, content hash) of every active rule set and model."""
    rule_sets = select(literal(RULE_SET).label("kind"), RuleSetVersion.name,
                       cast(RuleSetVersion.version, String).label("version"),
                       RuleSetVersion.content_sha256.label("content_hash")
                       ).where(RuleSetVersion.status == "active")
    models = select(literal(MODEL), CreditModel.name, CreditModel.version, cast(null(), String)
                    ).where(CreditModel.status == "active")
    return [(row[0], row[1], row[2], row[3]) for row in session.execute(union_all(rule_sets, models))]
