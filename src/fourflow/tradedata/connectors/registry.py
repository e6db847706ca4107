"""Every format the platform ingests, by the name uploads, the API and the CLI use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from fourflow.core.i18n import N_
from fourflow.tradedata.connectors.amazon.orders import parse_amazon_orders
from fourflow.tradedata.connectors.amazon.settlement import parse_amazon_settlement
from fourflow.tradedata.connectors.base import ConnectorOutput
from fourflow.tradedata.connectors.customs.declarations import parse_customs_declarations
from fourflow.tradedata.connectors.fx.ecb import parse_ecb_fx
from fourflow.tradedata.connectors.logistics.tracking import parse_tracking_events
from fourflow.tradedata.connectors.push.batch import parse_push_batch
from fourflow.tradedata.connectors.shopify.orders import parse_shopify_orders
from fourflow.tradedata.connectors.shopify.payouts import parse_shopify_payouts
from fourflow.tradedata.connectors.warehouse.stock import (
    DEFAULT_WAREHOUSE,
    parse_warehouse_movements,
    parse_warehouse_stock,
)


@dataclass(frozen=True, slots=True)
class UploadOptions:
    """What some formats don't carry in the file itself (a stock report names no warehouse and
    no date); the uploader says it."""

    warehouse: str | None = None
    as_of: date | None = None


Parser = Callable[[BinaryIO, UploadOptions], ConnectorOutput]


@dataclass(frozen=True, slots=True)
class Connector:
    format: str
    parse: Parser
    label: str        # N_-marked, shown in the upload form
    extensions: str   # for the file picker, e.g. ".txt,.tsv"


def _plain(parse: Callable[[BinaryIO], ConnectorOutput]) -> Parser:
    return lambda source, _options: parse(source)


def _stock(source: BinaryIO, options: UploadOptions) -> ConnectorOutput:
    return parse_warehouse_stock(source, warehouse=options.warehouse or DEFAULT_WAREHOUSE,
                                 snapshot_date=options.as_of)


CONNECTORS: dict[str, Connector] = {connector.format: connector for connector in (
    Connector("amazon-settlement", _plain(parse_amazon_settlement),
              N_("Amazon settlement report (flat file, V2 or older layout)"), ".txt,.tsv"),
    Connector("amazon-orders", _plain(parse_amazon_orders), N_("Amazon all orders report (flat file)"),
              ".txt,.tsv"),
    Connector("shopify-payouts", _plain(parse_shopify_payouts),
              N_("Shopify Payments payouts or balance transactions (API JSON or CSV export)"), ".json,.csv"),
    Connector("shopify-orders", _plain(parse_shopify_orders), N_("Shopify orders (API JSON or CSV export)"),
              ".json,.csv"),
    Connector("tracking-json", _plain(parse_tracking_events),
              N_("Carrier tracking events (AfterShip JSON or webhook)"), ".json"),
    Connector("warehouse-stock", _stock, N_("Warehouse stock snapshot (inventory report)"), ".txt,.tsv,.csv"),
    Connector("warehouse-movements", _plain(parse_warehouse_movements),
              N_("Warehouse stock movements (JSON)"), ".json"),
    Connector("customs-json", _plain(parse_customs_declarations), N_("Customs export declarations (JSON)"),
              ".json"),
    Connector("push-json", _plain(parse_push_batch),
              N_("Push batch from an ERP, WMS or CRM (JSON, published schema)"), ".json"),
    Connector("ecb-fx", _plain(parse_ecb_fx), N_("ECB euro reference rates (XML)"), ".xml"),
)}


def connector_for(format: str) -> Connector | None:
    return CONNECTORS.get(format)
