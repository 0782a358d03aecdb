"""One name and one state word for a batch: the console, the CLI's `batches`, the notebook's
frames and the CSVs show the same short id and the same word (issue 17)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from test_cli_approvals import held_batch
from test_pages import _apptest_config, app, ok  # noqa: F401 - fixture

import smscore
from smscore import export, reports, store
from smscore.access import approvals
from smscore.access.audit import Actor
from smscore.batchid import BatchIdError, resolve_batch_id, short_id
from smscore.cli import main
from smscore.sending import outcome
from smscore.words import files

OP = Actor("op@example.com", "console")


def csv_frame(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)


def listed(db, capsys) -> str:
    """The `batches` line of the workspace's only batch."""
    assert main(["--db", str(db), "batches"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("b-")]
    assert len(lines) == 1
    return lines[0]


@pytest.mark.parametrize(
    ("status", "sent", "pending", "word"),
    [
        (approvals.AWAITING, 0, 5, "awaiting approval"),
        (approvals.REJECTED, 0, 5, "rejected"),
        ("frozen", 0, 5, "paused"),
    ],
)
def test_held_and_rejected_batches_are_named_for_what_the_admin_did(status, sent, pending, word):
    assert outcome.judge(status, sent=sent, failed=0, pending=pending).kind == word
    assert word in outcome.KINDS and outcome.COLOURS[word]


def test_awaiting_approval_reads_the_same_in_the_cli_the_notebook_and_the_csvs(db_path, tmp_path, capsys):
    batch = held_batch(db_path, OP)
    line = listed(db_path, capsys)
    assert line.startswith(f"{batch[:12]}  ") and batch not in line
    assert "  awaiting approval  " in line and "paused" not in line

    with smscore.workspace(db_path) as ws:
        frame = ws.batches()
        by_batch = ws.cost_report("batch", batch[:12])
        log = ws.send_log(batch[:12])
    assert frame[["short_id", "outcome"]].values.tolist() == [[batch[:12], "awaiting approval"]]
    assert by_batch[["short_id", "outcome"]].values.tolist() == [[batch[:12], "awaiting approval"]]
    assert len(log) == 5

    # The CLI's CSV is the Reports page's download: its column titles and words, per language.
    con = store.connect(db_path)
    frame = reports.batches(con)
    con.close()
    for lang, args, status in (
        ("en", [], "awaiting approval"),
        ("pt-BR", ["--lang", "pt-BR"], "aguardando aprovação"),
    ):
        out_csv = tmp_path / f"by-batch-{lang}.csv"
        assert main([*args, "--db", str(db_path), "report", "--csv", str(out_csv)]) == 0
        sep = ";" if lang == "pt-BR" else ","
        report = pd.read_csv(out_csv, encoding="utf-8-sig", dtype=str, sep=sep)
        labels = files.labels(frame, lang)
        short_id, outcome = labels.headers["short_id"], labels.headers["outcome"]
        assert report[[short_id, outcome]].values.tolist() == [[batch[:12], status]]
        page = export.csv_bytes(frame, files.style(lang, "UTC"), labels)  # the Reports page's
        console_csv = pd.read_csv(io.BytesIO(page), encoding="utf-8-sig", dtype=str, sep=sep)
        assert console_csv[[short_id, outcome]].values.tolist() == [[batch[:12], status]]


def test_rejected_batch_reads_rejected_in_the_cli_and_the_notebook(db_path, capsys):
    batch = held_batch(db_path, OP)
    con = store.connect(db_path)
    approvals.reject(con, batch, Actor("boss@example.com", "console"), "wrong list")
    con.close()
    assert "  rejected  " in listed(db_path, capsys)
    with smscore.workspace(db_path) as ws:
        assert ws.batches()["outcome"].tolist() == ["rejected"]


@pytest.fixture
def held(tmp_path, monkeypatch):
    path = tmp_path / "console.duckdb"
    monkeypatch.setenv("SMSCONSOLE_DB", str(path))
    return path, held_batch(path, OP)


def test_console_reports_page_shows_the_short_id_and_awaiting_approval(held):
    _, batch = held
    at = ok(app("reports"))
    table = next(d for d in at.dataframe if "outcome" in d.value.columns).value
    assert table[["batch_id", "outcome"]].values.tolist() == [[batch[:12], "🔵 awaiting approval"]]


def test_short_id_is_the_first_twelve_characters():
    assert short_id("b-fc845dcb42aabbccddeeff00") == "b-fc845dcb42"


def test_a_whole_id_is_found_whatever_its_length(fresh_db):
    fresh_db.execute(
        "INSERT INTO batches (id, body, mode, status, currency, recipients, "
        "segments, estimate_min, estimate_max) VALUES "
        "('b1', 'x', 'sandbox', 'done', 'USD', 0, 0, 0, 0)"
    )
    assert resolve_batch_id(fresh_db, " b1 ") == "b1"
    with pytest.raises(BatchIdError, match="at least 12 characters"):
        resolve_batch_id(fresh_db, "b")
    with pytest.raises(BatchIdError, match=r"at least 12 characters, like b-fc845dcb42 .*\)$"):
        resolve_batch_id(fresh_db, "")


def test_a_prefix_in_capitals_is_found(db_path):
    batch = held_batch(db_path, OP)
    con = store.connect(db_path)
    try:
        assert resolve_batch_id(con, batch[:12].upper()) == batch
    finally:
        con.close()
