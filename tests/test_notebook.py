"""notebooks/cost-report.ipynb: executed with nbclient against a workspace the console has open."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from smscore import store

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "cost-report.ipynb"


def test_committed_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)


def _sent_batch(db: Path, tmp_path: Path) -> None:
    """A workspace with a sandbox batch sent and priced, made through the CLI."""
    csv = tmp_path / "contacts.csv"
    csv.write_text("name,phone,category\n" + "".join(
        f"Pessoa {i},+55 11 97{i:07d},{'vip' if i % 3 else 'clientes'}\n" for i in range(12))
        + "Mary,+44 7400 123456,vip\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SMSCONSOLE_"))}
    env["PYTHONPATH"] = str(ROOT)

    def cli(*args: str) -> None:
        done = subprocess.run([sys.executable, "-m", "smscore", "--db", str(db), *args], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr

    cli("import", str(csv), "--default-country", "BR")
    cli("send", "--body", "Olá {name}!", "--yes", "--rate", "100")
    con = store.connect(db)
    batch = con.execute("SELECT id FROM batches").fetchone()[0]
    con.close()
    cli("poll", batch)  # the sandbox prices a message once it leaves the queue


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    from browser import CHROMIUM, LAUNCH_ARGS

    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": LAUNCH_ARGS}


@pytest.mark.browser
def test_cost_report_notebook_runs_while_the_console_has_the_workspace_open(
        page, tmp_path, monkeypatch):
    from browser import open_page, streamlit_server

    db = tmp_path / "shared.duckdb"
    _sent_batch(db, tmp_path)
    monkeypatch.setenv("SMSCONSOLE_DB", str(db))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    with streamlit_server(db, tmp_path / "server.log") as url:
        open_page(page, f"{url}/reports")  # the console has the file: a run just used it
        NotebookClient(nb, timeout=180, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = "".join(str(o.get("data", {}).get("text/plain", ""))
                      for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs)
    assert "BR" in outputs and "GB" in outputs and "vip" in outputs and "clientes" in outputs
    # Altair draws with Vega-Lite: a vegalite bundle, or HTML embedding it (the default renderer).
    last = [o.get("data", {}) for o in nb.cells[-1].outputs]
    assert any(any("vegalite" in kind for kind in data) or "vega" in str(data.get("text/html"))
               for data in last), "the estimate-vs-actual chart was not drawn"
