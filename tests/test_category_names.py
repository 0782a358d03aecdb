"""Category names without case or accents (issue 18): `VIP` is `vip` at import, at add and in
filters, the first spelling kept; rename and merge, audited, with the contacts moved; a
workspace that already holds `VIP` and `vip` gets them merged by its migration."""

from __future__ import annotations

import json

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smscore import store
from smscore.access.audit import Actor
from smscore.contacts import book
from smscore.contacts.importer import import_contacts
from smscore.cost.quote import Selection, build_quote

ADMIN = Actor("admin@example.com", "console")
FILE = (
    "nome;telefone;categoria\n"
    "Ana;(11) 98765-4321;VIP|Clientes\n"
    "Bia;(11) 98765-4322;vip|clientes|VIP\n"
    "Caio;(11) 98765-4323;Promoção\n"
    "Duda;(11) 98765-4324;promocao\n"
).encode()


def _categories(con) -> list[tuple[str, int]]:
    return [tuple(r) for r in book.list_categories(con).itertuples(index=False)]


@pytest.fixture
def con(fresh_db):
    import_contacts(fresh_db, FILE, default_country="BR")
    return fresh_db


def test_import_keeps_one_category_per_name_in_its_first_spelling(con):
    assert _categories(con) == [("Clientes", 2), ("Promoção", 2), ("VIP", 2)]
    links = con.execute("SELECT count(*), count(DISTINCT (contact_id, category_id)) FROM contact_categories")
    assert links.fetchall() == [(6, 6)]  # `vip|clientes|VIP` links Bia to VIP once


def test_a_later_import_joins_the_stored_spelling(con):
    report = import_contacts(con, b"telefone;grupo\n(11) 98765-4325;VIP\n", category="CLIENTES")
    assert report.categories_created == []
    assert _categories(con) == [("Clientes", 3), ("Promoção", 2), ("VIP", 3)]


def test_the_category_argument_spelling_wins_over_the_file_for_a_new_name(fresh_db):
    report = import_contacts(fresh_db, b"telefone;grupo\n(11) 98765-4325;natal\n", category="Natal")
    assert report.categories_created == ["Natal"]
    assert _categories(fresh_db) == [("Natal", 1)]


def test_adding_a_name_that_differs_only_in_case_or_accents_adds_nothing(con):
    assert book.add_category(con, "vip") is False
    assert book.add_category(con, "PROMOCAO") is False
    assert book.add_category(con, "Natal") is True
    assert book.find_category(con, "natal") == (book.find_category(con, "Natal")[0], "Natal")


def test_filters_and_quotes_name_a_category_in_any_case(con):
    page, total = book.browse(con, category="vip")
    assert total == 2 and sorted(page["name"]) == ["Ana", "Bia"]
    assert book.browse(con, category="PROMOCAO")[1] == 2
    q = build_quote(con, "Oi", Selection(categories=("clientes",)))
    assert q.n_recipients == 2


def test_rename_keeps_the_contacts_and_is_audited(con):
    assert book.rename_category(con, "vip", "Clientes VIP", ADMIN) == 2
    assert ("Clientes VIP", 2) in _categories(con)
    row = con.execute("SELECT target, detail FROM audit WHERE action = 'category.rename'").fetchall()
    assert row[0][0] == "VIP" and json.loads(row[0][1]) == {"to": "Clientes VIP", "contacts": 2}


def test_rename_may_change_only_the_case_of_its_own_name(con):
    book.rename_category(con, "Promoção", "PROMOÇÃO", ADMIN)
    assert ("PROMOÇÃO", 2) in _categories(con)


def test_rename_to_another_categorys_name_is_refused_as_a_merge(con):
    with pytest.raises(book.CategoryError, match="merge"):
        book.rename_category(con, "VIP", "clientes", ADMIN)
    assert _categories(con) == [("Clientes", 2), ("Promoção", 2), ("VIP", 2)]


def test_merge_moves_every_contact_once_and_removes_the_source(con):
    import_contacts(con, b"telefone;grupo\n(11) 98765-4326;Clientes\n")
    moved = book.merge_categories(con, "vip", "CLIENTES", ADMIN)
    assert moved == 2  # Ana and Bia, who were in both: they stay in Clientes once
    assert _categories(con) == [("Clientes", 3), ("Promoção", 2)]
    links = con.execute("SELECT count(*), count(DISTINCT (contact_id, category_id)) FROM contact_categories")
    assert links.fetchall() == [(5, 5)]
    row = con.execute("SELECT target, detail FROM audit WHERE action = 'category.merge'").fetchall()
    assert row[0][0] == "Clientes" and json.loads(row[0][1]) == {"from": "VIP", "contacts": 2}


def test_merge_into_itself_or_a_missing_category_is_refused(con):
    with pytest.raises(book.CategoryError):
        book.merge_categories(con, "vip", "VIP", ADMIN)
    with pytest.raises(book.CategoryError, match="no category"):
        book.merge_categories(con, "vip", "natal", ADMIN)
    assert con.execute("SELECT count(*) FROM audit").fetchall() == [(0,)]


def test_the_migration_merges_categories_that_differ_only_in_case_or_accents(db_path):
    """A workspace from before: `VIP`, `vip` and `Vip` as three categories, one contact in two."""
    con = duckdb.connect(str(db_path))
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)")
    for version, statements in store.MIGRATIONS:
        if version < 12:
            for statement in statements:
                con.execute(statement)
            con.execute("INSERT INTO schema_version VALUES (?, now())", [version])
    con.execute("INSERT INTO categories (name) VALUES ('VIP'), ('vip'), ('Vip'), ('Promoção'), ('promocao')")
    con.execute(
        "INSERT INTO contacts (id, phone, name) VALUES (1, '+5511987654321', 'Ana'), (2, '+5511987654322', 'Bia')"
    )
    con.execute("""INSERT INTO contact_categories SELECT c, k.id FROM (VALUES (1, 'VIP'), (1, 'vip'),
                   (2, 'Vip'), (2, 'promocao')) t(c, n) JOIN categories k ON k.name = t.n""")
    con.close()
    con = store.connect(db_path)
    assert _categories(con) == [("Promoção", 1), ("VIP", 2)]
    assert con.execute("SELECT count(*) FROM contact_categories").fetchall() == [(3,)]
    con.close()


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.sampled_from(["VIP", "vip", "Vip", "vIP", "Promoção", "promocao", "PROMOÇÃO"]),
        min_size=1,
        max_size=8,
    )
)
def test_names_that_fold_alike_are_always_one_category(tmp_path_factory, names):
    con = store.connect(tmp_path_factory.mktemp("cats") / "ws.duckdb")
    try:
        cell = "|".join(names)
        import_contacts(con, f"telefone;grupo\n(11) 98765-4321;{cell}\n".encode())
        for name in names:
            book.add_category(con, name)
        shown = [name for name, _ in _categories(con)]
        folded = {n.lower().replace("ç", "c").replace("ã", "a") for n in names}
        assert len(shown) == len(folded)
        assert set(shown) <= set(names)  # a spelling the operator wrote, the first one seen
        first = {}
        for n in names:
            first.setdefault(n.lower().replace("ç", "c").replace("ã", "a"), n)
        assert sorted(shown) == sorted(first.values())
        assert all(count == 1 for _, count in _categories(con))
    finally:
        con.close()
