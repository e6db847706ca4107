"""Trade-data services: ingestion of the four flows, FX reference rates, quality, lineage."""

from fourflow.tradedata.service.ingest import (
    TRACKING_EVENTS_INGESTED,
    FileRejected,
    IngestSummary,
    UnknownFormat,
    formats,
    ingest,
)
from fourflow.tradedata.service.monitoring_inputs import pledged_units, sales_between
from fourflow.tradedata.service.rates import (
    CrossRate,
    RatesIngested,
    RateUnavailable,
    ingest_ecb_rates,
    reference_rate,
)
from fourflow.tradedata.service.risk_inputs import (
    BUSINESS_SALES_CHANNELS,
    BuyerOrder,
    RegistryIdentity,
    SellerIdentifiers,
    buyer_orders,
    seller_identifiers,
)
from fourflow.tradedata.service.shipments import (
    SHIPMENT_STATUS_LABELS,
    Checkpoint,
    arrival_at_warehouse,
    shipment_checkpoints,
)

__all__ = [
    "BUSINESS_SALES_CHANNELS",
    "SHIPMENT_STATUS_LABELS",
    "TRACKING_EVENTS_INGESTED",
    "BuyerOrder",
    "Checkpoint",
    "CrossRate",
    "FileRejected",
    "IngestSummary",
    "RateUnavailable",
    "RatesIngested",
    "RegistryIdentity",
    "SellerIdentifiers",
    "UnknownFormat",
    "arrival_at_warehouse",
    "buyer_orders",
    "formats",
    "ingest",
    "ingest_ecb_rates",
    "pledged_units",
    "reference_rate",
    "sales_between",
    "seller_identifiers",
    "shipment_checkpoints",
]
