"""Euro reference rates over the simulated months, in the ECB's own XML layout (the
``eurofxref-hist`` file: one ``Cube time=…`` per working day), so the world's EUR and GBP sales
can be converted at the rates of their days through the same connector as the real feed."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from fourflow.tradedata.simulation.catalogue import EURO_RATES_START

_PLACES = {"JPY": Decimal("0.01")}


def ecb_history_file(seed: int, first: date, end: date) -> bytes:
    """Working days from ``first`` up to (not including) ``end``; each rate walks by at most
    0.4 % a day from the catalogue's starting rates."""
    rng = random.Random(f"fourflow-fx:{seed}")
    rates = dict(EURO_RATES_START)
    days = []
    day = first
    while day < end:
        if day.weekday() < 5:
            for currency, rate in rates.items():
                step = Decimal(rng.randint(-40, 40)) / Decimal(10_000)
                rates[currency] = (rate * (1 + step)).quantize(_PLACES.get(currency, Decimal("0.0001")))
            cubes = "".join(f"<Cube currency='{currency}' rate='{rate}'/>"
                            for currency, rate in sorted(rates.items()))
            days.append(f"<Cube time='{day.isoformat()}'>{cubes}</Cube>")
        day += timedelta(days=1)
    # The ECB lists the newest day first.
    return ("<?xml version='1.0' encoding='UTF-8'?><gesmes:Envelope "
            "xmlns:gesmes='http://www.gesmes.org/xml/2002-08-01' "
            "xmlns='http://www.ecb.int/vocabulary/2002-08-01/eurofxref'>"
            "<gesmes:subject>Reference rates</gesmes:subject><Cube>"
            + "".join(reversed(days)) + "</Cube></gesmes:Envelope>").encode()
