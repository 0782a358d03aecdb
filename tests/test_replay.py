"""A viewer replaying widget messages over the websocket, against a real console.

The client signs in through the form's own widgets, then sends what the viewer's browser would
never send: a click on "Add category", a visit to Settings and Send. The server must refuse.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import duckdb
from browser import streamlit_server
from signin import PASSWORD, add_account
from wsclient import Socket, socket

from smscore import store
from smscore.contacts.importer import import_contacts


@contextlib.contextmanager
def signed_in_viewer(tmp_path: Path) -> Iterator[Socket]:
    """A real console with one contact and a viewer account, signed in over the websocket."""
    db = tmp_path / "replay.duckdb"
    con = store.connect(db)
    import_contacts(con, b"name,phone\nMary Smith,+44 7400 123456\n", default_country="GB")
    con.close()
    add_account(db, "viewer@example.com", "viewer")
    with streamlit_server(db, tmp_path / "server.log") as url:
        with socket(url) as sock:
            form = sock.run("")
            assert "Sign in to smsconsole" in form.text and "Mary" not in form.text
            ids = {k: form.widgets[k][1] for k in ("signin_email", "signin_password", "signin_submit")}
            home = sock.run(
                "",
                **{
                    ids["signin_email"]: "viewer@example.com",
                    ids["signin_password"]: PASSWORD,
                    ids["signin_submit"]: True,
                },
            )
            assert "viewer@example.com (viewer)" in home.text
            yield sock


def test_viewer_replaying_add_category_creates_nothing(tmp_path):
    with signed_in_viewer(tmp_path) as sock:
        contacts = sock.run("contacts")
        assert "Mary Smith" in contacts.text  # viewers read contacts
        box, button = contacts.widgets["new_category"][1], contacts.widgets["add_category"][1]
        sock.run("contacts", **{box: "hackers", button: True})
    con = duckdb.connect(str(tmp_path / "replay.duckdb"))  # the server has stopped
    assert con.execute("SELECT count(*) FROM categories WHERE name = 'hackers'").fetchone() == (0,)
    con.close()


def test_viewer_asking_for_operator_or_admin_pages_gets_none_of_them(tmp_path):
    with signed_in_viewer(tmp_path) as sock:
        for page in ("settings", "send", "audit", "approvals"):
            shown = sock.run(page)
            # Hidden from a viewer's navigation; its address says why, and shows nothing else.
            assert "The viewer role may not open this page" in shown.text
            for data in ("Save settings", "Send to", "Audit trail", "Approve and send", "compose"):
                assert data not in shown.text
