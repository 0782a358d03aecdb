"""smsconsole: `streamlit run console.py`.

The entrypoint only registers the pages and draws Home, and (as an `st.App`) adds Twilio's
webhook routes to the same server. Everything a page needs comes from
ui.shell.setup.page(), because Streamlit may run a file in pages/ directly, without this one.
"""

from __future__ import annotations

import streamlit as st

from smscore.access import accounts
from ui.shell import setup
from ui.words.i18n import t

PAGES = ("contacts", "send", "prices", "reports", "topup", "settings", "approvals", "audit")
HIDDEN = ("home",)  # reachable by URL, not listed in the navigation
_ICONS = {
    "contacts": ":material/contacts:",
    "send": ":material/send:",
    "prices": ":material/sell:",
    "reports": ":material/monitoring:",
    "topup": ":material/add_card:",
    "settings": ":material/settings:",
    "audit": ":material/policy:",
    "approvals": ":material/gavel:",
}


def home() -> None:
    from ui.home import render  # noqa: PLC0415 - import only when the page runs

    render(setup.page("nav.home"))


def main() -> None:
    setup.language()  # page titles below are translated
    pages = [
        st.Page(home, title=t("nav.home"), icon=":material/home:", url_path="start", default=True),
        # /home as an address too (pages/home.py), hidden so Home is listed once
        *[
            st.Page(
                f"pages/{stem}.py",
                title=t("nav.home"),
                icon=":material/home:",
                url_path=stem,
                visibility="hidden",
            )
            for stem in HIDDEN
        ],
    ]
    who = setup.who()
    # Every page has its address whoever asks: before sign-in (or without the right) it is
    # hidden from the navigation and the page itself shows the sign-in form (or the refusal),
    # so a typed URL or a reload lands where it was asked, never on "Page not found".
    pages += [
        st.Page(
            f"pages/{stem}.py",
            title=t(f"nav.{stem}"),
            icon=_ICONS[stem],
            url_path=stem,
            visibility="visible"
            if who is not None and accounts.can(None, who.role, setup.PAGE_RIGHTS.get(f"nav.{stem}", "view"))
            else "hidden",
        )
        for stem in PAGES
    ]
    st.navigation(pages).run()


if __name__ == "__main__":  # every script run (Streamlit runs this file as __main__)
    main()
else:  # imported by `streamlit run console.py` to serve the console and Twilio's webhooks
    from ui.shell import script_errors, session_routes, watch
    from ui.twilio import webhook_routes

    watch.start()  # the balance watch: one thread for this server process

    app = st.App(
        __file__,
        routes=[*webhook_routes.ROUTES, *session_routes.ROUTES],
        on_script_error=script_errors.on_script_error,
    )
