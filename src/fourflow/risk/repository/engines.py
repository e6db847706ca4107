"""Which rule-set versions and which credit model are active: one light query per decision (the
documents themselves are read once per process, when a version is first met)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, String, cast, func, literal, null, select, union_all

from fourflow.risk.models import CreditModel, RuleSetVersion

RULE_SET = "rule_set"
MODEL = "model"


@cache
def active_versions_column() -> ColumnElement[Any]:
    """``active_versions`` as one labelled scalar subquery (a JSON array of [kind, name, version,
    content hash]), for the decision's one query of everything it reads."""
    active = _active().subquery("active")
    return (select(func.jsonb_agg(func.jsonb_build_array(active.c.kind, active.c.name, active.c.version,
                                                         active.c.content_hash)))
            .correlate(None).scalar_subquery().label("active_versions"))


def _active() -> CompoundSelect[Any]:
    rule_sets = select(literal(RULE_SET).label("kind"), RuleSetVersion.name,
                       cast(RuleSetVersion.version, String).label("version"),
                       RuleSetVersion.content_sha256.label("content_hash")
                       ).where(RuleSetVersion.status == "active")
    models = select(literal(MODEL), CreditModel.name, CreditModel.version, cast(null(), String)
                    ).where(CreditModel.status == "active")
    return union_all(rule_sets, models)
