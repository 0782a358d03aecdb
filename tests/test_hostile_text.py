"""Hostile text: Markdown in files and Twilio's errors shown as text, a locked workspace shown as
one sentence, and message bodies no phone can receive refused when they are composed.

Console tests run each page under AppTest on a database of their own (see test_pages.py);
what the browser makes of the text is checked in Chromium by test_hostile_text_browser.py.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from test_pages import PAGES, _apptest_config, app, db, ok, texts  # noqa: F401 - fixtures

from smscore import store
from smscore.cli import main
from smscore.cost.quote import QuoteError, Selection, build_quote
from smscore.cost.segments import BodyError, check_body
from smscore.sending import ledger
from ui.shell.untrusted import md

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "![b](http://127.0.0.1:9/x.png) [Verify your Twilio account](http://evil.example/login)"


# -- Markdown: what comes from a file, a contact or Twilio is text --------------------------------


def test_md_escapes_links_images_autolinks_and_streamlit_directives():
    escaped = md(HOSTILE + " www.evil.example :red[alarm] $x$ <b>")
    for live in ("](", "![", "http://", "www.", ":red[", "$x$", "<b>"):
        assert live not in escaped
    shown = escaped.replace("\\", "").replace("\u2060", "")  # what the reader sees
    assert shown == HOSTILE + " www.evil.example :red[alarm] $x$ <b>"
    unescaped = escaped.replace("\\", "")  # what GFM's autolinker scans
    assert "http://" not in unescaped and "www." not in unescaped


def test_no_phone_column_error_shows_the_headers_as_text(db):
    data = f"{HOSTILE},name\n+5511987654321,Ana\n".encode()
    at = ok(app("contacts"))
    at.file_uploader[0].set_value(("evil.csv", data, "text/csv")).run()
    at.button(key="import").click().run()
    errors = [e.value for e in ok(at).error]
    assert any("no phone column" in e for e in errors), errors
    assert all("](http" not in e and "![" not in e for e in errors)
    assert any(md(HOSTILE) in e for e in errors)


def test_batch_stopped_by_twilio_shows_its_error_text_as_text(db):
    con = store.connect(db)
    quote = build_quote(con, "Oi {name}", Selection(everyone=True))
    batch = ledger.freeze_batch(con, quote, sender="+15017122661", mode="live")
    ledger.set_status(
        con,
        batch,
        ledger.STOPPED_AUTH,
        f"Twilio refused the credentials: could not fetch the balance: {HOSTILE}",
        ledger.utcnow(),
    )
    con.close()
    at = app("send")
    at.session_state["job"] = {"batch_id": batch, "state": "done"}
    at.run()
    warnings = [w.value for w in ok(at).warning]
    assert any(md(HOSTILE) in w for w in warnings), warnings
    assert all("](http" not in w for w in warnings)


# -- a workspace held by another process: one sentence, no traceback ------------------------------


@pytest.fixture
def held_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A workspace file another process holds open, as the CLI does while it sends."""
    path = tmp_path / "held.duckdb"
    store.connect(path).close()
    monkeypatch.setenv("SMSCONSOLE_DB", str(path))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
            "print('held', flush=True); sys.stdin.read()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(store.StoreError):  # the precondition: this process cannot open it
        store.connect(path)
    yield path
    holder.stdin.close()
    holder.wait(timeout=10)


IN_USE = "The workspace is open in another smsconsole process"


@pytest.mark.parametrize("stem", [None, *PAGES])
def test_every_page_says_the_workspace_is_in_use_without_a_traceback(held_db, stem):
    at = app(stem)
    assert not at.exception, [e.message for e in at.exception]
    assert [e.value for e in at.error] and at.error[0].value.startswith(IN_USE)
    shown = texts(at)
    assert str(held_db) not in shown and "PID" not in shown and "Traceback" not in shown


@pytest.mark.parametrize("stem", PAGES)
def test_page_run_directly_says_the_workspace_is_in_use(held_db, stem):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / f"{stem}.py"), default_timeout=30).run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.error[0].value.startswith(IN_USE)
    assert str(held_db) not in texts(at)


# -- bodies: NUL and lone surrogates refused when composed -----------------------------------------


@pytest.mark.parametrize(
    "body, words",
    [
        ("Oi\x00 {name}", "NUL character (character 3)"),
        ("Oi \ud83d {name}", "unpaired surrogate U+D83D (character 4)"),
        ("\udcff", "unpaired surrogate U+DCFF (character 1)"),
    ],
)
def test_body_with_nul_or_lone_surrogate_is_refused_naming_where(body, words):
    with pytest.raises(BodyError) as refused:
        check_body(body)
    assert words in str(refused.value)


def test_body_with_whole_emoji_and_accents_is_accepted():
    check_body("Olá {name} 😀 👍🏽 ação")


def test_quote_refuses_body_with_nul(fresh_db):
    fresh_db.execute(
        "INSERT INTO contacts (phone, country, name, fields) VALUES ('+5511987654321', 'BR', 'Ana', '{}')"
    )
    with pytest.raises(QuoteError, match="NUL character"):
        build_quote(fresh_db, "Oi\x00", Selection(everyone=True))


@pytest.fixture
def contacts_db(db_path: Path) -> Path:
    con = store.connect(db_path)
    con.execute(
        "INSERT INTO contacts (phone, country, name, fields) VALUES ('+5511987654321', 'BR', 'Ana', '{}')"
    )
    con.close()
    return db_path


def test_cli_quote_refuses_an_undecodable_byte_in_one_sentence(contacts_db):
    # Python turns a command-line byte that is not UTF-8 into a lone surrogate (PEP 383).
    run = subprocess.run(
        [sys.executable, "-m", "smscore", "--db", str(contacts_db), "quote", "--body", b"Promo\xff {name}"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert run.returncode == 1
    assert run.stderr.startswith("error: the message contains an unpaired surrogate U+DCFF")
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr


@pytest.mark.parametrize("body", ["Oi\x00 {name}", "Oi \udcff {name}"])
def test_cli_send_refuses_the_body_before_freezing_a_batch(contacts_db, body, capsys):
    assert main(["--db", str(contacts_db), "send", "--body", body, "--yes"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the message contains ") and len(err.strip().splitlines()) == 1
    con = duckdb.connect(str(contacts_db))
    assert con.execute("SELECT count(*) FROM batches").fetchall() == [(0,)]
    con.close()


def test_compose_box_refuses_a_nul_and_offers_no_quote(db):
    at = ok(app("send"))
    at.text_area(key="body").set_value("Oi\x00 {name}").run()
    errors = [e.value.replace("\\", "") for e in ok(at).error]  # the Markdown source, unescaped
    assert any("cannot be sent" in e and "NUL character (character 3)" in e for e in errors)
    assert "Recipients: " not in texts(at)
    assert not any(b.key == "send_open" for b in at.button)


# -- a new page cannot forget: placeholders that carry outside text go through md() ---------------

_OUTSIDE_TEXT = {"problem", "reason", "names", "chars", "source", "status", "path", "sender"}


def _unescaped_placeholders(source: str, name: str) -> list[str]:
    """`t(..., problem=x)` calls whose outside-text placeholder is not `md(...)`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "t":
            for kw in node.keywords:
                escaped = isinstance(kw.value, ast.Call) and (
                    (isinstance(kw.value.func, ast.Name) and kw.value.func.id == "md")
                    # smscore.words.numbers.Unreadable.sentence(md): md() applied to what was typed
                    or (
                        isinstance(kw.value.func, ast.Attribute)
                        and kw.value.func.attr == "sentence"
                        and any(isinstance(a, ast.Name) and a.id == "md" for a in kw.value.args)
                    )
                )
                if kw.arg in _OUTSIDE_TEXT and not escaped:
                    found.append(f"{name}:{node.lineno} {kw.arg}=")
    return found


def test_outside_text_placeholders_are_escaped_on_every_page():
    files = [ROOT / "console.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").rglob("*.py")]
    hits = [h for f in files for h in _unescaped_placeholders(f.read_text(encoding="utf-8"), f.name)]
    assert hits == []
    assert _unescaped_placeholders('st.error(t("x", problem=str(exc)))', "new.py") == ["new.py:1 problem="]
    assert _unescaped_placeholders('st.error(t("x", problem=exc.sentence(str)))', "new.py") == [
        "new.py:1 problem="
    ]
