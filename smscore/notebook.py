"""The notebook API: read a workspace from Jupyter while the console and the CLI use it too.

    with smscore.workspace("data/smsconsole.duckdb") as ws:
        by_country = ws.cost_report("country")

Every call is one short unit of work: the file is opened, read and let go before the call
returns, so a notebook never holds the workspace between calls, between cells, or after the
block. Frames hold exact Decimals (money columns) beside their currency, never floats. A batch
is named as anywhere else: its full id or the short one the console shows (`b-fc845dcb42`),
and its state is the `outcome` word the console and the CLI use.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TypeVar

import duckdb
import pandas as pd

from smscore import reports, store
from smscore.batchid import resolve_batch_id
from smscore.cost.quote import Quote, Selection, build_quote

T = TypeVar("T")


class NotebookWorkspace:
    """Read-side calls on a shared workspace file, each in its own unit of work."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, wait: float | None = None) -> None:
        self.path = store.resolve_db_path(path)
        self._ws = store.Workspace(self.path, kind="notebook", wait=wait, linger=0, notify=_print_notice)
        self._closed = False

    def __enter__(self) -> NotebookWorkspace:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._closed = True

    def __repr__(self) -> str:
        return f"<smscore workspace {str(self.path)!r}>"

    def run(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run `work(con)` as one unit of work: for anything the named calls do not cover."""
        if self._closed:
            raise RuntimeError(f"the workspace {self.path} was closed when its `with` block ended")
        with self._ws.unit() as con:
            return work(con)

    def cost_report(self, by: str = "batch", batch: str | None = None) -> pd.DataFrame:
        """Messages and money by batch, country, category or day: estimate vs actual."""
        return self.run(
            lambda con: reports.cost_report(
                con, by, resolve_batch_id(con, batch) if batch is not None else None
            )
        )

    def cost_of_batches(self, by: str, batches: Sequence[str]) -> pd.DataFrame:
        """`cost_report(by)` for each of `batches`, stacked with a batch_id column; no batch
        gives no rows but the same columns."""
        return self.run(
            lambda con: reports.cost_of_batches(con, by, [resolve_batch_id(con, b) for b in batches])
        )

    def quote(self, body: str, categories: Sequence[str] = (), **options: object) -> Quote:
        """Price `body` for everyone, or for `categories`; options as smscore.cost.quote.build_quote."""
        selection = Selection(categories=tuple(categories)) if categories else Selection(everyone=True)
        return self.run(lambda con: build_quote(con, body, selection, **options))  # type: ignore[arg-type]

    def batches(self) -> pd.DataFrame:
        """Every batch, newest first: outcome, counts, estimate and actual cost."""
        return self.run(reports.batches)

    def send_log(self, batch: str, state: str | None = None, limit: int = 1000) -> pd.DataFrame:
        """A batch's messages with their state, Twilio status and error code."""
        return self.run(
            lambda con: reports.send_log(con, resolve_batch_id(con, batch), state=state, limit=limit)[0]
        )

    def sql(self, query: str, params: Sequence[object] | None = None) -> pd.DataFrame:
        """Any query, DECIMAL columns kept exact. Parameters as `?`, never formatted in."""
        return self.run(lambda con: store.query_df(con, query, list(params or [])))


def _print_notice(message: str) -> None:
    print(message, flush=True)


def workspace(
    path: str | os.PathLike[str] | Path | None = None, *, wait: float | None = None
) -> NotebookWorkspace:
    """The workspace at `path` (default: $SMSCONSOLE_DB or data/smsconsole.duckdb)."""
    return NotebookWorkspace(path, wait=wait)
