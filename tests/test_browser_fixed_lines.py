"""Fixed lines in a real browser (issue 20): a file with São Paulo and Rio fixed lines beside
mobiles is uploaded, the import says they will be left out, Send prices only the mobiles and
says what is saved, and the sandbox account receives the mobiles' messages only."""

from __future__ import annotations

import duckdb
import pytest
from browser import button, nav_link, screenshot, streamlit_server, wait_for_run
from playwright.sync_api import expect
from test_browser import browser_context_args, browser_type_launch_args, compose, open_via_nav, prepare  # noqa: F401

pytestmark = pytest.mark.browser

SHOP = (
    "nome;telefone\n"
    "Ana;(11) 98765-4321\n"
    "Loja Paulista;(11) 3456-7890\n"
    "Escritório Rio;(21) 2233-4455\n"
    "Bia;(21) 99876-5432\n"
)


def test_uploaded_fixed_lines_are_left_out_of_the_quote_and_the_send(page, tmp_path):
    db = tmp_path / "fixed.duckdb"
    prepare(db, csv="name,phone\nCarla,+351 912 345 678\n", rate="50")  # a contact: no demo seed
    csv_file = tmp_path / "loja.csv"
    csv_file.write_text(SHOP, encoding="utf-8")
    with streamlit_server(db, tmp_path / "server.log") as url:
        open_via_nav(page, url, "Contacts")
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(csv_file))
        wait_for_run(page)
        button(page, "Import contacts").click()
        wait_for_run(page)
        expect(page.get_by_text("2 fixed lines: they cannot receive SMS")).to_be_visible()
        screenshot(page, "contacts-import-fixed-lines")
        nav_link(page, "Send").click()
        wait_for_run(page)
        compose(page, "Oi {nome}, promoção!")
        expect(
            page.get_by_text("2 numbers cannot receive SMS and are left out: $0.12 not spent.")
        ).to_be_visible()
        expect(page.get_by_test_id("stMetric").filter(has_text="Recipients")).to_contain_text("3")
        screenshot(page, "send-fixed-lines-left-out")
        button(page, "Send to 3 recipients").click()
        dialog = page.get_by_test_id("stDialog")
        expect(dialog).to_be_visible()
        dialog.get_by_role("button", name="Confirm and send").click()
        expect(page.get_by_text("Sent: all 3 messages went out")).to_be_visible(timeout=30_000)
    con = duckdb.connect(str(db))  # the server has stopped: its lock on the file is gone
    received = {p for (p,) in con.execute("SELECT to_number FROM sandbox_messages").fetchall()}
    left = con.execute("SELECT phone, reason FROM batch_left_out ORDER BY phone").fetchall()
    con.close()
    assert received == {"+5511987654321", "+5521998765432", "+351912345678"}
    assert left == [
        ("+551134567890", "fixed line: cannot receive SMS"),
        ("+552122334455", "fixed line: cannot receive SMS"),
    ]
