"""Drift monitoring of the PD scorecard: PSI of a shifted population worked out by hand from the
formula, the status convention, too few sellers, the alert only when the score drifted (and once
per model version), an old card without a reference refused clearly, the model card keeping the
reference at training, the daily job, and the registry API."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.core.clock import get_clock
from fourflow.core.pagination import PageRequest
from fourflow.risk import tasks
from fourflow.risk.models import ModelDriftCheck, RiskAlert
from fourflow.risk.scorecard import drift, metrics
from fourflow.risk.scorecard.errors import DriftReferenceInvalid
from fourflow.risk.scorecard.training import train_scorecard
from fourflow.risk.scorecard.validation import ModelCard, model_card
from fourflow.risk.service import models, monitoring
from tests.helpers import count, organisation_id, sign_in
from tests.risk.drift_helpers import (
    HIGH_REFUNDS_LONG,
    HIGH_REFUNDS_SHORT,
    KINDS,
    LOW_REFUNDS_LONG,
    LOW_REFUNDS_NO_TENURE,
    LOW_REFUNDS_SHORT,
    REFUND_BINS,
    SCORE_BINS,
    SCORE_EDGES,
    TENURE_BINS,
    add_sellers_with_snapshots,
    drift_model,
    drift_reference,
    register_drift_model,
    store,
    training_population,
)

AS_OF = date(2026, 11, 20)
FLOOR = drift.PSI_EMPTY_SHARE
# Half the sellers now have high refunds and short tenure (score 550), a quarter high refunds and
# long tenure (570), six low refunds and long tenure (600), four low refunds and no tenure (585).
SHIFTED = {"high_short": 20, "high_long": 10, "low_long": 6, "low_no_tenure": 4}
# A milder move: the score is worth watching, no characteristic drifted.
MILDER = {"high_short": 16, "high_long": 10, "low_short": 6, "low_long": 8}
UNCHANGED = {"low_short": 10, "low_long": 10, "high_short": 10, "high_long": 10}


def _psi(expected: list[float], actual: list[float]) -> float:
    """The formula, written out: Σ (actual − expected) · ln(actual / expected), empty → 0.0001."""
    return sum((max(a, FLOOR) - max(e, FLOOR)) * math.log(max(a, FLOOR) / max(e, FLOOR))
               for e, a in zip(expected, actual, strict=True))


def _rounded(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)


def _population(kinds: dict[str, int]) -> list[dict[str, float | None]]:
    return [dict(KINDS[kind]) for kind, how_many in kinds.items() for _copy in range(how_many)]


# --- the arithmetic, without a database -----------------------------------------------------------------

def test_psi_of_a_shifted_population_by_hand() -> None:
    result = drift.compare(drift_reference(), drift_model(), _population(SHIFTED))

    # Score buckets: 550 ×20 | 570 ×10 | 600 ×6 and 585 ×4.
    assert result.score.actual == (0.5, 0.25, 0.25)
    score_psi = (0.5 - 0.25) * math.log(0.5 / 0.25) + 0.0 + (0.25 - 0.5) * math.log(0.25 / 0.5)
    assert score_psi == pytest.approx(0.5 * math.log(2), abs=1e-15)
    assert result.score.psi == _rounded(score_psi) == Decimal("0.346574")
    assert (result.score.labels, result.score.status) == (SCORE_BINS, "drifted")
    # Refunds: low 10 of 40, high 30 of 40, none missing.
    refunds = result.characteristics["refund_rate"]
    assert refunds.actual == (0.25, 0.75, 0.0)
    assert refunds.psi == _rounded(_psi([0.5, 0.5, 0.0], [0.25, 0.75, 0.0])) == Decimal("0.274653")
    assert refunds.status == "drifted"
    # Tenure: short 20, long 16, missing 4 — a bin empty in training counts as 0.0001.
    tenure = result.characteristics["tenure_months"]
    assert tenure.actual == (0.5, 0.4, 0.1)
    expected_tenure = (0.4 - 0.5) * math.log(0.4 / 0.5) + (0.1 - FLOOR) * math.log(0.1 / FLOOR)
    assert tenure.psi == _rounded(expected_tenure) == Decimal("0.712399")
    assert (tenure.labels, tenure.status) == (TENURE_BINS, "drifted")
    assert (result.population, result.status) == (40, "drifted")
    assert refunds.as_dict() == {"psi": 0.274653, "status": "drifted", "bins": list(REFUND_BINS),
                                 "expected_shares": [0.5, 0.5, 0.0], "actual_shares": [0.25, 0.75, 0.0]}


def test_a_milder_move_is_watched_and_the_same_population_is_stable() -> None:
    milder = drift.compare(drift_reference(), drift_model(), _population(MILDER))
    assert milder.score.actual == (0.4, 0.25, 0.35)
    assert milder.score.psi == _rounded(_psi([0.25, 0.25, 0.5], [0.4, 0.25, 0.35])) == Decimal("0.124002")
    assert milder.characteristics["refund_rate"].psi == Decimal("0.092856")
    assert milder.characteristics["tenure_months"].psi == Decimal("0.010034")
    assert [(item.status) for item in (milder.score, *milder.characteristics.values())] == [
        "watch", "stable", "stable"]
    assert milder.status == "watch"

    same = drift.compare(drift_reference(), drift_model(), _population(UNCHANGED))
    assert (same.score.psi, same.status) == (Decimal("0.000000"), "stable")
    assert {name: item.psi for name, item in same.characteristics.items()} == {
        "refund_rate": Decimal(0), "tenure_months": Decimal(0)}


def test_a_drifted_characteristic_under_a_stable_score_makes_it_watch() -> None:
    # Tenure goes missing for half the sellers; they score 585, in the same bucket as before.
    population = _population({"high_short": 10, "high_long": 10, "low_no_tenure": 20})
    result = drift.compare(drift_reference(), drift_model(), population)
    assert (result.score.psi, result.score.status) == (Decimal("0.000000"), "stable")
    assert result.characteristics["tenure_months"].status == "drifted"
    assert result.status == "watch"


@pytest.mark.parametrize(("psi", "status"), [
    ("0", "stable"), ("0.099999", "stable"), ("0.1", "watch"), ("0.249999", "watch"), ("0.25", "drifted"),
    ("3.5", "drifted")])
def test_status_follows_the_industry_convention(psi: str, status: str) -> None:
    assert drift.stability_status(Decimal(psi)) == status


def test_the_reference_is_the_training_populations_shares() -> None:
    model = drift_model()
    built = drift.build_reference(model, training_population(), score_edges=SCORE_EDGES)
    assert built == drift_reference()
    assert drift.DriftReference.from_dict(built.to_dict()) == built
    assert built.to_dict()["characteristics"]["refund_rate"] == {"bins": list(REFUND_BINS),
                                                                 "shares": [0.5, 0.5, 0.0]}
    # The same PSI as the metrics module's on raw samples over the same edges.
    training_scores = [model.score(row).score for row in training_population()]
    shifted = _population(SHIFTED)
    new_scores = [model.score(row).score for row in shifted]
    assert sorted(set(new_scores)) == [550, 570, 585, 600]
    assert float(drift.compare(built, model, shifted).score.psi) == pytest.approx(
        metrics.population_stability_index(training_scores, new_scores, edges=SCORE_EDGES), abs=5e-7)


def test_a_reference_that_does_not_fit_the_model_is_refused() -> None:
    reference = drift_reference()
    other = drift.DriftReference(reference.population, reference.score_edges, reference.score_shares,
                                 {"refund_rate": reference.characteristics["refund_rate"]})
    with pytest.raises(DriftReferenceInvalid):
        drift.compare(other, drift_model(), _population(SHIFTED))
    with pytest.raises(DriftReferenceInvalid):
        drift.DriftReference.from_dict(reference.to_dict() | {"format": "something-else"})
    with pytest.raises(DriftReferenceInvalid):
        drift.DriftReference.from_dict(reference.to_dict() | {"score": {"edges": [575.0, 565.0],
                                                                         "shares": [0.3, 0.3, 0.4]}})


def test_scorecard_exposes_the_bin_of_each_value() -> None:
    model = drift_model()
    assert model.bins_of(HIGH_REFUNDS_LONG) == {"refund_rate": 1, "tenure_months": 1}
    assert model.bins_of(LOW_REFUNDS_NO_TENURE) == {"refund_rate": 0, "tenure_months": None}
    assert model.bins_of({}) == {"refund_rate": None, "tenure_months": None}
    assert [model.score(kind).score for kind in (LOW_REFUNDS_SHORT, LOW_REFUNDS_LONG, HIGH_REFUNDS_SHORT,
                                                 HIGH_REFUNDS_LONG, LOW_REFUNDS_NO_TENURE)] == [
        580, 600, 550, 570, 585]


def test_training_keeps_the_reference_in_the_model_card() -> None:
    generator = np.random.default_rng(3)
    rows = 400
    refund_rate = generator.uniform(0, 0.2, rows)
    tenure = generator.integers(1, 60, rows).astype(float)
    bad = (generator.uniform(0, 1, rows) < 0.05 + 2 * refund_rate).astype(int)
    frame = pd.DataFrame({"refund_rate": refund_rate, "tenure_months": tenure})
    training, test = frame.iloc[:300], frame.iloc[300:]
    trained = train_scorecard(training, pd.Series(bad[:300], name="bad"), seed=1)
    card = model_card(trained, training, test, pd.Series(bad[300:], name="bad"), version="drift@test",
                      training_from=date(2025, 1, 1), training_to=date(2025, 12, 31))

    assert card.drift_reference is not None
    reference = drift.DriftReference.from_dict(card.drift_reference)
    model = trained.model
    records = training.to_dict("records")
    assert reference == drift.build_reference(model, records, score_edges=metrics.bucket_edges(
        trained.optbinning_scores(training)))
    assert reference.population == 300
    assert sum(reference.score_shares) == pytest.approx(1.0, abs=1e-12)
    drift.check_matches(reference, model)
    # The training population against itself has not moved at all.
    assert drift.compare(reference, model, records).score.psi == Decimal("0.000000")
    assert ModelCard.from_dict(card.to_dict()) == card


# --- checks stored, alerts and audit --------------------------------------------------------------------

def test_a_drifted_check_is_stored_alerted_once_and_audited(demo: Session) -> None:
    stored = register_drift_model(demo, "pd-drift-1")
    sellers = add_sellers_with_snapshots(demo, SHIFTED, as_of=AS_OF)
    # Only each seller's newest snapshot in the 30 days up to AS_OF counts: an older one of the
    # same seller, a later one, and a seller seen only 30 days before are all left out.
    store(demo, sellers[0], AS_OF - timedelta(days=10), LOW_REFUNDS_LONG)
    store(demo, sellers[1], AS_OF + timedelta(days=1), LOW_REFUNDS_LONG)
    add_sellers_with_snapshots(demo, {"low_long": 3}, as_of=AS_OF - timedelta(days=30), prefix="stale")

    check = monitoring.check_drift(demo, AuditContext.system(), as_of=AS_OF)

    assert (check.model_id, check.model_version, check.as_of) == (stored.id, "pd-drift-1", AS_OF)
    assert (check.population, check.score_psi, check.status) == (40, Decimal("0.346574"), "drifted")
    assert check.score == {"psi": 0.346574, "status": "drifted", "bins": list(SCORE_BINS),
                           "expected_shares": [0.25, 0.25, 0.5], "actual_shares": [0.5, 0.25, 0.25]}
    assert {name: (item["psi"], item["status"]) for name, item in check.characteristics.items()} == {
        "refund_rate": (0.274653, "drifted"), "tenure_months": (0.712399, "drifted")}
    demo.expire_all()
    reread = demo.execute(select(ModelDriftCheck).where(ModelDriftCheck.id == check.id)).scalar_one()
    assert (reread.score_psi, reread.characteristics["tenure_months"]["actual_shares"]) == (
        Decimal("0.346574"), [0.5, 0.4, 0.1])

    alerts = demo.execute(select(RiskAlert).where(RiskAlert.kind == "model_drift")).scalars().all()
    assert len(alerts) == 1
    alert = alerts[0]
    assert (str(alert.seller_organisation_id), alert.severity, alert.resolved_at) == (
        organisation_id(demo, "fourflow"), "critical", None)
    assert alert.details == {"model_version": "pd-drift-1", "check_id": str(check.id), "as_of": "2026-11-20",
                             "score_psi": "0.346574", "characteristics": ["tenure_months", "refund_rate"]}
    event = demo.execute(text(
        "SELECT actor_type, subject_type, subject_id, after FROM audit_events "
        "WHERE action = 'risk:model:drift_checked'")).one()
    assert (event.actor_type, event.subject_type, event.subject_id) == (
        "system", "risk_model", str(stored.id))
    assert event.after == {"version": "pd-drift-1", "check_id": str(check.id), "as_of": "2026-11-20",
                           "population": 40, "score_psi": "0.346574", "status": "drifted",
                           "alert_id": str(alert.id)}

    # Drifted again the next day: a second check, but the open alert stands for both.
    again = monitoring.check_drift(demo, AuditContext.system(), as_of=AS_OF + timedelta(days=1))
    assert (again.status, again.population) == ("drifted", 40)
    assert count(demo, "risk_alerts WHERE kind = 'model_drift'") == 1
    page = monitoring.drift_checks(demo, "pd-drift-1", PageRequest(page=1, page_size=1))
    assert (page.total, page.pages, [item.id for item in page.items]) == (2, 2, [again.id])


def test_watch_and_stable_checks_raise_no_alert(demo: Session) -> None:
    register_drift_model(demo, "pd-drift-2")
    add_sellers_with_snapshots(demo, MILDER, as_of=AS_OF)
    watched = monitoring.check_drift(demo, AuditContext.system(), as_of=AS_OF)
    assert (watched.status, watched.score_psi) == ("watch", Decimal("0.124002"))
    assert count(demo, "risk_alerts WHERE kind = 'model_drift'") == 0


def test_too_few_sellers_is_insufficient_data_not_an_error(demo: Session) -> None:
    register_drift_model(demo, "pd-drift-3")
    add_sellers_with_snapshots(demo, {"high_short": monitoring.MINIMUM_POPULATION - 1}, as_of=AS_OF)
    check = monitoring.check_drift(demo, AuditContext.system(), as_of=AS_OF)
    assert (check.population, check.status, check.score_psi, check.score, check.characteristics) == (
        29, "insufficient_data", None, None, {})
    assert count(demo, "risk_alerts WHERE kind = 'model_drift'") == 0
    assert count(demo, "audit_events WHERE action = 'risk:model:drift_checked'") == 1
    # Thirty sellers are enough; all of them in the lowest bucket is a drift.
    add_sellers_with_snapshots(demo, {"high_short": 1}, as_of=AS_OF, prefix="thirtieth")
    enough = monitoring.check_drift(demo, AuditContext.system(), as_of=AS_OF)
    assert (enough.population, enough.status) == (30, "drifted")
    assert enough.score_psi == _rounded(_psi([0.25, 0.25, 0.5], [1.0, 0.0, 0.0]))


def test_an_old_card_without_a_reference_is_a_clear_error(demo: Session) -> None:
    register_drift_model(demo, "pd-old-1", with_reference=False)
    add_sellers_with_snapshots(demo, SHIFTED, as_of=AS_OF)
    before = (count(demo, "risk_model_drift_checks"), count(demo, "audit_events"))
    with pytest.raises(monitoring.DriftReferenceMissing) as refused:
        monitoring.check_drift(demo, AuditContext.system(), as_of=AS_OF)
    assert str(refused.value) == ("Credit model version pd-old-1 has no drift reference; "
                                  "retrain it to monitor drift.")
    assert (count(demo, "risk_model_drift_checks"), count(demo, "audit_events")) == before


def test_no_active_model_is_refused_and_the_job_waits_for_one(demo: Session) -> None:
    with pytest.raises(models.NoActiveCreditModel):
        monitoring.check_drift(demo, AuditContext.system(), as_of=AS_OF)
    assert monitoring.scheduled_check(demo, AuditContext.system(), as_of=AS_OF) is None


def test_the_daily_job_checks_once_per_model_version_and_day(demo: Session) -> None:
    registered = tasks.blueprint.periodic_registry.periodic_tasks.values()
    # Once the job app has taken the blueprint (another test may have built it in this process),
    # the task's name carries the "risk:" namespace.
    periodic = [(task.task.name.removeprefix("risk:"), task.cron) for task in registered]
    assert periodic == [("check_model_drift", "0 3 * * *")]
    register_drift_model(demo, "pd-drift-4")
    add_sellers_with_snapshots(demo, UNCHANGED, as_of=AS_OF)
    first = monitoring.scheduled_check(demo, AuditContext.system(), as_of=AS_OF)
    assert first is not None
    assert (first.status, first.score_psi) == ("stable", Decimal("0.000000"))
    assert monitoring.scheduled_check(demo, AuditContext.system(), as_of=AS_OF) is first
    assert count(demo, "risk_model_drift_checks") == 1
    following = monitoring.scheduled_check(demo, AuditContext.system(), as_of=AS_OF + timedelta(days=1))
    assert following is not None
    assert following.id != first.id


# --- API ------------------------------------------------------------------------------------------------

def test_the_registry_api(client: TestClient, demo: Session) -> None:
    today = get_clock().now().date()
    register_drift_model(demo, "pd-old-2", with_reference=False)
    register_drift_model(demo, "pd-drift-5")
    add_sellers_with_snapshots(demo, SHIFTED, as_of=today)
    csrf = sign_in(client, "risk@fourflow.demo")

    listing = client.get("/api/v1/risk/models")
    assert listing.status_code == 200, listing.text
    assert [(item["version"], item["status"], item["has_drift_reference"]) for item in listing.json()] == [
        ("pd-drift-5", "active", True), ("pd-old-2", "retired", False)]
    newest = listing.json()[0]
    assert {key: newest[key] for key in ("training_from", "training_to", "test_from", "test_to", "auc", "ks",
                                         "gini", "brier", "psi")} == {
        "training_from": "2025-11-01", "training_to": "2026-05-31", "test_from": "2026-06-01",
        "test_to": "2026-10-01", "auc": 0.8123, "ks": 0.4567, "gini": 0.6246, "brier": 0.1034, "psi": 0.0123}

    ran = [client.post("/api/v1/risk/models/drift-checks", headers={"X-CSRF-Token": csrf})
           for _run in range(3)]
    assert [response.status_code for response in ran] == [201, 201, 201], ran[0].text
    body = ran[0].json()
    assert (body["model_version"], body["as_of"], body["population"], body["score_psi"], body["status"]) == (
        "pd-drift-5", today.isoformat(), 40, "0.346574", "drifted")
    assert body["characteristics"]["refund_rate"]["psi"] == 0.274653

    detail = client.get("/api/v1/risk/models/pd-drift-5?page=1&page_size=2")
    assert detail.status_code == 200, detail.text
    checks = detail.json()["drift_checks"]
    assert (checks["total"], checks["page"], checks["pages"]) == (3, 1, 2)
    assert [item["id"] for item in checks["items"]] == [ran[2].json()["id"], ran[1].json()["id"]]
    assert detail.json()["card"]["drift_reference"] == drift_reference().to_dict()
    second_page = client.get("/api/v1/risk/models/pd-drift-5?page=2&page_size=2").json()["drift_checks"]
    assert [item["id"] for item in second_page["items"]] == [body["id"]]
    assert client.get("/api/v1/risk/models/pd-old-2").json()["drift_checks"]["total"] == 0

    missing = client.get("/api/v1/risk/models/pd-none")
    assert (missing.status_code, missing.json()["error"]) == (404, "credit_model_not_found")

    # The old version active again: checking it says what to do.
    demo.execute(text("UPDATE risk_models SET status = 'retired'"))
    demo.execute(text("UPDATE risk_models SET status = 'active' WHERE version = 'pd-old-2'"))
    refused = client.post("/api/v1/risk/models/drift-checks", headers={"X-CSRF-Token": csrf})
    assert (refused.status_code, refused.json()) == (409, {
        "error": "drift_reference_missing",
        "detail": "Credit model version pd-old-2 has no drift reference; retrain it to monitor drift."})


def test_only_risk_managers_run_checks_and_sellers_see_no_models(client: TestClient, demo: Session) -> None:
    register_drift_model(demo, "pd-drift-6")
    csrf = sign_in(client, "auditor@fourflow.demo")
    assert client.get("/api/v1/risk/models").status_code == 200
    assert client.get("/api/v1/risk/models/pd-drift-6").status_code == 200
    denied = client.post("/api/v1/risk/models/drift-checks", headers={"X-CSRF-Token": csrf})
    assert (denied.status_code, denied.json()["error"]) == (403, "permission_denied")
    client.cookies.clear()
    csrf = sign_in(client, "owner@lumen.demo")
    assert client.get("/api/v1/risk/models").status_code == 403
    assert client.get("/api/v1/risk/models/pd-drift-6").status_code == 403
    assert client.post("/api/v1/risk/models/drift-checks", headers={"X-CSRF-Token": csrf}).status_code == 403
    assert count(demo, "risk_model_drift_checks") == 0
