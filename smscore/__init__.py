"""smsconsole's core: contacts, prices, quotes and the sender, with no Streamlit in it."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smscore.notebook import NotebookWorkspace

__all__ = ["workspace"]


def workspace(path: str | os.PathLike[str] | None = None, *, wait: float | None = None) -> NotebookWorkspace:
    """Open a workspace for a notebook: `with smscore.workspace(path) as ws: ws.cost_report()`.

    Imported lazily so `import smscore.contacts.phones` stays as light as it was.
    """
    from smscore.notebook import workspace as open_workspace

    return open_workspace(path, wait=wait)
