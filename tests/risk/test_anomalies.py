"""Unsupervised anomaly detection and peer groups over seller features."""

from __future__ import annotations

import numpy as np
import pytest

from fourflow.risk.anomalies import (
    AnomalyInputInvalid,
    ClusterCountInvalid,
    ContaminationInvalid,
    cluster_sellers,
    detect_anomalies,
)


def ordinary_sellers(count: int = 60, seed: int = 7) -> dict[str, dict[str, float | None]]:
    rng = np.random.default_rng(seed)
    return {f"seller-{index:03d}": {"refund_rate": float(rng.normal(0.05, 0.01)),
                                    "on_time_delivery_rate": float(rng.normal(0.95, 0.02)),
                                    "monthly_sales_level": float(rng.normal(50_000, 8_000))}
            for index in range(count)}


def with_planted_outlier() -> dict[str, dict[str, float | None]]:
    rows = ordinary_sellers()
    # Ordinary sales, but refunds six times the usual and a third of orders late.
    rows["seller-planted"] = {"refund_rate": 0.30, "on_time_delivery_rate": 0.60,
                              "monthly_sales_level": 51_000.0}
    return rows


def test_the_planted_outlier_is_the_most_anomalous_and_flagged() -> None:
    results = detect_anomalies(with_planted_outlier(), seed=1, contamination=0.02)

    ranked = sorted(results.values(), key=lambda result: -result.anomaly_score)
    assert ranked[0].entity == "seller-planted"
    assert ranked[0].flagged
    assert (ranked[0].anomaly_score, ranked[1].entity, ranked[1].anomaly_score) == (
        0.854429, "seller-008", 0.568144)
    assert sum(result.flagged for result in results.values()) == 2  # 2 % of 61, rounded up
    contributions = ranked[0].contributions
    assert [item.feature for item in contributions] == ["refund_rate", "on_time_delivery_rate",
                                                        "monthly_sales_level"]
    assert [(item.value, item.robust_z) for item in contributions] == [
        (0.30, 41.884115), (0.60, -15.330365), (51_000.0, 0.261643)]
    assert list(results) == sorted(results)


def test_detection_is_deterministic_and_independent_of_input_order() -> None:
    rows = with_planted_outlier()
    reversed_rows = dict(reversed(list(rows.items())))

    first = detect_anomalies(rows, seed=11, contamination=0.05)
    assert detect_anomalies(rows, seed=11, contamination=0.05) == first
    assert detect_anomalies(reversed_rows, seed=11, contamination=0.05) == first
    assert first["seller-planted"].as_dict()["flagged"] is True


def test_missing_values_look_ordinary_and_top_features_is_honoured() -> None:
    rows = with_planted_outlier()
    rows["seller-000"]["refund_rate"] = None
    rows["seller-001"] = {"monthly_sales_level": float("nan"), "on_time_delivery_rate": 0.95}

    results = detect_anomalies(rows, seed=1, contamination=0.02, top_features=1)

    assert not results["seller-000"].flagged
    assert all(item.feature != "refund_rate" for item in results["seller-000"].contributions)
    assert [item.feature for item in results["seller-001"].contributions] == ["on_time_delivery_rate"]
    assert len(results["seller-planted"].contributions) == 1


def test_anomaly_input_is_checked() -> None:
    with pytest.raises(AnomalyInputInvalid):
        detect_anomalies({"a": {"x": 1.0}, "b": {"x": 2.0}}, seed=1)
    with pytest.raises(AnomalyInputInvalid):
        detect_anomalies({"a": {}, "b": {"x": None}, "c": {}}, seed=1)
    with pytest.raises(ContaminationInvalid):
        detect_anomalies(ordinary_sellers(), seed=1, contamination=0.7)


def two_peer_groups() -> dict[str, dict[str, float | None]]:
    rng = np.random.default_rng(3)
    rows: dict[str, dict[str, float | None]] = {}
    for index in range(30):  # established: steady growth, low returns
        rows[f"established-{index:02d}"] = {"sales_growth": float(rng.normal(0.02, 0.01)),
                                            "return_rate": float(rng.normal(0.03, 0.005))}
    for index in range(20):  # fast movers: high growth, high returns
        rows[f"fast-{index:02d}"] = {"sales_growth": float(rng.normal(0.40, 0.05)),
                                     "return_rate": float(rng.normal(0.12, 0.01))}
    return rows


def test_clusters_found_automatically_and_described() -> None:
    clusters = cluster_sellers(two_peer_groups(), seed=5)

    assert len(clusters.clusters) == 2
    assert clusters.silhouette is not None
    assert clusters.silhouette == 0.894737
    largest, smaller = clusters.clusters
    assert (largest.cluster, largest.size, smaller.cluster, smaller.size) == (0, 30, 1, 20)
    assert {clusters.assignments[f"established-{index:02d}"] for index in range(30)} == {0}
    assert {clusters.assignments[f"fast-{index:02d}"] for index in range(20)} == {1}
    assert dict(smaller.centroid) == {"return_rate": 0.117459, "sales_growth": 0.399269}
    assert {trait.feature for trait in smaller.traits} == {"sales_growth", "return_rate"}
    assert all(trait.level == "high" for trait in smaller.traits)
    assert all(trait.level == "low" for trait in largest.traits)


def test_clusters_with_a_given_k_are_deterministic() -> None:
    rows = two_peer_groups()
    three = cluster_sellers(rows, 3, seed=5)

    assert len(three.clusters) == 3
    assert sorted(cluster.size for cluster in three.clusters) == sorted(
        sum(1 for label in three.assignments.values() if label == cluster.cluster)
        for cluster in three.clusters)
    assert cluster_sellers(rows, 3, seed=5) == three
    one = cluster_sellers(rows, 1, seed=5)
    assert one.silhouette is None
    assert set(one.assignments.values()) == {0}
    with pytest.raises(ClusterCountInvalid):
        cluster_sellers(rows, 0, seed=5)
    with pytest.raises(ClusterCountInvalid):
        cluster_sellers(rows, 51, seed=5)
