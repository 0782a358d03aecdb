"""CSV import: messy files in, E.164 contacts with categories out, every reject explained."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from smscore.contacts import csvsource, importer, phones
from smscore.contacts.csvsource import CsvImportError
from smscore.contacts.importer import import_contacts

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from gen_contacts import write_contacts_csv  # noqa: E402

BR_EXCEL = (
    "Nome;Celular;Cidade;Grupo\r\n"
    "João da Silva;(11) 98765-4321;São Paulo;vip|clientes\r\n"
    "\r\n"
    "Ana;+55 21 99876-5432;Rio de Janeiro;clientes\r\n"
).encode("cp1252")


def contacts(con) -> list[tuple]:
    return con.execute("SELECT phone, country, name, fields::VARCHAR FROM contacts ORDER BY id").fetchall()


def snapshot(con) -> dict[str, list[tuple]]:
    tables = ("contacts", "categories", "contact_categories", "suppressions")
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}


def categories_of(con, phone: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT k.name FROM contacts c JOIN contact_categories cc ON cc.contact_id = c.id "
            "JOIN categories k ON k.id = cc.category_id WHERE c.phone = ? ORDER BY k.name",
            [phone],
        ).fetchall()
    ]


def test_import_reads_brazilian_excel_semicolon_windows1252(fresh_db) -> None:
    report = import_contacts(fresh_db, BR_EXCEL)
    assert (report.encoding, report.delimiter) == ("windows-1252", ";")
    assert report.mapping == {"phone": "Celular", "name": "Nome", "category": "Grupo"}
    assert report.imported == 2 and report.rejected == 0
    assert contacts(fresh_db)[0] == ("+5511987654321", "BR", "João da Silva", '{"cidade":"São Paulo"}')


def test_import_reads_utf8_bom_tab_delimited_english_headers(fresh_db) -> None:
    data = "\ufeffMobile\tName\tCity\n+44 7400 123456\tZoë\tLondon\n".encode()
    report = import_contacts(fresh_db, data)
    assert (report.encoding, report.delimiter) == ("utf-8-sig", "\t")
    assert contacts(fresh_db) == [("+447400123456", "GB", "Zoë", '{"city":"London"}')]


def test_import_reads_quoted_delimiters_and_newlines_and_counts_lines(fresh_db, tmp_path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        'phone,name,note\n+5511987654321,"Silva, João","line one\nline two"\n\n123,"Bad, Number",x\n',
        encoding="utf-8",
    )
    report = import_contacts(fresh_db, path)
    assert contacts(fresh_db)[0][2] == "Silva, João"
    assert report.rejects["line"].tolist() == [5]  # the record after a 2-line field and a blank


def test_import_takes_the_default_country_per_import(fresh_db) -> None:
    import_contacts(fresh_db, b"telefone\n(212) 555-0123\n", default_country="US")
    assert contacts(fresh_db)[0][:2] == ("+12125550123", "US")


def test_import_rejects_row_without_phone(fresh_db) -> None:
    report = import_contacts(fresh_db, b"phone,name\n,Nobody\n+5511987654321,Ana\n")
    assert report.rejects[["line", "reason"]].values.tolist() == [[2, "missing phone"]]
    assert report.rejects["name"].tolist() == ["Nobody"]


def test_import_rejects_invalid_number_saying_why(fresh_db) -> None:
    report = import_contacts(fresh_db, b"phone\n+55 11 9876\n")
    assert report.rejected == 1
    assert "too short for BR" in report.rejects["reason"][0]


def test_an_invalid_rfc3966_phone_context_is_a_rejected_row_not_a_failed_import(fresh_db) -> None:
    # phonenumbers raises on these before reading a digit; the import used to fail with it
    data = (
        b"phone,name\n"
        b"tel:123;phone-context=,A\n"
        b"+55 11 98765-4321;phone-context=abc!,B\n"
        b"tel:98765-4321;phone-context=+55-11,C\n"
    )
    report = import_contacts(fresh_db, data)
    assert contacts(fresh_db) == [("+5511987654321", "BR", "C", None)]
    assert report.rejects[["line", "reason"]].values.tolist() == [
        [2, "invalid number: not a phone number ('tel:123;phone-context=')"],
        [3, "invalid number: not a phone number ('+55 11 98765-4321;phone-context=abc!')"],
    ]


def test_import_rejects_duplicate_in_file_naming_the_first_line(fresh_db) -> None:
    report = import_contacts(fresh_db, b"phone,name\n(11) 98765-4321,A\n+5511987654321,B\n")
    assert report.imported == 1
    assert report.rejects["reason"].tolist() == ["duplicate in file: same number as line 2"]


def test_rejects_keep_their_line_numbers_beside_the_files_own_line_and_reason_columns(fresh_db) -> None:
    data = b"phone,reason,line\n123,a,b\n+5511987654321,c,d\n+5511987654321,e,f\n"
    rejects = import_contacts(fresh_db, data).rejects
    assert rejects.iloc[:, 0].tolist() == [2, 4]
    assert rejects.iloc[1].tolist() == [
        4,
        "duplicate in file: same number as line 3",
        "+5511987654321",
        "e",
        "f",
    ]


def test_import_skips_existing_contact_by_default(fresh_db) -> None:
    import_contacts(fresh_db, b"phone,name\n+5511987654321,A\n")
    report = import_contacts(fresh_db, b"phone,name\n(11) 98765-4321,B\n", category="new")
    assert (report.imported, report.updated, report.already, report.rejected) == (0, 0, 1, 0)
    assert report.rejects.empty  # not a row to fix: counted apart, as the Contacts page shows it
    assert contacts(fresh_db)[0][2] == "A"
    assert categories_of(fresh_db, "+5511987654321") == []  # left as it was


def test_import_counts_already_in_the_workspace_apart_from_rows_to_fix(fresh_db) -> None:
    import_contacts(fresh_db, b"phone\n+5511987654321\n+5511987654322\n")
    report = import_contacts(
        fresh_db, b"phone\n+5511987654321\n+5511987654322\nnope\n+5511987654321\n+5511987654323\n"
    )
    assert report.counts() == {"imported": 1, "updated": 0, "already": 2, "rejected": 2}
    assert report.rejects["line"].tolist() == [4, 5] and len(report.rejects) == report.rejected


def test_import_update_policy_updates_name_fields_and_categories(fresh_db) -> None:
    import_contacts(fresh_db, b"phone,name,city,plan\n+5511987654321,A,Rio,gold\n", category="old")
    report = import_contacts(
        fresh_db, b"phone,name,city\n(11) 98765-4321,B,Recife\n", category="new", on_duplicate="update"
    )
    assert (report.imported, report.updated, report.rejected) == (0, 1, 0)
    phone, _, name, fields = contacts(fresh_db)[0]
    assert (phone, name, json.loads(fields)) == ("+5511987654321", "B", {"city": "Recife", "plan": "gold"})
    assert categories_of(fresh_db, "+5511987654321") == ["new", "old"]


def test_categories_from_pipe_separated_cells_and_argument_are_created(fresh_db) -> None:
    report = import_contacts(fresh_db, BR_EXCEL, category="campanha 2024")
    assert report.categories_created == ["campanha 2024", "clientes", "vip"]
    assert categories_of(fresh_db, "+5511987654321") == ["campanha 2024", "clientes", "vip"]
    again = import_contacts(fresh_db, BR_EXCEL, on_duplicate="update")
    assert again.categories_created == []


def test_categories_and_names_lose_every_whitespace_at_their_ends_as_python_strips_it(fresh_db) -> None:
    # DuckDB's trim() keeps tabs and line breaks: "\tvip" was a second category looking like vip
    data = (
        'phone,name,category\n+5511987654321,Ana,vip\n+5511987654322,"\tBia\n","vip\t|\u3000clientes\r"\n'
    ).encode()
    report = import_contacts(fresh_db, data)
    assert report.categories_created == ["clientes", "vip"]
    assert [name for _, _, name, _ in contacts(fresh_db)] == ["Ana", "Bia"]
    assert categories_of(fresh_db, "+5511987654322") == ["clientes", "vip"]


def test_a_category_named_twice_for_one_contact_is_linked_once(fresh_db) -> None:
    import_contacts(fresh_db, b"phone,grupo\n+5511987654321,vip| vip |clientes\n", category="vip")
    assert categories_of(fresh_db, "+5511987654321") == ["clientes", "vip"]
    assert fresh_db.execute("SELECT count(*) FROM contact_categories").fetchall() == [(2,)]


def test_importing_a_file_twice_with_update_does_not_duplicate_category_links(fresh_db) -> None:
    import_contacts(fresh_db, BR_EXCEL, category="campanha")
    before = fresh_db.execute("SELECT count(*) FROM contact_categories").fetchall()[0][0]
    again = import_contacts(fresh_db, BR_EXCEL, category="campanha", on_duplicate="update")
    assert (again.imported, again.updated) == (0, 2)
    assert fresh_db.execute("SELECT count(*) FROM contact_categories").fetchall()[0][0] == before
    assert (
        fresh_db.execute("SELECT count(*) FROM (SELECT DISTINCT * FROM contact_categories)").fetchall()[0][0]
        == before
        == 5
    )


def test_new_contacts_get_ids_in_file_order_after_existing_ones(fresh_db) -> None:
    import_contacts(fresh_db, b"phone\n+5511987654321\n")
    import_contacts(fresh_db, b"phone\n+5521998765432\n+5511987654321\n+5531987654321\n")
    rows = fresh_db.execute("SELECT id, phone FROM contacts ORDER BY id").fetchall()
    assert [phone for _, phone in rows] == ["+5511987654321", "+5521998765432", "+5531987654321"]
    # A new contact's id is the ids taken before plus its record number: the duplicate on
    # record 2 leaves its id unused.
    assert [i for i, _ in rows] == [1, 2, 4]


def test_each_contact_gets_its_own_rows_cells_across_blank_records_and_rejects(fresh_db, tmp_path) -> None:
    # More than a DuckDB row group (122,880 rows), with `;;;` records (deleted once loaded,
    # leaving gaps in the record numbers) and rejects among them: the decided rows are read
    # beside the file's by position, so a shift would give a contact another row's cells.
    text, expected_lines = ["nome;celular;cidade;grupo"], []
    for i in range(130_000):
        if i % 997 == 0:
            text.append(";;;")
        text.append(f"N{i};{'123' if i % 1009 == 0 else f'(11) 9{i:08d}'};c{i};g{i % 3}")
        if i % 1009 == 0:
            expected_lines.append(len(text))
    path = tmp_path / "big.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    report = import_contacts(fresh_db, path)
    assert (report.imported, report.rejected) == (130_000 - 129, 129)
    assert report.rejects["line"].tolist() == expected_lines
    assert report.rejects["nome"].tolist() == [f"N{i}" for i in range(0, 130_000, 1009)]
    assert fresh_db.execute("""
        SELECT count(*) FROM contacts c
        JOIN contact_categories l ON l.contact_id = c.id JOIN categories k ON k.id = l.category_id
        WHERE c.name = 'N' || right(c.phone, 8)::INT
          AND c.fields->>'cidade' = 'c' || right(c.phone, 8)::INT
          AND k.name = 'g' || right(c.phone, 8)::INT % 3""").fetchall() == [(130_000 - 129,)]


def test_extra_columns_become_fields_with_normalised_keys(fresh_db) -> None:
    import_contacts(fresh_db, b"phone,Data de Nascimento ,E-mail\n+5511987654321,1990-01-01,\n")
    assert contacts(fresh_db)[0][3] == '{"data_de_nascimento":"1990-01-01","e-mail":""}'


def test_suppressed_number_is_still_imported(fresh_db) -> None:
    fresh_db.execute("INSERT INTO suppressions (phone, reason) VALUES ('+5511987654321', 'opt-out')")
    assert import_contacts(fresh_db, b"phone\n+5511987654321\n").imported == 1


def test_mapping_overrides_the_header_guess(fresh_db) -> None:
    data = b"fixo,outro\n+551133334444,+5511987654321\n"
    report = import_contacts(fresh_db, data, mapping={"phone": "outro"})
    assert report.mapping["phone"] == "outro"
    assert contacts(fresh_db)[0][0] == "+5511987654321"


def test_mapping_to_a_missing_column_names_it(fresh_db) -> None:
    with pytest.raises(CsvImportError, match="'Fone2'"):
        import_contacts(fresh_db, b"phone\n+5511987654321\n", mapping={"phone": "Fone2"})


def test_headerless_file_finds_the_phone_column(fresh_db) -> None:
    report = import_contacts(fresh_db, b"Ana;(11) 98765-4321\nBia;(21) 99876-5432\n")
    assert report.imported == 2 and report.mapping["phone"] == "column2"


def test_row_with_more_fields_than_header_is_rejected(fresh_db) -> None:
    report = import_contacts(fresh_db, b"phone,name\n+5511987654321,Silva, Joao\n+5521998765432,Ana\n")
    assert report.imported == 1
    assert report.rejects["line"].tolist() == [2]
    assert "more fields than the header" in report.rejects["reason"][0]


def test_write_rejects_round_trips_through_the_reader(fresh_db, tmp_path) -> None:
    report = import_contacts(fresh_db, "phone,nome\n123,Zé\n".encode())
    out = tmp_path / "rejects.csv"
    report.write_rejects(out)
    back = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert back.columns.tolist() == ["line", "reason", "phone", "nome"]
    assert back["nome"].tolist() == ["Zé"]


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "empty"),
        (b"\n\n  \n", "empty"),
        (b"\x00\x01\x02binary\x00", "binary"),
        (b"PK\x03\x04rest-of-a-zip", "Excel"),
        (b"name,city\nAna,Rio\n", "no phone column"),
    ],
)
def test_unimportable_file_raises_and_leaves_database_exactly_as_before(fresh_db, data, words) -> None:
    import_contacts(fresh_db, BR_EXCEL, category="x")
    before = snapshot(fresh_db)
    with pytest.raises(CsvImportError, match=words):
        import_contacts(fresh_db, data, category="new category")
    assert snapshot(fresh_db) == before


def test_missing_file_is_named(fresh_db, tmp_path) -> None:
    with pytest.raises(CsvImportError, match="nope.csv"):
        import_contacts(fresh_db, tmp_path / "nope.csv")


def test_failure_mid_import_rolls_everything_back(fresh_db, monkeypatch) -> None:
    import_contacts(fresh_db, BR_EXCEL, category="x")
    before = snapshot(fresh_db)

    def fail(*args, **kwargs):  # after contacts and categories were written
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "_link_categories", fail)
    data = b"phone,grupo\n+5531987654321,novo\n(11) 98765-4321,vip\n"
    with pytest.raises(RuntimeError, match="disk full"):
        import_contacts(fresh_db, data, category="y", on_duplicate="update")
    assert snapshot(fresh_db) == before


def test_preview_guesses_roles_and_shows_first_rows() -> None:
    preview = csvsource.preview_csv(BR_EXCEL)
    assert preview.columns == ["Nome", "Celular", "Cidade", "Grupo"]
    assert preview.mapping == {"phone": "Celular", "name": "Nome", "category": "Grupo"}
    assert preview.rows["Nome"].tolist() == ["João da Silva", "Ana"]
    overridden = csvsource.preview_csv(BR_EXCEL, mapping={"name": "Cidade"})
    assert overridden.mapping["name"] == "Cidade"


def test_generated_file_imports_as_row_by_row_phonenumbers_would(fresh_db, tmp_path) -> None:
    path = write_contacts_csv(tmp_path / "gen.csv", n=3000, seed=7)
    report = import_contacts(fresh_db, path)
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    expected, seen = {}, set()
    for raw in rows["phone"]:
        result = phones.normalise_reason(raw, "BR")
        if isinstance(result, phones.Phone) and result.e164 not in seen:
            seen.add(result.e164)
            expected[result.e164] = result.country
    got = dict(fresh_db.execute("SELECT phone, country FROM contacts").fetchall())
    assert got == expected
    assert report.imported + report.rejected == len(rows)


def test_import_file_where_no_number_is_decided_in_sql(fresh_db) -> None:
    report = import_contacts(fresh_db, b"phone,name\nabc,A\n+44 20 7946 0958 ext. 12,B\n")
    assert (report.imported, report.rejected) == (1, 1)
    assert contacts(fresh_db) == [("+442079460958", "GB", "B", None)]
