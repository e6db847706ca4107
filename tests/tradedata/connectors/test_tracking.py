"""AfterShip tracking: the public GET /trackings sample (AfterShip's own Java SDK test resource,
shared/data/marketplace/aftership_trackings_list.json), and our fixtures in
tests/fixtures/tradedata/logistics/, which follow AfterShip's documented tracking object
(https://www.aftership.com/docs/tracking), its webhook body ("Webhook Specifications": event,
event_id, is_tracking_first_tag, msg = the tracking, ts) and its "Delivery Sub-statuses" list."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fourflow.tradedata.connectors.logistics.tracking import (
    parse_tracking_events,
    tracking_event_key,
)
from fourflow.tradedata.records import Problem, ShipmentStatus, TrackingEvent
from fourflow.tradedata.simulation.writers.logistics import write_tracking_json
from tests.conftest import shared_data

FIXTURES = Path(__file__).parents[2] / "fixtures" / "tradedata" / "logistics"


def _parse(data: bytes) -> list[TrackingEvent | Problem]:
    return [item for item in parse_tracking_events(io.BytesIO(data))
            if isinstance(item, TrackingEvent | Problem)]


def _sample() -> bytes:
    return shared_data("marketplace/aftership_trackings_list.json").read_bytes()


def _events(data: bytes) -> list[TrackingEvent]:
    parsed = _parse(data)
    assert all(isinstance(item, TrackingEvent) for item in parsed), parsed
    return [item for item in parsed if isinstance(item, TrackingEvent)]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _sample_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(_sample())
    return document


def _with_checkpoint(**changes: Any) -> bytes:
    """The sample with its first tracking's second checkpoint changed."""
    document = _sample_document()
    checkpoint = document["data"]["trackings"][0]["checkpoints"][1]
    for name, value in changes.items():
        if value is None:
            checkpoint.pop(name, None)
        else:
            checkpoint[name] = value
    return json.dumps(document).encode()


# --- the public sample ----------------------------------------------------------------------

def test_every_checkpoint_of_the_public_sample_is_an_event() -> None:
    events = _events(_sample())
    # Three trackings: fedex 1111111111111 has 11 checkpoints, the two Expired ones have none.
    assert len(events) == 11
    assert {(event.carrier, event.tracking_number) for event in events} == {
        ("fedex", "1111111111111")}
    assert [event.line for event in events] == list(range(1, 12))
    assert [event.carrier_status for event in events] == [
        "InfoReceived_001", "InTransit_002", "InTransit_003", "InTransit_007", "Exception_001",
        "InTransit_003", "InTransit_007", "InTransit_007", "InTransit_003", "OutForDelivery_001",
        "Delivered_001"]
    assert [event.status for event in events] == [
        ShipmentStatus.INFO_RECEIVED, ShipmentStatus.IN_TRANSIT, ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.IN_TRANSIT, ShipmentStatus.EXCEPTION, ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.IN_TRANSIT, ShipmentStatus.IN_TRANSIT, ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.OUT_FOR_DELIVERY, ShipmentStatus.DELIVERED]
    assert {event.order_id for event in events} == {None}
    assert {event.warehouse for event in events} == {None}


def test_public_sample_times_are_normalised_to_utc() -> None:
    events = _events(_sample())
    # "2018-07-31T10:33:00-04:00" and "2018-08-01T13:19:47-04:00" in the file.
    assert events[0].event_at == datetime(2018, 7, 31, 14, 33, tzinfo=UTC)
    assert events[4].event_at == datetime(2018, 8, 1, 4, 13, 4, tzinfo=UTC)
    assert events[-1].event_at == datetime(2018, 8, 1, 17, 19, 47, tzinfo=UTC)


def test_public_sample_first_and_last_checkpoint_in_full() -> None:
    events = _events(_sample())
    assert events[0] == TrackingEvent(
        carrier="fedex", tracking_number="1111111111111", status=ShipmentStatus.INFO_RECEIVED,
        carrier_status="InfoReceived_001", event_at=datetime(2018, 7, 31, 14, 33, tzinfo=UTC),
        location=None, message="Shipment information sent to FedEx", order_id=None,
        warehouse=None, line=1)
    assert events[1].location == "BROOKLYN, NY"
    assert events[4].message == "Shipment exception - Barcode label unreadable and replaced"
    assert events[10] == TrackingEvent(
        carrier="fedex", tracking_number="1111111111111", status=ShipmentStatus.DELIVERED,
        carrier_status="Delivered_001", event_at=datetime(2018, 8, 1, 17, 19, 47, tzinfo=UTC),
        location="Deal, NJ",
        message="Delivered - Left at front door. Signature Service not requested.",
        order_id=None, warehouse=None, line=11)


def test_the_deduplication_key_is_stable() -> None:
    events = _events(_sample())
    assert tracking_event_key(events[0]) == (
        "fedex|1111111111111|2018-07-31T14:33:00+00:00|InfoReceived")
    assert [tracking_event_key(event) for event in events] == [
        tracking_event_key(event) for event in _events(_sample())]


# --- our fixtures: webhook, single tracking -------------------------------------------------

def test_webhook_body_with_customs_hold_and_arrival_at_warehouse() -> None:
    events = _events((FIXTURES / "aftership_webhook_tracking_update.json").read_bytes())
    assert [(event.status, event.carrier_status) for event in events] == [
        (ShipmentStatus.INFO_RECEIVED, "InfoReceived_001"),
        (ShipmentStatus.IN_TRANSIT, "InTransit_002"),
        (ShipmentStatus.IN_TRANSIT, "InTransit_004"),
        (ShipmentStatus.CUSTOMS_HOLD, "InTransit_006"),
        (ShipmentStatus.IN_TRANSIT, "InTransit_005"),
        (ShipmentStatus.OUT_FOR_DELIVERY, "OutForDelivery_001"),
        (ShipmentStatus.ARRIVED_AT_WAREHOUSE, "Delivered_001"),
    ]
    assert {event.order_id for event in events} == {"PO-2024-0117"}
    assert [event.warehouse for event in events] == [None] * 6 + ["DE-FRA-01"]
    assert events[1].location == "Shenzhen, Guangdong, CHN"
    assert events[1].event_at == datetime(2024, 1, 9, 2, 42, tzinfo=UTC)
    # A checkpoint_time without an offset is read as UTC.
    assert events[4].event_at == datetime(2024, 1, 15, 8, 0, tzinfo=UTC)
    assert events[6] == TrackingEvent(
        carrier="sf-express", tracking_number="SF1402398771234",
        status=ShipmentStatus.ARRIVED_AT_WAREHOUSE, carrier_status="Delivered_001",
        event_at=datetime(2024, 1, 16, 12, 47, tzinfo=UTC), location="Frankfurt, DEU",
        message="Delivered - received at dock 4", order_id="PO-2024-0117",
        warehouse="DE-FRA-01", line=7)


def test_single_tracking_with_customs_delay_return_and_a_repeated_checkpoint() -> None:
    events = _events((FIXTURES / "aftership_single_tracking_returned.json").read_bytes())
    # Checkpoint 3 repeats checkpoint 2 (same time and tag) and is dropped.
    assert [(event.line, event.status, event.carrier_status) for event in events] == [
        (1, ShipmentStatus.IN_TRANSIT, "InTransit_001"),
        (2, ShipmentStatus.CUSTOMS_HOLD, "Exception_004"),
        (4, ShipmentStatus.RETURNED, "Exception_010"),
        (5, ShipmentStatus.RETURNED, "Exception_011"),
    ]
    assert events[1].event_at == datetime(2024, 2, 9, 16, 0, tzinfo=UTC)
    assert events[1].location == "New York, NY, USA"
    # No city/state/country: the carrier's own location text.
    assert events[3].location == "Yiwu Post Office"
    assert {event.order_id for event in events} == {"112-7753196-0456208"}


def test_the_2024_single_tracking_shape_without_the_tracking_wrapper() -> None:
    tracking = _sample_document()["data"]["trackings"][0]
    events = _events(json.dumps({"meta": {"code": 200}, "data": tracking}).encode())
    assert len(events) == 11
    assert events[0].carrier_status == "InfoReceived_001"


def test_every_aftership_tag_maps_onto_a_status() -> None:
    expected = {
        "Pending": ShipmentStatus.INFO_RECEIVED, "InfoReceived": ShipmentStatus.INFO_RECEIVED,
        "InTransit": ShipmentStatus.IN_TRANSIT, "OutForDelivery": ShipmentStatus.OUT_FOR_DELIVERY,
        "AvailableForPickup": ShipmentStatus.OUT_FOR_DELIVERY,
        "Delivered": ShipmentStatus.DELIVERED, "AttemptFail": ShipmentStatus.EXCEPTION,
        "Exception": ShipmentStatus.EXCEPTION, "Expired": ShipmentStatus.EXCEPTION,
    }
    for tag, status in expected.items():
        [event] = _events(_with_checkpoint_only(tag=tag, subtag=f"{tag}_001"))
        assert event.status is status, tag


def _with_checkpoint_only(**checkpoint: Any) -> bytes:
    base = {"checkpoint_time": "2024-01-01T00:00:00Z", **checkpoint}
    return json.dumps({"data": {"tracking": {"slug": "dhl", "tracking_number": "1",
                                             "checkpoints": [base]}}}).encode()


# --- malformed variants ---------------------------------------------------------------------

def test_truncated_file() -> None:
    # Cut 600 bytes in, inside the key "last_updated_at" that starts at line 25, column 9.
    assert _parse(_sample()[:600]) == [Problem(
        25, "file", "Not valid JSON ({detail}) at column {column}.",
        {"detail": "Unterminated string starting at", "column": "9"})]


def test_a_csv_file_is_not_json() -> None:
    assert _parse(b"tracking_number,slug\n1111,fedex\n") == [Problem(
        1, "file", "Not valid JSON ({detail}) at column {column}.",
        {"detail": "Expecting value", "column": "1"})]


def test_json_of_another_shape() -> None:
    assert _parse(b'{"meta": {"code": 200}, "data": {"orders": []}}') == [Problem(
        1, "file", "This is not an AfterShip trackings response or webhook.")]
    assert _parse(b"[1, 2]") == [Problem(
        1, "file", "This is not an AfterShip trackings response or webhook.")]


def test_wrong_encoding() -> None:
    data = b'{"pad": "' + b"a" * 70_000 + b'\xff", "data": {"trackings": []}}'
    assert _parse(data) == [Problem(
        1, "file", "The file is not valid {encoding} text here.", {"encoding": "utf-8"})]


def test_missing_checkpoint_time_is_reported_and_the_rest_still_read() -> None:
    parsed = _parse(_with_checkpoint(checkpoint_time=None))
    assert parsed[1] == Problem(2, "checkpoint_time", "A value is required.")
    assert len(parsed) == 11
    assert [item.line for item in parsed] == list(range(1, 12))


def test_bad_checkpoint_time() -> None:
    parsed = _parse(_with_checkpoint(checkpoint_time="31/07/2018 16:47"))
    assert parsed[1] == Problem(2, "checkpoint_time", "{value} is not a date and time.",
                                {"value": "31/07/2018 16:47"})


def test_unknown_tag() -> None:
    parsed = _parse(_with_checkpoint(tag="Lost", subtag="Lost_001"))
    assert parsed[1] == Problem(2, "tag", "{value} is not an AfterShip delivery status.",
                                {"value": "Lost"})


def test_missing_tag() -> None:
    parsed = _parse(_with_checkpoint(tag=None, subtag=None))
    assert parsed[1] == Problem(2, "tag", "A value is required.")


def test_a_tracking_without_its_number_is_one_problem() -> None:
    document = _sample_document()
    del document["data"]["trackings"][0]["tracking_number"]
    assert _parse(json.dumps(document).encode()) == [
        Problem(1, "tracking_number", "A value is required.")]


def test_checkpoints_that_are_not_objects() -> None:
    document = _sample_document()
    document["data"]["trackings"][0]["checkpoints"][2] = "Arrival scan"
    parsed = _parse(json.dumps(document).encode())
    assert parsed[2] == Problem(3, "checkpoints", "A checkpoint must be an object.")
    document["data"]["trackings"][0]["checkpoints"] = "none"
    assert _parse(json.dumps(document).encode()) == [
        Problem(1, "checkpoints", "A tracking must be an object with a list of checkpoints.")]


# --- writer round trip ----------------------------------------------------------------------

def test_writer_round_trips_the_public_sample() -> None:
    events = _events(_sample())
    assert _events(write_tracking_json(events).encode()) == events


def test_writer_round_trips_webhook_and_returned_fixtures() -> None:
    events = (_events((FIXTURES / "aftership_webhook_tracking_update.json").read_bytes())
              + _events((FIXTURES / "aftership_single_tracking_returned.json").read_bytes()))
    numbered = [replace(event, line=line) for line, event in enumerate(events, start=1)]
    assert _events(write_tracking_json(numbered).encode()) == numbered


def test_writer_gives_demo_events_an_aftership_code_for_their_status() -> None:
    demo = [
        TrackingEvent("ups", "1Z999", ShipmentStatus.INFO_RECEIVED, "label", _at(
            "2024-03-01T08:00:00+00:00"), None, None, "ORDER-9", None, 1),
        TrackingEvent("ups", "1Z999", ShipmentStatus.CUSTOMS_HOLD, "customs", _at(
            "2024-03-03T08:00:00+00:00"), "Leipzig, DEU", "Held", "ORDER-9", None, 2),
        TrackingEvent("ups", "1Z999", ShipmentStatus.ARRIVED_AT_WAREHOUSE, "delivered", _at(
            "2024-03-05T08:00:00+00:00"), "Leipzig, DEU", None, "ORDER-9", "DE-LEJ-02", 3),
    ]
    parsed = _events(write_tracking_json(demo).encode())
    assert [(event.status, event.carrier_status, event.warehouse) for event in parsed] == [
        (ShipmentStatus.INFO_RECEIVED, "InfoReceived_001", None),
        (ShipmentStatus.CUSTOMS_HOLD, "InTransit_006", None),
        (ShipmentStatus.ARRIVED_AT_WAREHOUSE, "Delivered_001", "DE-LEJ-02"),
    ]
    assert [replace(event, carrier_status="") for event in parsed] == [
        replace(event, carrier_status="") for event in demo]
