"""Files out: every CSV and workbook the console and the CLI write, read back as an operator does.

Each kind of file (import rejects, send log, reports, batches, audit) is written in pt-BR and in
English, as the console words it (smscore.words.files), and opened by LibreOffice headless with a
pt-BR and an en-US profile, then read with openpyxl: money is numbers that add up, phones are
text with their `+` and no apostrophe, a hostile cell is inert text, dates are dates on the
operator's clock (America/Sao_Paulo, UTC-3 in November) without microseconds.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from test_pages import _apptest_config, db  # noqa: F401 - the console's fixtures

from smscore import export, store, workbook
from smscore.access import audit
from smscore.access.audit import Actor
from smscore.contacts.importer import import_contacts
from smscore.reports import batches, cost_report, send_log
from smscore.store.settings import update_settings
from smscore.words import files, vocab

ROOT = Path(__file__).resolve().parent.parent
ZONE = "America/Sao_Paulo"
LANGS = ("pt-BR", "en")
HOSTILE = "=1+1"
HOSTILE_AT = "@SUM(A1)"
SENT_AT = "2026-11-20 10:05:07.654321"  # UTC, as the ledger keeps it
SENT_LOCAL = datetime(2026, 11, 20, 7, 5, 7)
PHONES = ["+5511987654321", "+5521987654321", "+351912345678"]
ESTIMATES = [Decimal("0.059900"), Decimal("0.119800"), Decimal("0.047300")]


# -- the workspace: a ledger, an import with rejects, an audit trail -----------------------------


def _ledger(con) -> None:
    con.execute("""INSERT INTO contacts (id, phone, country, name, fields) VALUES
        (1, '+5511987654321', 'BR', '=1+1', '{}'), (2, '+5521987654321', 'BR', 'Ana', '{}'),
        (3, '+351912345678', 'PT', '@SUM(A1)', '{}')""")
    con.execute(
        """INSERT INTO batches (id, created_at, body, mode, status, currency, recipients,
                   segments, estimate_min, estimate_max) VALUES ('b1', ?, 'Oi', 'sandbox', 'done',
                   'USD', 3, 4, 0.2, 0.2270)""",
        ["2026-11-20 10:00:00.123456"],
    )
    rows = [
        (1, PHONES[0], "BR", "vip", 1, ESTIMATES[0], "sent", Decimal("0.062000"), None, None),
        (2, PHONES[1], "BR", HOSTILE, 2, ESTIMATES[1], "sent", None, None, None),
        (3, PHONES[2], "PT", "vip", 1, ESTIMATES[2], "failed", None, 30008, HOSTILE_AT),
    ]
    for cid, phone, country, cat, seg, price, state, actual, code, message in rows:
        con.execute(
            """INSERT INTO messages (batch_id, phone, contact_id, country, category, body, encoding,
                   segments, price_min, price_max, state, actual_price, sent_at, error_code,
                   error_message) VALUES ('b1', ?, ?, ?, ?, 'Oi', 'GSM-7', ?, ?, ?, ?, ?, ?, ?, ?)""",
            [phone, cid, country, cat, seg, price, price, state, actual, SENT_AT, code, message],
        )


def _frames(con) -> dict[str, pd.DataFrame]:
    _ledger(con)
    report = import_contacts(con, b"phone,name,category\r\n123,=1+1,@SUM(A1)\r\n12,Bia,vip\r\n")
    audit.record(con, Actor("ana@example.com", "console"), "export", HOSTILE, {"rows": 2})
    return {
        "rejects": report.rejects,
        "log": send_log(con, "b1")[0],
        "country": cost_report(con, "country"),
        "day": cost_report(con, "day"),
        "batches": batches(con),
        "audit": audit.trail(con),
    }


def _labels(kind: str, frame: pd.DataFrame, lang: str):
    return files.labels(frame, lang, only=("line", "reason") if kind == "rejects" else None)


# -- LibreOffice with a pt-BR or an en-US profile ---------------------------------------------------

_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>{0}</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooLocale" oor:op="fuse"><value>{0}</value></prop></item>
</oor:items>
"""
# LibreOffice's CSV filter: separator, text quote ("), UTF-8, from line 1, no column formats,
# language 0 (the profile's locale, as a user's double click), quoted fields as text (the import
# dialog's "Format quoted field as text"), detect special numbers (dates).
_CSV_FILTER = {"pt-BR": "CSV:59,34,76,1,,0,true,true", "en": "CSV:44,34,76,1,,0,true,true"}
_LOCALE = {"pt-BR": "pt-BR", "en": "en-US"}


def _soffice(inputs: list[Path], outdir: Path, locale: str, infilter: str | None, base: Path) -> None:
    """Open `inputs` in LibreOffice under `locale` and save each as .xlsx in `outdir`."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is installed by scripts/test (libreoffice-calc-nogui)"
    profile = base / f"lo-{locale}"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE.format(locale), encoding="utf-8")
    outdir.mkdir(parents=True, exist_ok=True)
    command = [soffice, f"-env:UserInstallation=file://{profile}", "--headless"]
    command += [f"--infilter={infilter}"] if infilter else []
    command += ["--convert-to", "xlsx", "--outdir", str(outdir), *map(str, inputs)]
    env = {**os.environ, "LANG": locale.replace("-", "_") + ".UTF-8"}
    subprocess.run(command, check=True, capture_output=True, timeout=600, env=env)
    for path in inputs:
        assert (outdir / (path.stem + ".xlsx")).exists(), f"LibreOffice did not convert {path.name}"


@pytest.fixture(scope="module")
def opened(tmp_path_factory):
    """Every file written in both languages, and what LibreOffice made of it in each locale."""
    base = tmp_path_factory.mktemp("files-out")
    con = store.connect(base / "ws.duckdb")
    frames = _frames(con)
    con.close()
    written: dict[str, list[Path]] = {"csv-pt-BR": [], "csv-en": [], "xlsx": []}
    for lang in LANGS:
        style = files.style(lang, ZONE)
        (base / "csv" / lang).mkdir(parents=True)
        (base / "xlsx").mkdir(exist_ok=True)
        for kind, frame in frames.items():
            labels = _labels(kind, frame, lang)
            csv_path = export.write_csv(frame, base / "csv" / lang / f"{kind}.csv", style, labels)
            written[f"csv-{lang}"].append(csv_path)
            xlsx = workbook.write_xlsx(frame, base / "xlsx" / f"{kind}-{lang}.xlsx", style, labels)
            written["xlsx"].append(xlsx)
    for lang in LANGS:  # a CSV opened where its language is spoken
        _soffice(written[f"csv-{lang}"], base / "lo" / f"csv-{lang}", _LOCALE[lang], _CSV_FILTER[lang], base)
    for lang in LANGS:  # a workbook opened anywhere
        _soffice(written["xlsx"], base / "lo" / f"xlsx-{_LOCALE[lang]}", _LOCALE[lang], None, base)
    # The control: the pt-BR send log opened with an en-US profile (the old complaint, reversed),
    # so the tests can tell that the profile's locale is what LibreOffice read numbers with.
    log_pt = next(p for p in written["csv-pt-BR"] if p.stem == "log")
    _soffice([log_pt], base / "lo" / "control", "en-US", _CSV_FILTER["pt-BR"], base)
    return base, frames


def _sheet(path: Path) -> tuple[list[str], list[dict[str, openpyxl.cell.cell.Cell]]]:
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows())
    headers = [c.value for c in rows[0]]
    return headers, [dict(zip(headers, row)) for row in rows[1:]]


def _read_back(base: Path, source: str, kind: str, lang: str) -> tuple[list[str], list[dict]]:
    if source == "csv":
        return _sheet(base / "lo" / f"csv-{lang}" / f"{kind}.xlsx")
    if source == "ours":
        return _sheet(base / "xlsx" / f"{kind}-{lang}.xlsx")
    return _sheet(base / "lo" / f"xlsx-{source}" / f"{kind}-{lang}.xlsx")


SOURCES = ["csv", "en-US", "pt-BR"]  # the CSV in its locale; the workbook in each locale


def _header(kind: str, frames, column: str, lang: str) -> str:
    return _labels(kind, frames[kind], lang).headers.get(column, column)


def _no_formula(rows: list[dict]) -> None:
    formulas = [c.coordinate for row in rows for c in row.values() if c.data_type == "f"]
    assert formulas == []


def _hostile(value: object, source: str, text: str = HOSTILE) -> None:
    """Inert text: the CSV carries the escape (smscore.export), the workbook the text itself."""
    assert value == ("'" + text if source == "csv" else text), value


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("lang", LANGS)
def test_send_log_reads_back_with_numbers_text_phones_inert_cells_and_local_dates(opened, lang, source):
    base, frames = opened
    headers, rows = _read_back(base, source, "log", lang)
    h = lambda c: _header("log", frames, c, lang)  # noqa: E731
    _no_formula(rows)
    phones = [r[h("phone")].value for r in rows]
    assert sorted(phones) == sorted(PHONES)  # text, `+` kept, no apostrophe
    estimates = [r[h("estimate")].value for r in rows]
    assert all(isinstance(v, float) for v in estimates), estimates
    assert Decimal(str(round(sum(estimates), 6))) == sum(ESTIMATES)
    assert [r[h("sent_at")].value for r in rows] == [SENT_LOCAL] * 3
    assert {r[h("state")].value for r in rows} == {vocab.word("state", s, lang) for s in ("sent", "failed")}
    names = {r[h("phone")].value: r[h("name")].value for r in rows}
    _hostile(names[PHONES[0]], source)
    _hostile(names[PHONES[2]], source, HOSTILE_AT)
    categories = {r[h("phone")].value: r[h("category")].value for r in rows}
    _hostile(categories[PHONES[1]], source)
    failed = next(r for r in rows if r[h("phone")].value == PHONES[2])
    assert failed[h("error_code")].value == 30008


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("lang", LANGS)
def test_cost_reports_sum_and_date_as_the_ledger_says(opened, lang, source):
    base, frames = opened
    _, country = _read_back(base, source, "country", lang)
    h = lambda c: _header("country", frames, c, lang)  # noqa: E731
    _no_formula(country)
    by_iso = {r[h("country")].value: r for r in country}
    assert by_iso["BR"][h("estimate_max")].value == pytest.approx(0.1797)
    assert by_iso["BR"][h("actual")].value == pytest.approx(0.062)
    assert by_iso["BR"][h("variance")].value == pytest.approx(0.0021)
    total = sum(r[h("estimate_max")].value for r in country)
    assert Decimal(str(round(total, 6))) == sum(frames["country"]["estimate_max"])
    _, day = _read_back(base, source, "day", lang)
    days = [r[_header("day", frames, "day", lang)].value for r in day]
    assert days == [datetime(2026, 11, 20)]  # a date, not the text 2026-11-20


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("lang", LANGS)
def test_batches_and_audit_dates_are_on_the_operators_clock(opened, lang, source):
    base, frames = opened
    _, rows = _read_back(base, source, "batches", lang)
    h = lambda c: _header("batches", frames, c, lang)  # noqa: E731
    _no_formula(rows)
    assert rows[0][h("created_at")].value == datetime(2026, 11, 20, 7, 0, 0)
    assert rows[0][h("estimate_max")].value == pytest.approx(0.227)
    assert rows[0][h("status")].value == vocab.word("status", "done", lang)
    _, trail = _read_back(base, source, "audit", lang)
    h = lambda c: _header("audit", frames, c, lang)  # noqa: E731
    _no_formula(trail)
    stored = frames["audit"]["at"].iloc[0].to_pydatetime()
    at = trail[0][h("at")].value
    assert isinstance(at, datetime) and at.microsecond == 0
    assert (stored - at).total_seconds() == pytest.approx(3 * 3600, abs=1)  # UTC-3, to the second
    _hostile(trail[0][h("target")].value, source)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("lang", LANGS)
def test_import_rejects_keep_the_files_headers_and_neutralise_its_cells(opened, lang, source):
    base, frames = opened
    headers, rows = _read_back(base, source, "rejects", lang)
    _no_formula(rows)
    line, reason = (_header("rejects", frames, c, lang) for c in ("line", "reason"))
    assert headers == [line, reason, "phone", "name", "category"]
    assert [r[line].value for r in rows] == [2, 3]
    assert [r[reason].value for r in rows] == [vocab.reason(r, lang) for r in frames["rejects"]["reason"]]
    _hostile(rows[0]["name"].value, source)
    _hostile(rows[0]["category"].value, source, HOSTILE_AT)
    assert rows[0]["phone"].value in ("123", 123)  # the file's own cell


def test_portuguese_files_speak_portuguese_and_english_files_english(opened):
    base, frames = opened
    pt = (base / "csv" / "pt-BR" / "log.csv").read_bytes().decode("utf-8-sig")
    en = (base / "csv" / "en" / "log.csv").read_bytes().decode("utf-8-sig")
    assert pt.startswith('"Nome";"Telefone";"País";"Categoria";"Estado"')
    assert ";0,059900;" in pt and ",0.059900," in en
    assert "2026-11-20 07:05:07\r\n" in pt and "07:05:07.654321" not in pt
    assert en.startswith('"Name","Phone"') and '"+5511987654321"' in en and "'+55" not in en


def test_the_control_a_portuguese_csv_in_an_english_locale_loses_its_money(opened):
    base, frames = opened
    _, rows = _sheet(base / "lo" / "control" / "log.xlsx")
    money = [r[_header("log", frames, "estimate", "pt-BR")].value for r in rows]
    assert not any(isinstance(v, float) and 0 < v < 1 for v in money), money


@pytest.mark.parametrize("lang", LANGS)
def test_workbook_cells_are_typed_and_formatted_by_us(opened, lang):
    base, frames = opened
    book = openpyxl.load_workbook(base / "xlsx" / f"log-{lang}.xlsx")
    sheet = book.active
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    headers = [c.value for c in sheet[1]]
    col = {
        c: headers.index(_header("log", frames, c, lang)) for c in ("phone", "estimate", "sent_at", "name")
    }
    for row in sheet.iter_rows(min_row=2):
        phone, estimate, sent_at, name = (row[col[c]] for c in ("phone", "estimate", "sent_at", "name"))
        assert phone.data_type == "s" and phone.value.startswith("+")
        assert estimate.data_type == "n" and estimate.number_format.startswith("[$US$]")
        assert sent_at.is_date and sent_at.value == SENT_LOCAL
        assert sent_at.number_format == ("dd/mm/yyyy hh:mm:ss" if lang == "pt-BR" else "yyyy-mm-dd hh:mm:ss")
        assert name.data_type == "s"
    day = openpyxl.load_workbook(base / "xlsx" / f"day-{lang}.xlsx").active["A2"]
    assert day.is_date and day.value.date() == date(2026, 11, 20)


def test_a_formula_in_text_is_stored_as_a_string_not_a_formula():
    frame = pd.DataFrame({"cell": [HOSTILE, HOSTILE_AT, "+1+1", "-2+3", "\t=1+1"], "n": [1, 2, 3, 4, 5]})
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.xlsx_bytes(frame))).active
    assert [c.value for c in sheet["A"][1:]] == frame["cell"].tolist()
    assert {c.data_type for c in sheet["A"][1:]} == {"s"}


def test_a_table_longer_than_an_excel_sheet_goes_on_in_further_sheets(monkeypatch):
    assert workbook.ROWS_PER_SHEET == 2**20 - 1  # Excel's 1,048,576 rows, less the header
    monkeypatch.setattr(workbook, "ROWS_PER_SHEET", 3)  # the same rule on a table one can read
    frame = pd.DataFrame({"phone": [f"+551198765{i:04d}" for i in range(7)], "n": range(7)})
    book = openpyxl.load_workbook(io.BytesIO(workbook.xlsx_bytes(frame, title="registro de envio")))
    assert book.sheetnames == ["registro de envio", "registro de envio (2)", "registro de envio (3)"]
    rows = [[c.value for c in row] for sheet in book for row in sheet.iter_rows()]
    assert [r for r in rows if r == ["phone", "n"]] == [["phone", "n"]] * 3  # a header on each
    assert [r[1] for r in rows if r != ["phone", "n"]] == list(range(7))  # every row, in order


# -- the CLI: --xlsx beside --csv and --rejects --------------------------------------------------


@pytest.fixture
def cli_db(db_path):
    con = store.connect(db_path)
    _ledger(con)
    con.close()
    return db_path


def _cli(db: Path, *args: str, lang: str = "C.UTF-8") -> str:
    env = {"PATH": "/usr/bin:/bin", "LANG": lang, "LC_ALL": lang, "HOME": str(db.parent)}
    run = subprocess.run(
        [sys.executable, "-m", "smscore", "--db", str(db), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


# The CLI writes the console's column titles in its language (LANG): English under C.UTF-8.
_CLI_WORDS = {
    "C.UTF-8": {
        "columns": ["Name", "Phone", "Country", "Category", "State"],
        "csv_head": '"Name","Phone"',
        "estimate": "Estimate",
        "sent_at": "Sent at",
        "estimate_max": "Estimate max",
    },
    "pt_BR.UTF-8": {
        "columns": ["Nome", "Telefone", "País", "Categoria", "Estado"],
        "csv_head": '"Nome";"Telefone"',
        "estimate": "Estimativa",
        "sent_at": "Enviada em",
        "estimate_max": "Estimativa máx.",
    },
}


@pytest.mark.parametrize("lang", ["C.UTF-8", "pt_BR.UTF-8"])
def test_cli_log_and_report_write_workbooks(cli_db, tmp_path, lang):
    said = _CLI_WORDS[lang]
    name, phone = said["columns"][:2]
    log = tmp_path / "log.xlsx"
    _cli(cli_db, "log", "b1", "--xlsx", str(log), "--csv", str(tmp_path / "log.csv"), lang=lang)
    headers, rows = _sheet(log)
    assert headers[:5] == said["columns"]
    assert sorted(r[phone].value for r in rows) == sorted(PHONES)
    assert all(r[phone].data_type == "s" for r in rows)
    assert all(r[said["estimate"]].number_format.startswith("[$US$]") for r in rows)
    assert [r[said["sent_at"]].value for r in rows] == [SENT_LOCAL] * 3  # the workspace's zone
    assert {r[name].value for r in rows} >= {HOSTILE, HOSTILE_AT}
    text = (tmp_path / "log.csv").read_bytes().decode("utf-8-sig")
    assert text.startswith(said["csv_head"]) and "2026-11-20 07:05:07\r\n" in text
    report = tmp_path / "country.xlsx"
    _cli(cli_db, "report", "--by", "country", "--xlsx", str(report), lang=lang)
    _, rows = _sheet(report)
    assert sum(r[said["estimate_max"]].value for r in rows) == pytest.approx(0.1797)  # the sent ones


def test_cli_import_and_quote_write_workbooks(db_path, tmp_path):
    source = tmp_path / "contacts.csv"
    source.write_bytes(b"phone,name,category\r\n+5511987654321,Ana,vip\r\n123,=1+1,@SUM(A1)\r\n")
    out = _cli(
        db_path,
        "import",
        str(source),
        "--rejects",
        str(tmp_path / "r.csv"),
        "--xlsx",
        str(tmp_path / "r.xlsx"),
    )
    assert f"rejected rows written to {tmp_path / 'r.xlsx'}" in out
    headers, rows = _sheet(tmp_path / "r.xlsx")
    assert headers == ["Line", "Reason", "phone", "name", "category"]  # the file's own headers kept
    assert (rows[0]["name"].value, rows[0]["name"].data_type) == (HOSTILE, "s")
    quote = tmp_path / "q.xlsx"
    _cli(db_path, "quote", "--body", "Oi", "--xlsx", str(quote))
    headers, rows = _sheet(quote)
    assert rows and all(
        isinstance(r[h].value, float) for r in rows for h in headers if h.startswith("Subtotal")
    )
    assert {"Subtotal min", "Subtotal max"} <= set(headers)


# -- the console: both files beside each other, in the operator's language -----------------------


@pytest.fixture
def offered(monkeypatch):
    """Every deferred download a page offers: file name -> (MIME type, the bytes when clicked)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    found: dict[str, tuple[str | None, object]] = {}
    real = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, *, element_id=""):
        found[file_name] = (mimetype, data_callable)
        return real(self, data_callable, mimetype, coordinates, file_name=file_name, element_id=element_id)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return found


def _side_by_side(at) -> list[list[str]]:
    """The labels of the download buttons that share a horizontal row, row by row."""
    from streamlit.proto.Block_pb2 import Block as BlockProto
    from streamlit.testing.v1.element_tree import Block

    rows: list[list[str]] = []

    def walk(node) -> None:
        for child in getattr(node, "children", {}).values():
            if not isinstance(child, Block):
                continue
            buttons = [k for k in child.children.values() if getattr(k, "type", "") == "download_button"]
            flex = getattr(child.proto, "flex_container", None)  # tabs and columns carry other protos
            horizontal = flex is not None and flex.direction == BlockProto.FlexContainer.Direction.HORIZONTAL
            if buttons and horizontal:
                rows.append([b.proto.label for b in buttons])
            walk(child)

    walk(at._tree)
    return rows


def _file(offered, name: str, mime: str) -> bytes:
    assert name in offered, sorted(offered)
    got_mime, build = offered[name]
    assert got_mime == mime
    return build()


def test_reports_offer_csv_and_workbook_side_by_side_in_portuguese(db, offered):
    from test_pages import app, ok, send_batch

    batch = send_batch(db)
    con = store.connect(db)
    update_settings(con, language="pt-BR")
    con.close()
    at = ok(app("reports"))
    pairs = _side_by_side(at)
    assert ["Baixar CSV", "Baixar Excel (.xlsx)"] in pairs and len(pairs) >= 5  # batches, 4 groupings
    text = _file(offered, "batches.csv", "text/csv").decode("utf-8-sig")
    assert text.startswith('"Lote";"Id curto";') and ";0,1" in text
    book = openpyxl.load_workbook(io.BytesIO(_file(offered, "batches.xlsx", workbook.MIME)))
    assert book.active["A1"].value == "Lote"
    assert _file(offered, "cost-by-country.csv", "text/csv").decode("utf-8-sig").startswith('"País";')
    at.selectbox(key="report_batch").select_index(1).run()
    log = _file(offered, f"send-log-{batch[:12]}.xlsx", workbook.MIME)
    headers, rows = _sheet_bytes(log)
    assert {r["Estado"].value for r in rows} == {"enviada"}
    assert all(r["Telefone"].data_type == "s" and r["Telefone"].value.startswith("+") for r in rows)


def _sheet_bytes(data: bytes) -> tuple[list[str], list[dict]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows())
    headers = [c.value for c in rows[0]]
    return headers, [dict(zip(headers, r)) for r in rows[1:]]


def test_import_rejects_offer_both_files_and_the_workbook_download_is_audited(db, offered):
    from test_pages import UPLOAD_CSV, app, ok

    at = ok(app("contacts"))
    at.file_uploader[0].set_value(("clientes.csv", UPLOAD_CSV, "text/csv")).run()
    at.button(key="import").click().run()
    assert ["Download rejected rows (CSV)", "Download rejected rows (Excel)"] in _side_by_side(ok(at))
    text = _file(offered, "rejected-rows.csv", "text/csv").decode("utf-8-sig")
    assert text.startswith('"Line","Reason","nome","telefone","categoria"\r\n')
    headers, rows = _sheet_bytes(_file(offered, "rejected-rows.xlsx", workbook.MIME))
    assert [r["Line"].value for r in rows] == [4, 5]
    next(b for b in at.get("download_button") if b.proto.id.endswith("download_rejects_xlsx")).click().run()
    con = store.connect(db)
    targets = [t for (t,) in con.execute("SELECT target FROM audit WHERE action = 'export'").fetchall()]
    con.close()
    assert targets == ["rejected-rows.xlsx"]


def test_audit_offers_both_files_with_times_on_the_operators_clock(db, offered):
    from test_pages import app, ok

    con = store.connect(db)
    audit.record(con, Actor("ana@example.com", "console"), "export", HOSTILE, {"rows": 2})
    stored = audit.trail(con)["at"].iloc[0].to_pydatetime()
    con.close()
    at = ok(app("audit"))
    assert ["Download CSV", "Download Excel (.xlsx)"] in _side_by_side(at)
    headers, rows = _sheet_bytes(_file(offered, "audit.xlsx", workbook.MIME))
    assert headers[:3] == ["Id", "When", "Who"]
    mine = next(r for r in rows if r["Who"].value == "ana@example.com")
    assert (mine["Target"].value, mine["Target"].data_type) == (HOSTILE, "s")
    when = mine["When"].value
    assert when.microsecond == 0 and (stored - when).total_seconds() == pytest.approx(3 * 3600, abs=1)
    text = _file(offered, "audit.csv", "text/csv").decode("utf-8-sig")
    assert f'"\'{HOSTILE}"' in text and text.startswith('"Id","When","Who"')
