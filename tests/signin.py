"""Signing in from tests: create a local account, then fill the console's own sign-in form.

AppTest (tests/test_access.py) and any page test that needs a role use it like this:

    add_account(db, "op@example.com", "operator")      # before the AppTest starts
    at = AppTest.from_file("console.py").run()           # shows the sign-in form
    sign_in(at, "op@example.com")                        # now signed in as an operator

No shortcut into session_state: the form, the Argon2id check and the audit row are the real ones.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from smscore import store
from smscore.access import accounts
from smscore.access.audit import Actor

PASSWORD = "test password 1"


def add_account(db: Path, email: str, role: str, password: str = PASSWORD) -> None:
    con = store.connect(db)
    accounts.add_user(con, email, role, password, Actor("cli:tests", "cli"))
    con.close()


def sign_in(at: AppTest, email: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="signin_email").input(email)
    at.text_input(key="signin_password").input(password)
    at.button(key="signin_submit").click()
    return at.run()
