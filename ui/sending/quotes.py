"""Quotes cached across reruns: a million-recipient quote must not be rebuilt on every click.

The cache key holds a cheap fingerprint of what a quote depends on (contacts, memberships,
opt-outs, the price list), so an import, an opt-out or a price refresh prices afresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import streamlit as st

from smscore.cost.quote import Quote, Selection, build_quote
from smscore.sending import ledger

# Counts and high-water marks: each changes when a row is added, updated or removed. A
# candidate for smscore (the lead's call); it lives here because only the console caches.
_FINGERPRINT = """
SELECT (SELECT count(*) FROM contacts), (SELECT max(updated_at) FROM contacts),
       (SELECT max(id) FROM contacts), (SELECT count(*) FROM contact_categories),
       (SELECT count(*) FROM categories), (SELECT count(*) FROM suppressions),
       (SELECT max(created_at) FROM suppressions), (SELECT max(id) FROM price_lists),
       (SELECT count(*) FROM carrier_fees)
"""


@dataclass
class PricedBatch:
    quote: Quote
    _key: str | None = field(default=None, repr=False)

    def batch_key(self) -> str:
        """The id Confirm would give this batch today (hashing every phone: computed once)."""
        if self._key is None:
            phones = self.quote.recipients.drop_duplicates(subset="phone")["phone"]
            self._key = ledger.batch_key(self.quote.body, phones, ledger.utcnow().date())
        return self._key


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    return repr(con.execute(_FINGERPRINT).fetchone())


@st.cache_resource(max_entries=8, ttl=900, show_spinner=False)
def _priced(
    db: str,
    version: str,
    body: str,
    everyone: bool,
    categories: tuple[str, ...],
    contact_ids: tuple[int, ...],
    smart_encoding: bool,
    prefix: str,
    sender_type: str,
    only_to: frozenset[str] | None,
    fixed_lines_in: tuple[str, ...],
    _con: duckdb.DuckDBPyConnection,
) -> PricedBatch:
    selection = Selection(everyone=everyone, categories=categories, contact_ids=contact_ids)
    return PricedBatch(
        build_quote(
            _con,
            body,
            selection,
            smart_encoding=smart_encoding,
            prefix=prefix,
            sender_type=sender_type,
            only_to=only_to,
            fixed_lines_in=fixed_lines_in,
        )
    )


def priced(
    con: duckdb.DuckDBPyConnection,
    db: str,
    body: str,
    selection: Selection,
    *,
    smart_encoding: bool,
    prefix: str,
    sender_type: str,
    only_to: frozenset[str] | None = None,
    fixed_lines_in: tuple[str, ...] = (),
) -> PricedBatch:
    """The quote for `body` to `selection`, rebuilt only when its inputs changed (the
    countries whose fixed lines are sent to are one: a setting, not a table)."""
    return _priced(
        db,
        fingerprint(con),
        body,
        selection.everyone,
        tuple(selection.categories),
        tuple(selection.contact_ids),
        smart_encoding,
        prefix,
        sender_type,
        only_to,
        tuple(fixed_lines_in),
        con,
    )
