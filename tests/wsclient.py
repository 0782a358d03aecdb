"""Speak Streamlit's websocket protocol as a browser would, to replay widget messages by hand.

A browser only sends what the page lets it; a hostile client sends anything. This client runs a
page, reads the widgets the server drew (their ids), and sends widget states of its choosing,
so a test can check that the server, not the browser, enforces who may do what.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import ClientConnection, connect

_WIDGETS = ("button", "text_input", "text_area", "file_uploader", "selectbox", "download_button")


@dataclass
class Run:
    """What one script run drew: all messages as text, and widget ids by their user key."""

    text: str
    widgets: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (kind, id)


@contextlib.contextmanager
def socket(url: str) -> Iterator[Socket]:
    """One browser-like session on the console at `url`."""
    with connect(
        url.replace("http", "ws") + "/_stcore/stream", subprotocols=["streamlit"], open_timeout=10
    ) as ws:
        yield Socket(ws)


class Socket:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    def run(self, page_name: str = "", **states: object) -> Run:
        """Rerun `page_name` with widget states: str -> string_value, True -> trigger."""
        back = BackMsg()
        back.rerun_script.page_name = page_name
        back.rerun_script.query_string = ""
        for widget_id, value in states.items():
            state = back.rerun_script.widget_states.widgets.add()
            state.id = widget_id
            if value is True:
                state.trigger_value = True
            else:
                state.string_value = str(value)
        self.ws.send(back.SerializeToString())
        return self._collect()

    def _collect(self) -> Run:
        run = Run("")
        parts = []
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(self.ws.recv(timeout=30))
            parts.append(str(msg))
            if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                kind = element.WhichOneof("type")
                if kind in _WIDGETS:
                    widget_id = getattr(element, kind).id
                    run.widgets[widget_id.rsplit("-", 1)[-1]] = (kind, widget_id)
            if msg.WhichOneof("type") == "script_finished":
                run.text = "\n".join(parts)
                return run
