"""Home reached as /home (the default page itself is served at the root only).

Without this file Streamlit answers /home with its own English "Page not found": on a fresh
server through pages/ discovery, and later because the default page has no path of its own.
"""

from __future__ import annotations

from ui.home import render
from ui.shell import setup

render(setup.page("nav.home"))
