"""The command line speaks the operator's language: LANG/LC_ALL (and --lang) choose English or
Brazilian Portuguese for messages, errors, tables, argparse's own words, and the files it writes.

Each command runs as an operator runs it, `python -m smscore` in a subprocess with the
environment's LANG, on a real workspace file in sandbox mode. Files are read back with openpyxl
and, for the CSV, by LibreOffice under the pt-BR locale.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from babel.messages.pofile import read_po
from test_files_out import _CSV_FILTER, _sheet, _soffice

from smscore.cli import build_parser, words
from smscore.words.i18n import from_environment

ROOT = Path(__file__).resolve().parent.parent
PT = {"LANG": "pt_BR.UTF-8"}
C = {"LANG": "C.UTF-8"}
CONTACTS = (
    "Nome;Telefone;Categoria\r\n"
    "Ana;(11) 98765-4321;VIP\r\n"
    "Bia;123;VIP\r\n"
    "Cau;(11) 98765-4321;\r\n"
    "Duda;(21) 99876-5432 ramal 12;clientes\r\n"
)


def smscore(
    db: Path, *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    done = subprocess.run(
        [sys.executable, "-m", "smscore", "--db", str(db), *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        input=stdin,
        cwd=ROOT,
        timeout=120,
    )
    # CLDR puts a no-break space between US$ and the amount; a terminal shows it as a space.
    done.stdout, done.stderr = done.stdout.replace("\xa0", " "), done.stderr.replace("\xa0", " ")
    return done


@pytest.fixture(scope="module")
def sent(tmp_path_factory):
    """A workspace with the contacts imported and one batch sent in the sandbox."""
    base = tmp_path_factory.mktemp("cli-lang")
    db = base / "ws.duckdb"
    (base / "contatos.csv").write_text(CONTACTS, encoding="utf-8")
    imported = smscore(db, "import", str(base / "contatos.csv"), env=PT)
    assert imported.returncode == 0, imported.stderr
    done = smscore(db, "send", "--body", "Olá {nome}, promoção!", "--yes", "--rate", "50", env=PT)
    assert done.returncode == 0, done.stderr
    return base, db, imported, done


# --- which language -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "pt_BR.UTF-8"}, "pt-BR"),
        ({"LANG": "pt_PT.UTF-8"}, "pt-BR"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
        ({"LANG": "pt_BR.UTF-8", "LC_ALL": "C"}, "en"),  # LC_ALL wins, as in gettext
        ({"LANG": "C.UTF-8", "LC_MESSAGES": "pt_BR.UTF-8"}, "pt-BR"),
        ({"LANG": "en_US.UTF-8", "LANGUAGE": "pt_BR:en"}, "pt-BR"),  # GNU LANGUAGE list first
        ({"LANG": "pt_BR.UTF-8", "LANGUAGE": "fr:pt"}, "en"),  # its first entry, French, gets English
        ({"LC_ALL": "C", "LANGUAGE": "pt_BR"}, "en"),  # LANGUAGE is ignored under the C locale
    ],
)
def test_the_language_follows_the_environment_as_gettext_reads_it(environ, expected):
    assert from_environment(environ) == expected


def test_lang_flag_wins_over_the_environment():
    assert words.choose("pt-BR", {"LANG": "C.UTF-8"}) == "pt-BR"
    assert words.choose("en", {"LANG": "pt_BR.UTF-8"}) == "en"
    assert words.choose(None, {"LANG": "pt_BR.UTF-8"}) == "pt-BR"


# --- the catalog ----------------------------------------------------------------------------------

_FIELDS = re.compile(r"\{[a-z_0-9]*\}|%\([a-z_]+\)[sr]|%[sr]")


def _cli_catalog():
    path = ROOT / "smscore/words/locale/pt_BR/LC_MESSAGES/cli.po"
    with path.open("rb") as handle:
        return read_po(handle)


def test_every_cli_sentence_has_portuguese_and_the_compiled_catalog_is_current():
    checked = subprocess.run(
        [sys.executable, "scripts/i18n_cli.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_translations_keep_every_placeholder():
    for message in _cli_catalog():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = sorted(set(_FIELDS.findall(ids[-1])))
        for text in strings:
            assert sorted(set(_FIELDS.findall(text))) == wanted, (ids[0], text)


def test_every_option_and_command_help_is_in_portuguese():
    """Walk the whole parser built under pt_BR: no help text is left as its English."""
    words.use("pt-BR")
    try:
        parser = build_parser()
        english = {m.id for m in _cli_catalog() if m.id and isinstance(m.id, str)}
        found: list[str] = []
        stack = [parser]
        while stack:
            current = stack.pop()
            for action in current._actions:  # noqa: SLF001 - the parser's own list
                if action.help and action.help != argparse.SUPPRESS:
                    found.append(action.help)
                if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
                    stack.extend(action.choices.values())
                    found.extend(choice.help for choice in action._choices_actions)  # noqa: SLF001
        assert len(found) > 80
        left = [h for h in found if h in english and h not in ("subtotal",)]
        assert not left, left
    finally:
        words.use("en")


# --- commands, end to end ------------------------------------------------------------------------


def test_import_speaks_portuguese_under_pt_br(sent):
    _, _, imported, _ = sent
    out = imported.stdout
    assert out.startswith("importados 2, atualizados 0, já no espaço de trabalho 0, rejeitados 2")
    assert "1 número escrito com ramal foi importado sem ele:" in out
    assert "ramal 12" in out
    assert "1 rejeitada: número inválido" in out
    assert "1 rejeitada: repetido no arquivo" in out
    assert "categorias novas: " in out


def test_send_prints_the_quote_balance_and_outcome_in_portuguese(sent):
    _, _, _, done = sent
    out = done.stdout
    assert "mensagem: UCS-2, 1 segmento de até 70 unidades antes da personalização" in out
    assert re.search(r"país\s+destinatários\s+segmentos\s+preço unitário\s+subtotal", out)
    assert re.search(r"BR\s+2\s+2\s+0,059900\s+0,119800", out)
    assert "total: 2 destinatários, 2 segmentos, de US$ 0,1198 a US$ 0,1198" in out
    assert "saldo (sandbox): O saldo de US$ 20,00 cobre" in out
    assert "limites de gasto (cli:" in out and "nenhum definido" in out
    assert re.search(
        r"enviado: enviadas 2, falharam 0, incertas 0, na fila 0; custo até agora US\$ 0,1198", out
    )


def test_the_same_commands_stay_english_under_the_c_locale(sent, tmp_path):
    base, _, _, _ = sent
    db = tmp_path / "en.duckdb"
    imported = smscore(db, "import", str(base / "contatos.csv"), env=C)
    assert imported.stdout.startswith("imported 2, updated 0, already in the workspace 0, rejected 2")
    assert "  1 rejected: invalid number" in imported.stdout
    quote = smscore(db, "quote", "--body", "Hi {name}", env=C)
    assert "total: 2 recipients, 2 segments, USD 0.1198 to USD 0.1198" in quote.stdout
    assert re.search(r"BR\s+2\s+2\s+0.059900\s+0.119800", quote.stdout)


def test_tables_and_reports_read_the_portuguese_way(sent):
    _, db, _, _ = sent
    batches = smscore(db, "batches", env=PT)
    assert re.search(r"lote\s+criado\s+modo\s+resultado\s+destinatários", batches.stdout)
    assert re.search(r"sandbox\s+enviado\s+2\s+2\s+0\s+0\s+0\s+USD 0,119800", batches.stdout)
    report = smscore(db, "report", "--by", "country", env=PT)
    assert report.stdout.split()[0] == "País"
    assert "0,119800" in report.stdout and "0.119800" not in report.stdout


def test_errors_and_argparse_speak_portuguese(sent):
    _, db, _, _ = sent
    missing = smscore(db, "quote", env=PT)
    assert missing.returncode == 2
    assert missing.stderr.startswith("uso: smscore quote")
    assert "erro: os seguintes argumentos são obrigatórios: --body" in missing.stderr
    unknown = smscore(db, "quote", "--body", "Oi {apelido}", env=PT)
    assert unknown.returncode == 1
    assert unknown.stderr.startswith("erro: ")
    assert "apelido" in unknown.stderr and "unknown placeholder" not in unknown.stderr
    help_text = smscore(db, "--help", env=PT)
    assert "núcleo do smsconsole" in help_text.stdout and "mostra esta ajuda e sai" in help_text.stdout
    assert "importa contatos de um arquivo CSV" in help_text.stdout


def test_typed_amounts_follow_the_language_and_refuse_the_ambiguous(sent):
    _, db, _, _ = sent
    comma = smscore(db, "balance", "--threshold", "25,50", env=PT)
    assert comma.returncode == 0, comma.stderr
    assert re.search(r"Saldo baixo: US\$ 19,\d+, abaixo do limite de US\$ 25,50", comma.stdout)
    point = smscore(db, "balance", "--threshold", "2.50", env=PT)
    assert point.returncode == 1
    assert "“2.50”" in point.stderr and "2,50" in point.stderr  # refused, never read as 250
    english = smscore(db, "balance", "--threshold", "25.50", env=C)
    assert "below the USD 25.50 threshold" in english.stdout
    assert smscore(db, "balance", "--threshold", "2,50", env=C).returncode == 1


def test_send_asks_in_portuguese_and_takes_sim(sent, tmp_path):
    base, _, _, _ = sent
    db = tmp_path / "ws.duckdb"
    assert smscore(db, "import", str(base / "contatos.csv"), env=PT).returncode == 0
    asked = smscore(db, "send", "--body", "Oi de novo {nome}", "--rate", "50", env=PT, stdin="sim\n")
    assert "enviar 2 mensagens de " in asked.stdout and "[s/N]" in asked.stdout
    assert asked.returncode == 0, asked.stderr
    assert "enviado: enviadas 2" in asked.stdout
    refused = smscore(db, "send", "--body", "Mais uma {nome}", env=PT, stdin="não\n")
    assert refused.returncode == 1 and "não enviado" in refused.stdout


# --- files ------------------------------------------------------------------------------------------


def test_files_follow_the_language_excel_br_reads_them(sent, tmp_path):
    base, db, _, _ = sent
    rejects = tmp_path / "rejeitadas.csv"
    book = tmp_path / "rejeitadas.xlsx"
    again = smscore(
        db, "import", str(base / "contatos.csv"), "--rejects", str(rejects), "--xlsx", str(book), env=PT
    )
    assert again.returncode == 0, again.stderr
    text = rejects.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines(), delimiter=";"))
    assert rows[0][:2] == ["Linha", "Motivo"] and rows[0][2:] == ["Nome", "Telefone", "Categoria"]
    assert any("número inválido" in r[1] for r in rows[1:])
    headers, cells = _sheet(book)
    assert headers[:2] == ["Linha", "Motivo"]
    phones = [c["Telefone"] for c in cells]
    assert all(cell.data_type == "s" and not str(cell.value).startswith("'") for cell in phones)

    report = tmp_path / "paises.csv"
    written = smscore(db, "report", "--by", "country", "--csv", str(report), env=PT)
    assert written.returncode == 0, written.stderr
    first, second = report.read_text(encoding="utf-8-sig").splitlines()[:2]
    assert first.split(";")[0] == '"País"' and ";" in second and "0,1198" in second

    _soffice([report], tmp_path / "lo", "pt-BR", _CSV_FILTER["pt-BR"], tmp_path)
    sheet = openpyxl.load_workbook(tmp_path / "lo" / "paises.xlsx").active
    header = [c.value for c in next(sheet.iter_rows())]
    values = dict(zip(header, [c.value for c in list(sheet.iter_rows())[1]]))
    assert isinstance(values["Estimativa máx."], int | float)  # a number Calc sums, not text
    assert Decimal(str(values["Estimativa máx."])) == Decimal("0.1198")

    english = tmp_path / "countries.csv"
    smscore(db, "report", "--by", "country", "--csv", str(english), env=C)
    first, second = english.read_text(encoding="utf-8-sig").splitlines()[:2]
    assert first.startswith('"Country",') and "0.1198" in second
