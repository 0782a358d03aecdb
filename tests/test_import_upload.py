"""The console's upload of hostile files: one error sentence on the page, never a traceback, and
the workspace unchanged (the console runs under AppTest, as in test_pages.py)."""

from __future__ import annotations

import re

import duckdb
import pytest
from test_import_limits import HOSTILE, snapshot
from test_pages import _apptest_config, app, db, ok, texts  # noqa: F401 - fixtures

from smscore.contacts import csvlimits


def upload(db_path, name: str, data: bytes):
    """The Contacts page after uploading `data` and, when it can be previewed, importing it."""
    at = ok(app("contacts"))
    at.file_uploader[0].set_value((name, data, "text/csv")).run()
    ok(at)
    if not at.error:
        at.button(key="import").click().run()
    return ok(at)


def errors_shown(at) -> list[str]:
    """The error boxes as the reader sees them: pages escape outside text for Markdown."""
    return [re.sub(r"\\(.)", r"\1", str(e.value)).replace("\u2060", "") for e in at.error]


def workspace(db_path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db_path))
    try:
        return snapshot(con)
    finally:
        con.close()


@pytest.mark.parametrize("name", HOSTILE)
def test_console_upload_of_hostile_file_shows_one_error_and_changes_nothing(db, name) -> None:
    before = workspace(db)
    data, words = HOSTILE[name]
    at = upload(db, "hostile.csv", data)
    errors = errors_shown(at)
    assert len(errors) == 1, texts(at)
    assert errors[0].startswith(("This file cannot be imported: ", "Nothing was imported: "))
    assert re.search(words, errors[0]), errors[0]
    assert "Traceback" not in texts(at) and not at.exception
    assert workspace(db) == before


def test_console_upload_over_the_size_limit_is_refused(db, monkeypatch) -> None:
    monkeypatch.setattr(csvlimits, "MAX_FILE_BYTES", 20)
    before = workspace(db)
    at = upload(db, "big.csv", b"phone\n+5511987654321\n+5521998765432\n")
    assert errors_shown(at) == [
        "This file cannot be imported: the file is 36 bytes, more than the 20 bytes an import "
        "accepts; "
        "split it into smaller files"
    ]
    assert workspace(db) == before


def test_console_import_failing_in_the_database_shows_one_sentence(db, monkeypatch) -> None:
    from smscore.contacts import importer

    def out_of_memory(*args, **kwargs):  # what DuckDB raises when its memory limit is hit
        raise duckdb.OutOfMemoryException(
            "Out of Memory Error: could not allocate 1 GiB\nPossible solution: ..."
        )

    monkeypatch.setattr(importer, "import_contacts", out_of_memory)
    at = upload(db, "ok.csv", b"phone\n+5511987654321\n")
    assert errors_shown(at) == ["Nothing was imported: Out of Memory Error: could not allocate 1 GiB"]
