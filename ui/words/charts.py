"""Charts in the operator's language: Vega-Lite's number and time locale built from CLDR (Babel).

Streamlit draws Altair charts with Vega, which formats axis ticks and tooltips with d3's
English defaults (`0.2`, `Dec 06`) whatever the page's language; a pt-BR page then shows
`0,20` in its tables beside `0.2` on its axes. Vega reads a `locale` from the chart's config, so
every chart the console draws goes through `localized`, with the same symbols the tables use.
"""

from __future__ import annotations

from functools import cache

import altair as alt
from babel import Locale

from smscore.words.formats import day_first, locale_of

# d3's weekday lists start on Sunday; CLDR numbers the days from Monday (0) to Sunday (6).
_D3_DAYS = (6, 0, 1, 2, 3, 4, 5)


@cache
def vega_locale(lang: str) -> dict[str, dict[str, object]]:
    """The number and time locale Vega formats with, in `lang` (d3-format / d3-time-format)."""
    cldr = Locale.parse(locale_of(lang))
    symbols = cldr.number_symbols["latn"]
    months, days = cldr.months["format"], cldr.days["format"]
    return {
        "number": {
            "decimal": symbols["decimal"],
            "thousands": symbols["group"],
            "grouping": [3],
            "currency": ["", ""],  # amounts are plain numbers; the axis title names the currency
        },
        "time": {
            "dateTime": "%x %X",
            "date": "%d/%m/%Y" if day_first(lang) else "%m/%d/%Y",
            "time": "%H:%M:%S",
            "periods": [cldr.day_periods["format"]["abbreviated"].get(p, p.upper()) for p in ("am", "pm")],
            "days": [days["wide"][i] for i in _D3_DAYS],
            "shortDays": [days["abbreviated"][i] for i in _D3_DAYS],
            "months": [months["wide"][i] for i in range(1, 13)],
            "shortMonths": [months["abbreviated"][i] for i in range(1, 13)],
        },
    }


def localized(chart: alt.TopLevelMixin, lang: str) -> alt.TopLevelMixin:
    """`chart` formatting its numbers and dates in `lang`."""
    return chart.configure(locale=vega_locale(lang))
