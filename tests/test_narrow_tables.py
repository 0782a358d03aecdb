"""Money on a phone's screen (issue 18): at 390 px a table scrolls sideways and shows its first
three or four columns, so every table with costs puts them right after the row's name: the
quote, the confirm dialog, Home's last batches, Reports' batches and its cost reports. (The grid
draws on a canvas, so the browser cannot measure its columns: the order is what is checked.)"""

from __future__ import annotations

from test_pages import _apptest_config, app, compose, db, ok, send_batch  # noqa: F401

MONEY = {"subtotal_min", "subtotal_max", "estimate_min", "estimate_max", "actual"}


def _orders(at) -> list[list[str]]:
    return [list(df.proto.column_order) for df in at.dataframe if MONEY & set(df.value.columns)]


def _money_first(order: list[str], within: int = 3) -> None:
    assert order, "the table sets no column order"
    assert MONEY & set(order[1:within]), order


def test_the_quote_and_the_confirm_dialog_show_the_cost_within_three_columns(db):
    at = compose(ok(app("send")))
    for order in _orders(at):
        _money_first(order)
    at.button(key="send_open").click().run()
    orders = _orders(ok(at))
    assert len(orders) == 2  # the quote and the dialog
    for order in orders:
        _money_first(order)


def test_home_and_reports_show_the_cost_within_three_columns(db):
    send_batch(db)
    for page in (None, "reports"):
        at = ok(app(page))
        orders = _orders(at)
        assert orders
        for order in orders:
            _money_first(order)
