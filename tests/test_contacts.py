"""Contacts queries: counts, categories, paged browsing with filters, the opt-out list."""

from __future__ import annotations

import pytest

from smscore.contacts import book
from smscore.contacts.importer import import_contacts

PEOPLE = (
    b"nome,celular,grupo\n"
    b"Ana Souza,(11) 98765-4321,vip|clientes\n"
    b"Bruno,+351 912 345 678,clientes\n"
    b"Carla Souza,+1 212 555 0123,\n"
)


@pytest.fixture
def con(fresh_db):
    import_contacts(fresh_db, PEOPLE)
    return fresh_db


def test_counts_contacts_and_categories(con) -> None:
    assert (book.count_contacts(con), book.count_categories(con)) == (3, 2)


def test_lists_categories_with_member_counts(con) -> None:
    book.add_category(con, "empty")
    frame = book.list_categories(con)
    assert frame.values.tolist() == [["clientes", 2], ["empty", 0], ["vip", 1]]


def test_lists_countries_most_contacts_first(con) -> None:
    import_contacts(con, b"phone\n+351 913 000 111\n")
    assert book.list_countries(con).values.tolist() == [["PT", 2], ["BR", 1], ["US", 1]]


def test_browse_pages_on_the_server_and_gives_the_total(con) -> None:
    page, total = book.browse(con, limit=2, offset=2)
    assert total == 3
    assert page["name"].tolist() == ["Carla Souza"]
    assert page.columns.tolist() == book.BROWSE_COLUMNS


def test_browse_searches_name_and_formatted_digits(con) -> None:
    assert book.browse(con, search="souza")[1] == 2
    page, total = book.browse(con, search="98765-4321")
    assert (total, page["name"].tolist()) == (1, ["Ana Souza"])


def test_browse_filters_by_category_and_country(con) -> None:
    page, total = book.browse(con, category="clientes", country="pt")
    assert (total, page["phone"].tolist()) == (1, ["+351912345678"])
    assert page["categories"].tolist() == ["clientes"]
    first = book.browse(con, category="clientes")[0]
    assert first["categories"].tolist()[0] == "clientes, vip"


def test_browse_refuses_a_bad_page(con) -> None:
    with pytest.raises(ValueError, match="limit=0"):
        book.browse(con, limit=0)


def test_browse_stays_paged_on_a_large_table(fresh_db) -> None:
    fresh_db.execute(
        "INSERT INTO contacts (phone, country, name) "
        "SELECT '+5511' || (900000000 + i)::VARCHAR, 'BR', 'n' || i "
        "FROM range(200000) t(i)"
    )
    page, total = book.browse(fresh_db, limit=50, offset=199_990)
    assert total == 200_000 and len(page) == 10
    assert page["name"].iloc[-1] == "n199999"


def test_add_and_remove_category_keeps_the_contacts(con) -> None:
    assert book.add_category(con, " novos ") is True
    assert book.add_category(con, "novos") is False
    assert book.remove_category(con, "clientes") == 2
    assert book.count_contacts(con) == 3
    assert "clientes" not in book.list_categories(con)["name"].tolist()
    with pytest.raises(ValueError, match="'clientes'"):
        book.remove_category(con, "clientes")


def test_suppression_list_add_check_list_remove(con) -> None:
    phone = book.suppress(con, "(11) 98765-4321", default_country="BR")
    assert phone == "+5511987654321"
    assert book.is_suppressed(con, phone)
    assert book.list_suppressions(con)["phone"].tolist() == [phone]
    assert book.unsuppress(con, phone) is True
    assert not book.is_suppressed(con, phone)
    assert book.unsuppress(con, phone) is False


def test_suppress_refuses_an_invalid_number_naming_it(con) -> None:
    with pytest.raises(ValueError, match="'123'"):
        book.suppress(con, "123")
