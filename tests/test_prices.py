"""The price book: Twilio's dated list as the embedded default, ranges, carrier fees, refresh."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from smscore.cost import prices
from smscore.twilio.gateway import CarrierPrice


def test_embedded_list_loads_with_its_source_and_date(fresh_db):
    plist = prices.ensure_prices(fresh_db)
    assert plist.as_of == date(2023, 9, 19)
    assert "2023-09" in plist.source


def test_embedded_list_skips_the_inbound_row_and_prices_brazil():
    rows = prices.parse_twilio_csv()
    us = [r for r in rows if r.iso == "US"]
    assert len(us) == 3  # AT&T, T-Mobile, Other; the inbound T-Mobile row is not a price
    br = {r.current_price for r in rows if r.iso == "BR"}
    assert br == {Decimal("0.05990")}


def test_territories_filed_under_another_code_get_their_own_price(fresh_db):
    table = prices.price_table(fresh_db).set_index("iso")
    assert table.loc["SS", "unit_max"] == Decimal("0.153")  # South Sudan, filed under SD
    assert table.loc["SD", "unit_max"] == Decimal("0.229")
    assert table.loc["CW", "unit_max"] == Decimal("0.09")  # Netherlands Antilles, under NL
    assert table.loc["NL", "unit_max"] == Decimal("0.0966")
    assert table.loc["MP", "unit_max"] == table.loc["GU", "unit_max"]


def test_us_price_is_a_range_with_carrier_fees(fresh_db):
    us = prices.price_table(fresh_db, "US").iloc[0]
    assert us["price_max"] == Decimal("0.0079")
    assert us["unit_min"] == Decimal("0.0079") + Decimal("0.0035")
    assert us["unit_max"] == Decimal("0.0079") + Decimal("0.0045")


def test_carrier_fees_are_configurable(fresh_db):
    prices.ensure_prices(fresh_db)
    prices.set_carrier_fee(fresh_db, "CA", "Bell", "long code", Decimal("0.002"))
    ca = prices.price_table(fresh_db, "CA").iloc[0]
    assert ca["unit_max"] == Decimal("0.0079") + Decimal("0.002")
    with pytest.raises(ValueError, match="negative"):
        prices.set_carrier_fee(fresh_db, "CA", "Bell", "long code", Decimal("-1"))


def test_unknown_country_is_a_clear_error(fresh_db):
    with pytest.raises(LookupError, match="'ZZ'"):
        prices.price_table(fresh_db, "zz")


def _carrier(iso, carrier, number_type, price):
    return CarrierPrice(
        iso=iso,
        country=iso,
        carrier=carrier,
        mcc="1",
        mnc="2",
        number_type=number_type,
        base_price=Decimal(price),
        current_price=Decimal(price),
        currency="USD",
    )


def test_several_carrier_prices_give_a_range_for_the_sender_type(fresh_db):
    prices.store_price_list(
        fresh_db,
        [
            _carrier("GB", "Vodafone", "mobile", "0.040"),
            _carrier("GB", "O2", "mobile", "0.045"),
            _carrier("GB", "O2", "shortcode", "0.090"),
        ],
        source="test",
        as_of=date(2026, 11, 1),
    )
    long_code = prices.price_table(fresh_db, "GB").iloc[0]
    assert (long_code["unit_min"], long_code["unit_max"]) == (Decimal("0.04"), Decimal("0.045"))
    short = prices.price_table(fresh_db, "GB", sender_type="short code").iloc[0]
    assert short["unit_max"] == Decimal("0.09")


class _PricingPeer:
    mode = "sandbox"

    def __init__(self, fail_on: str | None = None):
        self.fail_on = fail_on

    def price_countries(self):
        return ["BR", "PT"]

    def country_prices(self, iso):
        if iso == self.fail_on:
            raise RuntimeError(f"pricing for {iso} timed out")
        return [_carrier(iso, "X", "mobile", "0.05")]


def test_refresh_stores_a_new_dated_list(fresh_db):
    before = prices.ensure_prices(fresh_db)
    after = prices.refresh_from_gateway(fresh_db, _PricingPeer(), today=date(2026, 11, 26))
    assert after.id > before.id and after.as_of == date(2026, 11, 26)
    assert set(prices.price_table(fresh_db)["iso"]) == {"BR", "PT"}


def test_failed_refresh_keeps_the_old_list(fresh_db):
    before = prices.ensure_prices(fresh_db)
    with pytest.raises(RuntimeError, match="PT"):
        prices.refresh_from_gateway(fresh_db, _PricingPeer(fail_on="PT"))
    assert prices.current_list(fresh_db) == before


def test_partial_refresh_keeps_the_other_countries(fresh_db):
    before = prices.ensure_prices(fresh_db)
    prices.refresh_from_gateway(fresh_db, _PricingPeer(), isos=["pt"], today=date(2026, 11, 26))
    table = prices.price_table(fresh_db).set_index("iso")
    assert table.loc["PT", "unit_max"] == Decimal("0.05")  # refreshed
    assert table.loc["BR", "unit_max"] == Decimal("0.0599")  # carried over
    assert f"from list {before.id}" in prices.current_list(fresh_db).source


def test_refresh_through_the_official_sdk_against_the_peer(fresh_db, peer_gateway, fault_proxy):
    prices.ensure_prices(fresh_db)
    prices.refresh_from_gateway(fresh_db, peer_gateway, isos=["GB"])
    gb = prices.carrier_rows(fresh_db, "GB")
    assert gb["current_price"].tolist() == [Decimal("0.05")] and gb["number_type"][0] == "mobile"
    assert "/v1/Messaging/Countries/GB" in [r.path for r in fault_proxy.requests]


def test_cli_refresh_needs_credentials(fresh_db, db_path, capsys):
    from smscore.cli import main

    fresh_db.close()
    assert main(["--db", str(db_path), "prices", "--refresh"]) == 2
    assert "needs Twilio credentials" in capsys.readouterr().err


def test_cli_refresh_one_country_live(db_path, fault_proxy, monkeypatch, capsys):
    from peer import ACCOUNT_SID, AUTH_TOKEN

    from smscore.cli import main

    for key, value in {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": "+15017122661",
        "SMSCONSOLE_TWILIO_API_URL": fault_proxy.url,
        "SMSCONSOLE_TWILIO_PRICING_URL": fault_proxy.url,
    }.items():
        monkeypatch.setenv(key, value)
    assert main(["--db", str(db_path), "prices", "--refresh", "--country", "GB", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"unit_price_max": "0.050000"' in out and AUTH_TOKEN not in out
