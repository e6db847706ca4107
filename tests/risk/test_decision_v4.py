"""Credit decisions since decision@v4: a limit a risk officer froze (post-loan monitoring, F22)
declines new financing with the reason, whatever else the decision says."""

from __future__ import annotations

from fourflow.core.i18n import translate
from fourflow.risk import decision
from tests.risk.test_decision_v3 import _decided


def test_the_version_is_recorded() -> None:
    assert decision.DECISION_VERSION == "decision@v4"
    assert _decided([]).outputs["controls"] == []


def test_a_frozen_limit_declines_a_request_that_would_be_approved() -> None:
    assert _decided([]).outcome == "approve"
    frozen = _decided(["limit_freeze"])
    assert frozen.outcome == "decline"
    assert frozen.outputs["controls"] == ["limit_freeze"]
    assert frozen.price is None  # no offer is priced
    [reason] = [reason for reason in frozen.reasons if reason.code == "limit_freeze"]
    assert (reason.audience, reason.params) == ("seller", {})
    assert translate(reason.message, "en") == (
        "Your credit limit is frozen after a review of your loans: no new financing until a risk officer "
        "lifts the freeze.")
    assert translate(reason.message, "zh_Hans") == (
        "经复核您的贷款，您的授信额度已冻结：在风控人员解除冻结之前，不提供新的融资。")


def test_a_frozen_limit_beside_a_downgrade_still_declines() -> None:
    both = _decided(["limit_reduction", "manual_review", "drawdown_hold", "limit_freeze"])
    assert both.outcome == "decline"
    assert [reason.code for reason in both.reasons if reason.code in (
        "manual_review", "drawdown_hold", "limit_freeze")] == [
        "manual_review", "drawdown_hold", "limit_freeze"]
