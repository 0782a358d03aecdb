"""Hostile files: each import limit refused in one sentence, the workspace left as it was; odd
encodings imported right or refused; chunked reading giving the same answers as whole-file."""

from __future__ import annotations

import codecs
import re

import numpy as np
import pytest

from smscore.cli import main
from smscore.contacts import csvlimits, csvsource
from smscore.contacts.csvsource import CsvImportError
from smscore.contacts.importer import import_contacts

GOOD = b"nome,celular,grupo\nAna,(11) 98765-4321,vip\nBia,(21) 99876-5432,clientes\n"
PHONE = "+5511987654321"


def snapshot(con) -> dict[str, list[tuple]]:
    tables = ("contacts", "categories", "contact_categories", "suppressions")
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}


def rows(n: int, start: int = 0) -> str:
    return "".join(f"Nome {i},+55 11 9{8000_0000 + i},vip\n" for i in range(start, start + n))


def long_cell_file(size: int, at_row: int = 3) -> bytes:
    """A clean file (DuckDB's reader takes it) with one name of `size` characters."""
    text = "nome,celular,grupo\n" + rows(at_row - 2)
    text += f"{'x' * size},+55 21 99876-5432,vip\n" + rows(3, start=500)
    return text.encode()


HOSTILE = {
    "a header of a million commas": (
        b"," * 1_000_000 + b"\n" + PHONE.encode() + b"\n",
        "header row is longer than 256 KB",
    ),
    "100,001 columns": (
        (",".join(["phone"] + [f"c{i}" for i in range(100_000)]) + "\n" + PHONE + "\n").encode(),
        "at least [0-9,]+ columns, more than",
    ),
    "1,001 columns": (
        (",".join(["phone"] + [f"c{i}" for i in range(1_000)]) + "\n" + PHONE + "\n").encode(),
        "the header has 1,001 columns",
    ),
    "a header name over csv's own limit": (
        b"phone," + b"x" * 200_000 + b"\n" + PHONE.encode(),
        "header row is longer than 256 KB",
    ),
    "a header of three 100 KB names": (
        b"phone," + b",".join([b"y" * 100_000] * 3) + b"\n",
        "header row is longer than 256 KB",
    ),
    "a 70,000-character cell": (long_cell_file(70_000), "line 3 has a cell longer than 65,536"),
    "a 200 KB cell in the first rows": (
        long_cell_file(200_000, at_row=2),
        "line 2 has a cell longer than 65,536",
    ),
    "a long cell in a ragged file": (
        long_cell_file(70_000, at_row=4) + b"a,b,c,d,e\n",
        "line 4 has a cell longer than 65,536",
    ),
    "101 categories in one cell": (
        (
            "phone,grupo\n" + PHONE + ",x\n+5521998765432," + "|".join(f"g{i}" for i in range(101)) + "\n"
        ).encode(),
        "line 3 has 101 categories in one cell, more than the 100",
    ),
    "20,000 categories in one cell": (
        ("phone,grupo\n" + PHONE + "," + "|".join(str(i % 10) for i in range(20_000))).encode(),
        "line 2 has 20,000 categories",
    ),
    "a UTF-16 mark before 8-bit text": (codecs.BOM_UTF16_LE + GOOD, "UTF-16 mark but its text is not UTF-16"),
    "a UTF-16 mark before broken UTF-16": (
        codecs.BOM_UTF16_LE + "phone\n+5511".encode("utf-16-le") + b"\x00\xdc" + "\n".encode("utf-16-le"),
        "not valid UTF-16",
    ),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_import_refuses_hostile_file_in_one_sentence_and_changes_nothing(fresh_db, name) -> None:
    import_contacts(fresh_db, GOOD, category="before")
    before = snapshot(fresh_db)
    limit_before = fresh_db.execute("SELECT current_setting('memory_limit')").fetchall()
    data, words = HOSTILE[name]
    with pytest.raises(CsvImportError, match=words) as refused:
        import_contacts(fresh_db, data, category="new category")
    assert "\n" not in str(refused.value) and len(str(refused.value)) < 200
    assert snapshot(fresh_db) == before
    assert fresh_db.execute("SELECT current_setting('memory_limit')").fetchall() == limit_before


@pytest.mark.parametrize("name", HOSTILE)
def test_cli_import_refuses_hostile_file_on_stderr_without_traceback(tmp_path, capfd, name) -> None:
    data, words = HOSTILE[name]
    path = tmp_path / "hostile.csv"
    path.write_bytes(data)
    assert main(["--db", str(tmp_path / "w.duckdb"), "import", str(path)]) == 1
    out, err = capfd.readouterr()
    assert re.fullmatch(f"error: [^\n]*{words}[^\n]*\n", err), err
    assert "Traceback" not in out + err and not out


def test_import_refuses_file_larger_than_the_limit_before_reading_it(fresh_db, tmp_path, capfd) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as sparse:  # 500 MB + 1 byte of nothing: never read, only measured
        sparse.write(b"phone\n")
        sparse.truncate(csvlimits.MAX_FILE_BYTES + 1)
    with pytest.raises(
        CsvImportError, match="the file is 524,288,001 bytes, more than the 524,288,000 bytes"
    ):
        import_contacts(fresh_db, path)
    assert main(["--db", str(tmp_path / "w.duckdb"), "import", str(path)]) == 1
    assert "more than the 524,288,000 bytes an import accepts" in capfd.readouterr().err
    with path.open("r+b") as sparse:
        sparse.truncate(csvlimits.MAX_FILE_BYTES + 2**20)
    with pytest.raises(CsvImportError, match="the file is 501 MB, more than the 500 MB an"):
        import_contacts(fresh_db, path)


def test_import_refuses_uploaded_bytes_larger_than_the_limit(fresh_db, monkeypatch) -> None:
    monkeypatch.setattr(csvlimits, "MAX_FILE_BYTES", len(GOOD) - 1)
    with pytest.raises(
        CsvImportError,
        match=f"the file is {len(GOOD)} bytes, more than the {len(GOOD) - 1} bytes an import accepts",
    ):
        import_contacts(fresh_db, GOOD)
    assert snapshot(fresh_db)["contacts"] == []


def test_import_accepts_files_exactly_at_the_limits(fresh_db) -> None:
    header = ",".join(["phone", "grupo"] + [f"c{i}" for i in range(csvlimits.MAX_COLUMNS - 2)])
    cats = "|".join(f"g{i}" for i in range(csvlimits.MAX_CATEGORIES_PER_ROW))
    line = f"{PHONE},{cats}" + "," * (csvlimits.MAX_COLUMNS - 2)
    report = import_contacts(fresh_db, f"{header}\n{line}\n".encode())
    assert (report.imported, report.rejected, len(report.categories_created)) == (1, 0, 100)
    report = import_contacts(fresh_db, long_cell_file(csvlimits.MAX_FIELD_CHARS))
    assert report.imported + report.rejected == 5


def test_preview_of_a_200kb_cell_is_a_clear_error_not_a_csv_error() -> None:
    with pytest.raises(CsvImportError, match="line 2 has a cell longer than 65,536"):
        csvsource.preview_csv(long_cell_file(200_000, at_row=2))


@pytest.mark.parametrize(
    "bom, encoding", [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")]
)
def test_import_reads_real_utf16_files(fresh_db, bom, encoding) -> None:
    text = "nome;celular;cidade\r\nJoão;(11) 98765-4321;São Paulo\r\nZoë;+44 7400 123456;Londres\r\n"
    report = import_contacts(fresh_db, bom + text.encode(encoding))
    assert (report.encoding, report.delimiter, report.imported, report.rejected) == ("utf-16", ";", 2, 0)
    assert fresh_db.execute("SELECT phone, name, fields->>'cidade' FROM contacts ORDER BY id").fetchall() == [
        ("+5511987654321", "João", "São Paulo"),
        ("+447400123456", "Zoë", "Londres"),
    ]


def test_python_parser_loads_in_batches_and_accounts_for_every_row(fresh_db, monkeypatch) -> None:
    monkeypatch.setattr(csvsource, "_BATCH_ROWS", 4)
    text = "nome,celular,grupo\n" + rows(9) + "\n" + 'Dup,"+55 11 980000000",vip\n' + rows(3, 100)
    text += "ragged,+55 21 99876-5432,vip,extra\n"  # DuckDB's strict reader refuses the file
    report = import_contacts(fresh_db, text.encode())
    assert (report.imported, report.updated, report.rejected) == (12, 0, 2)
    assert report.rejects["line"].tolist() == [12, 16]
    assert "same number as line 2" in report.rejects["reason"][0]


def test_record_scan_in_chunks_matches_the_whole_file_scan(monkeypatch) -> None:
    data = (
        b'phone,note\r\n+5511987654321,"two\nlines"\r\n\r\n+5521998765432,"a ""q"""\n'
        b'\n+5531987654321,"x\n\ny"\n+5541987654321,z'
    )
    whole = csvsource._record_starts(csvsource._chunks(data), has_header=True)
    assert whole.tolist() == [2, 5, 7, 10]
    for chunk in (1, 2, 3, 7, 16):
        monkeypatch.setattr(csvsource, "_CHUNK", chunk)
        chunks = csvsource._chunks(data)
        assert csvsource._record_starts(chunks, has_header=True).tolist() == whole.tolist()


def test_windows1252_file_transcoded_in_chunks_reads_the_same(fresh_db, monkeypatch) -> None:
    monkeypatch.setattr(csvsource, "_CHUNK", 5)
    text = "nome;celular\nJoão Araújo;(11) 98765-4321\nInês;(21) 99876-5432\n"
    report = import_contacts(fresh_db, text.encode("cp1252"))
    assert report.encoding == "windows-1252" and report.imported == 2
    assert [r[0] for r in fresh_db.execute("SELECT name FROM contacts ORDER BY id").fetchall()] == [
        "João Araújo",
        "Inês",
    ]


def test_utf8_error_offset_is_found_across_chunks(monkeypatch) -> None:
    monkeypatch.setattr(csvsource, "_CHUNK", 4)
    data = "phone,nome\nZé".encode() + b"\xff rest"
    assert csvsource._utf8_error(csvsource._chunks(data)) == len("phone,nome\nZé".encode())
    assert csvsource._utf8_error(csvsource._chunks("ação ok".encode())) is None
    assert np.all(csvsource._record_starts(csvsource._chunks(b""), has_header=False) == [])


def test_plain_utf8_file_on_disk_is_read_in_chunks_and_never_held(fresh_db, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(csvsource, "_CHUNK", 5)  # records, quotes and CRs across chunk edges
    text = (
        'nome,celular,grupo\r\n"Zé\nda Silva",(11) 98765-4321,vip\r\n\r\n'
        'Ana,(21) 99876-5432,"a ""b"""\n123,Bia,x\n'
    )
    path = tmp_path / "contatos.csv"
    path.write_bytes(text.encode())
    csv_file = csvsource.open_csv(path)
    assert (csv_file.encoding, csv_file.data, csv_file.size) == ("utf-8", b"", len(text.encode()))
    report = import_contacts(fresh_db, path)
    assert (report.imported, report.rejected, report.rejects["line"].tolist()) == (2, 1, [6])
    # A ragged row: DuckDB refuses the file, and Python's csv module reads it from disk.
    path.write_bytes((text + "Eva,(31) 98765-4321,vip,extra\n").encode())
    again = import_contacts(fresh_db, path)
    assert again.already == 2  # lines 2 and 5: contacts already, kept, not rows to fix
    assert again.rejects["line"].tolist() == [6, 7]
    assert fresh_db.execute("SELECT name FROM contacts ORDER BY id").fetchall() == [
        ("Zé\nda Silva",),
        ("Ana",),
    ]


def test_file_on_disk_invalid_as_utf8_late_is_transcoded_whole(fresh_db, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(csvsource, "_CHUNK", 8)
    path = tmp_path / "excel.csv"
    path.write_bytes("nome;celular\nAna;(11) 98765-4321\nJoão;(21) 99876-5432\n".encode("cp1252"))
    csv_file = csvsource.open_csv(path)
    assert (csv_file.encoding, csv_file.path) == ("windows-1252", None)
    assert csv_file.size == len(csv_file.data) > 0
    assert import_contacts(fresh_db, path).imported == 2
    assert fresh_db.execute("SELECT max(name) FROM contacts").fetchall() == [("João",)]


def test_blank_lines_by_the_thousand_are_skipped_with_lines_counted(fresh_db) -> None:
    data = b"phone,name\n" + b"\n" * 5_000 + b"\r\n" * 5_000 + b"+5511987654321,Ana\n123,Bia\n"
    report = import_contacts(fresh_db, data)
    assert (report.imported, report.rejected) == (1, 1)
    assert report.rejects["line"].tolist() == [10_003]


def _limits_seen_by_the_write(monkeypatch) -> list[str]:
    """DuckDB's memory limit as the import's unit of work finds it, once per import."""
    from smscore.contacts import importer

    seen: list[str] = []
    original = importer._write

    def spy(con, *args):
        seen.append(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        return original(con, *args)

    monkeypatch.setattr(importer, "_write", spy)
    return seen


def test_import_caps_duckdb_memory_during_the_import_and_restores_a_custom_limit(
    fresh_db, monkeypatch
) -> None:

    fresh_db.execute("SET memory_limit = '3GiB'")
    seen = _limits_seen_by_the_write(monkeypatch)
    import_contacts(fresh_db, GOOD)
    assert seen == ["128.0 MiB"]  # the floor: the file is tiny
    assert fresh_db.execute("SELECT current_setting('memory_limit')").fetchall() == [("3.0 GiB",)]


def test_memory_limit_is_the_files_size_above_a_floor_and_enough_per_record() -> None:
    from smscore.contacts.importer import memory_limit_for

    mib = 2**20
    assert memory_limit_for(1_000) == 128 * mib  # small files: the floor
    assert memory_limit_for(101 * mib) == 128 * mib  # the 100 MB benchmark file: under 4x
    assert memory_limit_for(497 * mib) == 497 * mib  # the largest file allowed: its size
    # 7M bare phone numbers in 101 MB: deciding and matching them pins more than the file
    assert memory_limit_for(101 * mib, records=7_000_000) == 280_000_000


def test_import_raises_the_memory_limit_for_many_short_records_once_loaded(fresh_db, monkeypatch) -> None:
    from smscore.contacts import importer

    monkeypatch.setattr(importer, "MEMORY_FLOOR", 16 * 2**20)
    monkeypatch.setattr(importer, "MEMORY_PER_RECORD", 20 * 2**20)
    seen = _limits_seen_by_the_write(monkeypatch)
    import_contacts(fresh_db, GOOD)  # 2 records: 40 MiB, where the file's 80 bytes gave 16
    assert seen == ["40.0 MiB"]
