"""Rule sets as data (F10): risk officers propose a new version of a named JDM graph, read its diff
against the active one, back-test it on recent decisions, and activate it — no release needed.
A version that does not compile is refused whole and nothing is stored; stored versions never
change (a change is a new version)."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.core.errors import Conflict, NotFound, ValidationFailed
from fourflow.core.i18n import N_
from fourflow.risk import rules
from fourflow.risk.models import RuleSetVersion
from fourflow.risk.repository import rule_sets as repository


class RuleSetNotFound(NotFound):
    code = "rule_set_not_found"
    message = N_("There is no version {version} of the rule set {name}.")


class RuleSetNameUnknown(ValidationFailed):
    code = "rule_set_name_unknown"
    message = N_("{name} is not a rule set the decision service uses; use one of: {names}.")


class RuleSetAlreadyActive(Conflict):
    code = "rule_set_already_active"
    message = N_("Version {version} of {name} is already active.")


class RuleSetRetired(Conflict):
    code = "rule_set_retired"
    message = N_("Version {version} of {name} was retired; propose it again as a new version.")


@dataclass(frozen=True, slots=True)
class ActiveRuleSet:
    name: str
    version: int
    compiled: rules.CompiledRuleSet


# Compiled engines by content hash: compiling takes milliseconds, a decision must not pay it.
_compiled: dict[str, rules.CompiledRuleSet] = {}
_compiled_lock = threading.Lock()


def active(session: Session, name: str) -> ActiveRuleSet:
    """The active version of a rule set, compiled; version 1 is the shipped default."""
    _check_name(name)
    stored = repository.active_version(session, name)
    if stored is None:
        stored = _install_default(session, name)
    return ActiveRuleSet(name, stored.version, _compile_stored(stored))


def active_known(session: Session, name: str, version: int | None, content_hash: str | None) -> ActiveRuleSet:
    """``active`` for a caller that has already read which version is active: no query when this
    process has compiled that content before."""
    compiled = _compiled.get(content_hash) if content_hash is not None else None
    if version is None or compiled is None:
        return active(session, name)
    return ActiveRuleSet(name, version, compiled)


def propose(session: Session, context: audit.AuditContext, name: str, document: Any, *,
            note: str | None, created_by_user_id: uuid.UUID | None) -> RuleSetVersion:
    """Store a new draft version; raises RuleSetMalformed/RuleSetDoesNotCompile and stores nothing
    when the document is not a working rule set."""
    _check_name(name)
    active(session, name)  # the shipped version 1 exists before anything is proposed after it
    compiled = rules.compile_rule_set(document if isinstance(document, dict | str | bytes)
                                      else json.dumps(document))
    stored = RuleSetVersion(id=uuid.uuid4(), name=name, version=repository.next_version_number(session, name),
                            document=compiled.document, content_sha256=compiled.content_hash, status="draft",
                            note=note, created_by_user_id=created_by_user_id, created_at=get_clock().now(),
                            activated_at=None)
    session.add(stored)
    session.flush()
    audit.record(session, context, "risk:rule_set:proposed", subject_type="risk_rule_set",
                 subject_id=stored.id,
                 after={"name": name, "version": stored.version, "sha256": stored.content_sha256})
    return stored


def activate(session: Session, context: audit.AuditContext, name: str, version: int) -> RuleSetVersion:
    """Make a version the one new decisions use; the one before is retired. Decisions already
    taken keep the version they name."""
    stored = get(session, name, version)
    if stored.status == "active":
        raise RuleSetAlreadyActive(name=name, version=version)
    if stored.status == "retired":
        raise RuleSetRetired(name=name, version=version)
    previous = repository.active_version(session, name)
    repository.retire_active(session, name)
    stored.status = "active"
    stored.activated_at = get_clock().now()
    session.flush()
    audit.record(session, context, "risk:rule_set:activated", subject_type="risk_rule_set",
                 subject_id=stored.id,
                 before={"version": previous.version if previous else None},
                 after={"name": name, "version": version, "sha256": stored.content_sha256})
    return stored


def get(session: Session, name: str, version: int) -> RuleSetVersion:
    _check_name(name)
    if version == 1:
        active(session, name)  # the shipped version exists once anyone looks
    stored = repository.version(session, name, version)
    if stored is None:
        raise RuleSetNotFound(name=name, version=version)
    return stored


def list_versions(session: Session, name: str | None = None) -> list[RuleSetVersion]:
    for known in ([name] if name else rules.DEFAULT_RULE_SET_NAMES):
        active(session, known)
    return repository.versions(session, name)


def diff(session: Session, name: str, version: int, against: int | None = None) -> list[rules.RuleChange]:
    """What ``version`` changes compared with ``against`` (default: the active version)."""
    new = get(session, name, version)
    old = get(session, name, against) if against is not None else (
        repository.active_version(session, name) or new)
    return rules.diff_rule_sets(old.document, new.document)


def backtest(session: Session, name: str, version: int, *, last: int) -> rules.BacktestReport:
    """What this version would have decided on the last ``last`` decisions, against what they
    decided: the stored inputs of that rule set are evaluated again."""
    stored = get(session, name, version)
    past = []
    for decision in repository.recent_decisions(session, last):
        inputs = decision.outputs.get("rule_inputs", {}).get(name)
        outcome = decision.outputs.get("rules", {}).get(name, {}).get("outputs")
        if inputs is not None and outcome is not None:
            past.append(rules.PastDecision(str(decision.id), inputs, outcome))
    headline = "outcome" if name == rules.HARD_LINES else "eligible"
    return rules.backtest(_compile_stored(stored), past, headline=headline)


def install_defaults(session: Session) -> None:
    for name in rules.DEFAULT_RULE_SET_NAMES:
        active(session, name)


def _install_default(session: Session, name: str) -> RuleSetVersion:
    """Version 1 is the shipped rule set; installed the first time it is needed (two first
    decisions at once both try, one inserts)."""
    compiled = rules.default_rule_set(name)
    now = get_clock().now()
    repository.insert_version_if_missing(session, {
        "id": uuid.uuid4(), "name": name, "version": 1, "document": compiled.document,
        "content_sha256": compiled.content_hash, "status": "active", "note": "Shipped with Fourflow",
        "created_by_user_id": None, "created_at": now, "activated_at": now})
    stored = repository.active_version(session, name)
    assert stored is not None
    return stored


def _compile_stored(stored: RuleSetVersion) -> rules.CompiledRuleSet:
    compiled = _compiled.get(stored.content_sha256)
    if compiled is None:
        with _compiled_lock:
            compiled = _compiled.get(stored.content_sha256)
            if compiled is None:
                compiled = _compiled[stored.content_sha256] = rules.compile_rule_set(stored.document)
    return compiled


def _check_name(name: str) -> None:
    if name not in rules.DEFAULT_RULE_SET_NAMES:
        raise RuleSetNameUnknown(field="name", name=name, names=", ".join(rules.DEFAULT_RULE_SET_NAMES))


def compiled_version(session: Session, name: str, version: int) -> rules.CompiledRuleSet:
    """A stored version, compiled (for replaying the decisions that used it)."""
    return _compile_stored(get(session, name, version))
