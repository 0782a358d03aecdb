"""The price book: Twilio's per-segment SMS prices per country and carrier, always dated.

The embedded default is Twilio's 2023-09 price list (smscore/cost/data/twilio-sms-prices-2023-09.csv,
see smscore/cost/data/PRICES-SOURCE.md); live mode refreshes it from the Pricing API v1. Each load is a new
price list with its source and "as of" date, so a quote can say which prices it used. US
carrier pass-through fees are not in the Pricing API and live in their own dated table.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Protocol

import duckdb
import pandas as pd

from smscore.money import to_decimal
from smscore.store import query_df
from smscore.store.writes import write

DATA_DIR = files("smscore.cost") / "data"  # package data: a checkout and an installed wheel alike
EMBEDDED_PRICES = DATA_DIR / "twilio-sms-prices-2023-09.csv"
EMBEDDED_AS_OF = date(2023, 9, 19)
EMBEDDED_SOURCE = (
    "Twilio SMS price list CSV, 2023-09 (via github.com/frantchessico/"
    "twilio-pricing-go-api datas.csv @0c58e45)"
)
EMBEDDED_FEES = DATA_DIR / "carrier_fees.csv"


@dataclass(frozen=True)
class CarrierPrice:
    """One outbound price row (per carrier and sender number type), as the Pricing API and the
    embedded list give it."""

    iso: str
    country: str | None
    carrier: str | None
    mcc: str | None
    mnc: str | None
    number_type: str | None
    base_price: Decimal | None
    current_price: Decimal
    currency: str


class PriceSource(Protocol):
    """Where fresh prices come from: the part of smscore.twilio.gateway.Gateway a refresh uses."""

    mode: str

    def price_countries(self) -> list[str]: ...

    def country_prices(self, iso: str) -> list[CarrierPrice]: ...


# Territories the CSV files under another ISO code, recognised by the Description's prefix.
_TERRITORY_PREFIXES: dict[str, tuple[str, ...]] = {
    "NETHERLANDS ANTILLES": ("CW", "BQ", "SX"),
    "SOUTH SUDAN": ("SS",),
    "GUERNSEY": ("GG",),
    "JERSEY": ("JE",),
    "ALAND ISLANDS": ("AX",),
}
# Territories with no rows of their own, priced like the country that carries their traffic.
_PRICED_AS: dict[str, str] = {
    "MP": "GU",
    "YT": "RE",
    "IM": "GB",
    "VA": "IT",
    "SJ": "NO",
    "CC": "AU",
    "CX": "AU",
    "BL": "GP",
    "MF": "GP",
    "EH": "MA",
}

# How the console's sender types appear as number_type in the Pricing API.
_NUMBER_TYPES: dict[str, tuple[str, ...]] = {
    "long code": ("mobile", "local"),
    "toll free": ("toll free", "tollfree"),
    "short code": ("shortcode", "short code"),
}
SENDER_TYPES = tuple(_NUMBER_TYPES)


@dataclass(frozen=True)
class PriceList:
    """Which prices a quote used: shown beside every price as its "as of" date."""

    id: int
    source: str
    as_of: date
    loaded_at: datetime


class NoPriceList(LookupError):
    """The database holds no price list and the embedded one could not be loaded."""


def parse_twilio_csv(path: Traversable | Path = EMBEDDED_PRICES) -> list[CarrierPrice]:
    """Read Twilio's price-list CSV: outbound rows only, territories under their own ISO code."""
    rows: list[CarrierPrice] = []
    with path.open(newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            description = rec["Description"]
            if "Outbound" not in description or not rec["ISO"]:
                continue  # the one inbound US row, and satellite rows that have no country
            region, _, carrier = description.partition(" - ")
            price = to_decimal(rec["Price / msg"])
            territories = _territories_of(rec["ISO"], region)
            country = rec["Country"] if territories == (rec["ISO"],) else region.split(" Outbound")[0].title()
            for iso in territories:
                rows.append(
                    CarrierPrice(
                        iso=iso,
                        country=country,
                        carrier=carrier.strip(),
                        mcc=None,
                        mnc=None,
                        number_type=None,
                        base_price=price,
                        current_price=price,
                        currency="USD",
                    )
                )
    rows.extend(_borrowed_rows(rows))
    return rows


def _territories_of(iso: str, region: str) -> tuple[str, ...]:
    for prefix, territories in _TERRITORY_PREFIXES.items():
        if region.upper().startswith(prefix):
            return territories
    return (iso,)


def _borrowed_rows(rows: list[CarrierPrice]) -> list[CarrierPrice]:
    have = {r.iso for r in rows}
    borrowed = []
    for iso, parent in _PRICED_AS.items():
        if iso in have:
            continue
        for r in rows:
            if r.iso == parent:
                borrowed.append(
                    CarrierPrice(
                        iso=iso,
                        country=f"{r.country} ({iso})",
                        carrier=r.carrier,
                        mcc=None,
                        mnc=None,
                        number_type=None,
                        base_price=r.base_price,
                        current_price=r.current_price,
                        currency=r.currency,
                    )
                )
    return borrowed


def store_price_list(
    con: duckdb.DuckDBPyConnection, prices: Iterable[CarrierPrice], *, source: str, as_of: date
) -> PriceList:
    """Save prices as a new list in one unit of work: a failed refresh keeps the old list."""
    frame = _price_frame(prices, source)
    write(con, lambda c: _insert_list(c, frame, source, as_of))
    return current_list(con)


def _price_frame(prices: Iterable[CarrierPrice], source: str) -> pd.DataFrame:
    frame = pd.DataFrame([p.__dict__ for p in prices])
    if frame.empty:
        raise ValueError(f"refusing to store an empty price list from {source!r}")
    frame["base_price"] = frame["base_price"].astype(str)
    frame["current_price"] = frame["current_price"].astype(str)
    return frame


def _insert_list(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, source: str, as_of: date) -> None:
    list_id = con.execute(
        "INSERT INTO price_lists (source, as_of) VALUES (?, ?) RETURNING id", [source, as_of]
    ).fetchall()[0][0]
    con.register("_incoming_prices", frame)
    try:
        con.execute(
            """INSERT INTO prices SELECT ?, iso, country, carrier, mcc, mnc, number_type,
                           CAST(NULLIF(base_price, 'None') AS DECIMAL(18, 6)),
                           CAST(current_price AS DECIMAL(18, 6)), currency
                       FROM _incoming_prices""",
            [list_id],
        )
    finally:
        con.unregister("_incoming_prices")


def ensure_prices(con: duckdb.DuckDBPyConnection) -> PriceList:
    """The current price list, loading the embedded default into an empty database.

    Two first page runs at once (two tabs on a new workspace) may both find it empty: the
    check is made again inside the unit of work, so the default is loaded once.
    """
    found = _latest(con)
    if found is not None:
        return found
    frame = _price_frame(parse_twilio_csv(), EMBEDDED_SOURCE)  # the slow part, before the unit

    def load(c: duckdb.DuckDBPyConnection) -> None:
        if _latest(c) is None:
            _insert_list(c, frame, EMBEDDED_SOURCE, EMBEDDED_AS_OF)
            ensure_carrier_fees(c)

    write(con, load)
    return current_list(con)


def _latest(con: duckdb.DuckDBPyConnection) -> PriceList | None:
    row = con.execute(
        "SELECT id, source, as_of, loaded_at FROM price_lists ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return PriceList(*row) if row else None


def current_list(con: duckdb.DuckDBPyConnection) -> PriceList:
    """The newest price list; the embedded default when none was ever loaded."""
    found = _latest(con)
    return found if found is not None else ensure_prices(con)


def ensure_carrier_fees(con: duckdb.DuckDBPyConnection, path: Traversable | Path = EMBEDDED_FEES) -> int:
    """Load the dated US/CA carrier-fee table unless the operator already has one."""
    with path.open(newline="", encoding="utf-8") as fh:
        recs = list(csv.DictReader(fh))

    def load(c: duckdb.DuckDBPyConnection) -> int:
        if c.execute("SELECT count(*) FROM carrier_fees").fetchall()[0][0]:
            return 0
        for r in recs:
            set_carrier_fee(
                c,
                r["iso"],
                r["carrier"],
                r["sender_type"],
                to_decimal(r["fee"]),
                currency=r["currency"],
                as_of=date.fromisoformat(r["as_of"]),
                source=r["source"],
            )
        return len(recs)

    return write(con, load)


def set_carrier_fee(
    con: duckdb.DuckDBPyConnection,
    iso: str,
    carrier: str,
    sender_type: str,
    fee: Decimal,
    *,
    currency: str = "USD",
    as_of: date | None = None,
    source: str = "operator",
) -> None:
    """Add or change one carrier's pass-through fee per segment (the table is configurable)."""
    if sender_type not in _NUMBER_TYPES:
        raise ValueError(f"sender type must be one of {', '.join(SENDER_TYPES)}; got {sender_type!r}")
    if fee < 0:
        raise ValueError(f"a carrier fee cannot be negative; got {fee}")
    con.execute(
        "INSERT OR REPLACE INTO carrier_fees VALUES (?, ?, ?, ?, ?, ?, ?)",
        [iso.upper(), carrier, sender_type, fee, currency.upper(), as_of or datetime.now(UTC).date(), source],
    )


def carrier_fees(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The carrier-fee table as it stands."""
    return query_df(con, "SELECT * FROM carrier_fees ORDER BY iso, sender_type, carrier")


def unit_prices(
    con: duckdb.DuckDBPyConnection, sender_type: str = "long code", list_id: int | None = None
) -> pd.DataFrame:
    """Per country: the min and max price per segment over carriers, carrier fees included.

    A country whose prices name number types is priced for the sender's type; one whose
    prices name none (the embedded CSV) is priced from all its rows.
    """
    if sender_type not in _NUMBER_TYPES:
        raise ValueError(f"sender type must be one of {', '.join(SENDER_TYPES)}; got {sender_type!r}")
    list_id = list_id if list_id is not None else current_list(con).id
    types = list(_NUMBER_TYPES[sender_type])
    return query_df(con, _UNIT_PRICE_SQL, [list_id, types, types, sender_type])


_UNIT_PRICE_SQL = """
WITH rows AS (
    SELECT iso, country, carrier, number_type, current_price, currency FROM prices WHERE list_id = ?
), typed AS (
    SELECT * FROM rows r
    WHERE number_type IS NULL OR list_contains(?::VARCHAR[], lower(number_type))
       OR NOT EXISTS (SELECT 1 FROM rows o WHERE o.iso = r.iso AND o.number_type IS NOT NULL
                      AND list_contains(?::VARCHAR[], lower(o.number_type)))
), fees AS (
    SELECT iso, min(fee) AS fee_min, max(fee) AS fee_max FROM carrier_fees
    WHERE sender_type = ? GROUP BY iso
)
SELECT t.iso, any_value(t.country) AS country, count(DISTINCT t.carrier) AS carriers,
       min(t.current_price) AS price_min, max(t.current_price) AS price_max,
       coalesce(any_value(f.fee_min), 0)::DECIMAL(18, 6) AS fee_min,
       coalesce(any_value(f.fee_max), 0)::DECIMAL(18, 6) AS fee_max,
       (min(t.current_price) + coalesce(any_value(f.fee_min), 0))::DECIMAL(18, 6) AS unit_min,
       (max(t.current_price) + coalesce(any_value(f.fee_max), 0))::DECIMAL(18, 6) AS unit_max,
       any_value(t.currency) AS currency
FROM typed t LEFT JOIN fees f USING (iso)
GROUP BY t.iso ORDER BY t.iso
"""


def price_table(
    con: duckdb.DuckDBPyConnection, iso: str | None = None, sender_type: str = "long code"
) -> pd.DataFrame:
    """What `smscore prices` and the Prices page show: per country, with the list's date."""
    plist = current_list(con)
    table = unit_prices(con, sender_type, plist.id)
    if iso:
        table = table[table["iso"] == iso.upper()]
        if table.empty:
            raise LookupError(f"no price for country {iso.upper()!r} in the price list of {plist.as_of}")
    table = table.assign(as_of=plist.as_of)
    return table.reset_index(drop=True)


def carrier_rows(con: duckdb.DuckDBPyConnection, iso: str) -> pd.DataFrame:
    """Every carrier price of one country in the current list."""
    plist = current_list(con)
    return query_df(
        con,
        """SELECT iso, country, carrier, mcc, mnc, number_type, base_price,
                                   current_price, currency FROM prices
                            WHERE list_id = ? AND iso = ? ORDER BY carrier, number_type""",
        [plist.id, iso.upper()],
    )


def refresh_from_gateway(
    con: duckdb.DuckDBPyConnection,
    gateway: PriceSource,
    isos: Iterable[str] | None = None,
    today: date | None = None,
) -> PriceList:
    """Fetch prices from Twilio's Pricing API and store them as a new list.

    Every country is fetched before anything is written, so a failure half way keeps the
    previous list intact. Refreshing some countries (`isos`) carries the other countries'
    prices over from the current list, so a partial refresh never drops a destination.
    """
    wanted = [iso.upper() for iso in isos] if isos is not None else gateway.price_countries()
    fetched: list[CarrierPrice] = []
    for iso in wanted:
        fetched.extend(gateway.country_prices(iso))
    when = today or datetime.now(UTC).date()
    source = f"Twilio Pricing API v1 ({gateway.mode})"
    if isos is not None:
        previous = current_list(con)
        fetched.extend(_rows_except(con, previous.id, {p.iso for p in fetched} | set(wanted)))
        source += f": {', '.join(wanted)}; other countries from list {previous.id} of {previous.as_of}"
    return store_price_list(con, fetched, source=source, as_of=when)


def _rows_except(con: duckdb.DuckDBPyConnection, list_id: int, isos: set[str]) -> list[CarrierPrice]:
    rows = con.execute(
        """SELECT iso, country, carrier, mcc, mnc, number_type, base_price,
                                 current_price, currency FROM prices
                          WHERE list_id = ? AND NOT list_contains(?, iso)""",
        [list_id, sorted(isos)],
    ).fetchall()
    return [CarrierPrice(*row) for row in rows]
