"""Trade-data services: ingestion of the four flows, FX reference rates, quality, lineage."""

from fourflow.tradedata.service.ingest import FileRejected, IngestSummary, UnknownFormat, formats, ingest
from fourflow.tradedata.service.rates import (
    CrossRate,
    RatesIngested,
    RateUnavailable,
    ingest_ecb_rates,
    reference_rate,
)

__all__ = [
    "CrossRate", "FileRejected", "IngestSummary", "RateUnavailable", "RatesIngested", "UnknownFormat",
    "formats", "ingest", "ingest_ecb_rates", "reference_rate",
]
