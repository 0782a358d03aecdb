"""notebooks/cost-report.ipynb: executed with nbclient against a workspace the console has open,
and, with only the installed package, from a folder outside the repository on a new workspace and
on one with batches."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import smscore
from smscore import store
from smscore.batchid import short_id

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "cost-report.ipynb"


def test_committed_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)


def _env(pythonpath: Path, **extra: str) -> dict[str, str]:
    """This environment without Twilio credentials, workspace settings or a PYTHONPATH of its
    own: smscore comes from `pythonpath` alone."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TWILIO_", "SMSCONSOLE_")) and k != "PYTHONPATH"
    }
    return {**env, "PYTHONPATH": str(pythonpath), **extra}


def _contacts_csv(tmp_path: Path) -> Path:
    csv = tmp_path / "contacts.csv"
    csv.write_text(
        "name,phone,category\n"
        + "".join(f"Pessoa {i},+55 11 97{i:07d},{'vip' if i % 3 else 'clientes'}\n" for i in range(12))
        + "Mary,+44 7400 123456,vip\n"
    )
    return csv


def _cli(command: Sequence[str], *args: str, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run([*command, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _sent_batch(
    db: Path,
    tmp_path: Path,
    command: Sequence[str] = (sys.executable, "-m", "smscore"),
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
) -> str:
    """A workspace with a sandbox batch sent and priced, made through the CLI `command`."""
    env = env or _env(ROOT)

    def cli(*args: str) -> None:
        _cli(command, "--db", str(db), *args, cwd=cwd, env=env)

    cli("import", str(_contacts_csv(tmp_path)), "--default-country", "BR")
    cli("send", "--body", "Olá {name}!", "--yes", "--rate", "100")
    con = store.connect(db)
    batch = con.execute("SELECT id FROM batches").fetchone()[0]
    con.close()
    cli("poll", batch)  # the sandbox prices a message once it leaves the queue
    return batch


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    from browser import CHROMIUM, LAUNCH_ARGS

    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": LAUNCH_ARGS}


@pytest.mark.browser
def test_cost_report_notebook_runs_while_the_console_has_the_workspace_open(page, tmp_path, monkeypatch):
    from browser import open_page, streamlit_server

    db = tmp_path / "shared.duckdb"
    _sent_batch(db, tmp_path)
    monkeypatch.setenv("SMSCONSOLE_DB", str(db))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    with streamlit_server(db, tmp_path / "server.log") as url:
        open_page(page, f"{url}/reports")  # the console has the file: a run just used it
        NotebookClient(
            nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
        ).execute()
    outputs = "".join(
        str(o.get("data", {}).get("text/plain", ""))
        for cell in nb.cells
        if cell.cell_type == "code"
        for o in cell.outputs
    )
    assert "BR" in outputs and "GB" in outputs and "vip" in outputs and "clientes" in outputs
    # Altair draws with Vega-Lite: a vegalite bundle, or HTML embedding it (the default renderer).
    last = [o.get("data", {}) for o in nb.cells[-1].outputs]
    assert any(
        any("vegalite" in kind for kind in data) or "vega" in str(data.get("text/html")) for data in last
    ), "the estimate-vs-actual chart was not drawn"


@pytest.mark.browser
def test_cost_report_notebook_runs_while_the_console_sends(page, tmp_path, monkeypatch):
    """A batch sending from the console, paced at 2 messages a second, and the notebook executed
    meanwhile: both finish, every message went out once, and the notebook shows the batches."""
    import duckdb
    from browser import open_page, streamlit_server
    from playwright.sync_api import expect
    from test_browser import compose

    db = tmp_path / "shared.duckdb"
    first = _sent_batch(db, tmp_path)  # 13 contacts, one batch already sent
    con = duckdb.connect(str(db))
    con.execute("UPDATE settings SET value = '2' WHERE key = 'send_rate'")  # ~6 s for 13
    con.close()
    monkeypatch.setenv("SMSCONSOLE_DB", str(db))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    with streamlit_server(db, tmp_path / "server.log") as url:
        open_page(page, f"{url}/send")
        compose(page, "Olá {name}, a promoção continua!")
        page.get_by_test_id("stButton").filter(has_text="Send to 13 recipients").locator("button").click()
        page.get_by_test_id("stDialog").get_by_role("button", name="Confirm and send").click()
        expect(page.get_by_text("Sent: all 13 messages went out")).to_have_count(0)  # still sending
        started = datetime.now(UTC).replace(tzinfo=None)
        NotebookClient(
            nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
        ).execute()
        ended = datetime.now(UTC).replace(tzinfo=None)
        expect(page.get_by_text("Sent: all 13 messages went out")).to_be_visible(timeout=60_000)
    con = duckdb.connect(str(db))
    received = con.execute("SELECT to_number, count(*) FROM sandbox_messages GROUP BY 1").fetchall()
    during = con.execute(
        "SELECT count(*) FROM sandbox_messages WHERE body LIKE '%continua%' AND date_created BETWEEN ? AND ?",
        [started, ended],
    ).fetchone()[0]
    con.close()
    assert sorted(n for _, n in received) == [2] * 13  # the CLI's batch and the console's, once each
    assert during > 0, "the console sent while the notebook ran"
    outputs = "".join(
        str(o.get("data", {}).get("text/plain", ""))
        for cell in nb.cells
        if cell.cell_type == "code"
        for o in cell.outputs
    )
    assert short_id(first) in outputs and "BR" in outputs


# --- no batch yet --------------------------------------------------------------------------------


def test_cost_of_no_batches_has_the_report_columns_typed(db_path):
    """A new workspace's frames carry their columns, money as Decimals: the notebook's sums and
    chart name them."""
    with smscore.workspace(db_path) as ws:
        recent = ws.batches()
        frames = {
            by: ws.cost_of_batches(by, recent["batch_id"])
            for by in ("batch", "country", "category", "day", "operator")
        }
        reports = {by: ws.cost_report(by) for by in frames}
    assert recent.empty and "outcome" in recent and "short_id" in recent
    for by, frame in frames.items():
        assert frame.empty
        stacked = [] if by == "batch" else ["batch_id"]  # "batch" has it already
        assert list(frame.columns) == list(reports[by].columns) + stacked
        assert {"currency", "estimate_max", "actual", "variance", "batch_id"} <= set(frame.columns)
        assert frame["estimate_max"].dtype == object  # Decimals when there are rows
    assert frames["batch"]["outcome"].dtype == recent["outcome"].dtype


def test_cost_of_batches_sums_decimals_with_batches(tmp_path):
    db = tmp_path / "sent.duckdb"
    batch = _sent_batch(db, tmp_path)
    with smscore.workspace(db) as ws:
        frame = ws.cost_of_batches("country", ws.batches()["batch_id"])
    assert set(frame["country"]) == {"BR", "GB"} and set(frame["batch_id"]) == {batch}
    assert all(isinstance(v, Decimal) for v in frame["estimate_max"])


# --- the installed package, from a folder outside the repository ---------------------------------


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package as pip installs it from this checkout, in a folder of its own: only what the
    package carries (its modules, price list, error dictionary and console script).

    Built from a copy so pip's build/ folder never lands in the checkout, and two test workers
    never build in the same place.
    """
    work = tmp_path_factory.mktemp("installed")
    source = work / "source"
    shutil.copytree(ROOT / "smscore", source / "smscore", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    site = work / "site"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return site


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """The current folder of a run outside the repository."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    assert ROOT not in folder.parents
    return folder


def _run_notebook(cwd: Path, env: dict[str, str]) -> tuple[nbformat.NotebookNode, str]:
    """The notebook executed in a kernel started in `cwd` with `env`; its outputs as text.

    A last cell, added here, prints where the kernel's smscore came from.
    """
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import smscore.notebook, smscore.reports\n"
            "print('smscore from', smscore.notebook.__file__, smscore.reports.__file__)"
        )
    )
    NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    ).execute(env=env)
    text = "\n".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
        for cell in nb.cells
        if cell.cell_type == "code"
        for o in cell.outputs
    )
    return nb, text


def _charted(cell: nbformat.NotebookNode) -> bool:
    """Altair draws with Vega-Lite: a vegalite bundle, or HTML embedding it."""
    return any(
        any("vegalite" in kind for kind in o.get("data", {}))
        or "vega" in str(o.get("data", {}).get("text/html"))
        for o in cell.outputs
    )


def _imported_from(site: Path, text: str) -> None:
    line = next(line for line in text.splitlines() if line.startswith("smscore from"))
    paths = [Path(p) for p in line.split()[2:]]
    assert len(paths) == 2 and all(site in p.parents for p in paths), line


def test_installed_notebook_on_a_new_workspace_says_there_is_no_batch(installed, outside, tmp_path):
    """Contacts but no batch, in the installed package's default workspace (no SMSCONSOLE_DB)."""
    env = _env(installed, XDG_DATA_HOME=str(tmp_path / "xdg"))
    _cli(
        [str(installed / "bin" / "smscore")],
        "import",
        str(_contacts_csv(tmp_path)),
        "--default-country",
        "BR",
        cwd=outside,
        env=env,
    )
    default = tmp_path / "xdg" / "smsconsole" / "smsconsole.duckdb"
    assert default.is_file()
    nb, text = _run_notebook(outside, env)
    _imported_from(installed, text)
    assert f"No batch in the workspace {default} yet" in text
    assert "No batch yet: no chart." in text  # nbclient raises on any error in a cell
    assert not any(_charted(cell) for cell in nb.cells if cell.cell_type == "code")
    assert "Empty DataFrame" in text and "estimate_max" in text


def test_installed_notebook_on_a_workspace_with_batches_shows_them(installed, outside, tmp_path):
    env = _env(installed)
    db = tmp_path / "sent.duckdb"
    batch = _sent_batch(db, tmp_path, command=[str(installed / "bin" / "smscore")], cwd=outside, env=env)
    nb, text = _run_notebook(outside, {**env, "SMSCONSOLE_DB": str(db)})
    _imported_from(installed, text)
    assert "No batch" not in text
    recent = str(nb.cells[2].outputs[-1]["data"]["text/plain"])
    assert short_id(batch) in recent and "sandbox" in recent
    assert "BR" in text and "GB" in text and "vip" in text and "clientes" in text
    assert _charted(nb.cells[-2]), "the estimate-vs-actual chart was not drawn"


def test_installed_console_script_and_package_data(installed, outside, tmp_path):
    """`smscore` as pip installs it runs from anywhere, with the price list and Twilio's error
    dictionary read from the package."""
    env = _env(installed)
    script = [str(installed / "bin" / "smscore")]
    assert "quote" in _cli(script, "--help", cwd=outside, env=env)
    db = str(tmp_path / "quote.duckdb")
    _cli(
        script,
        "--db",
        db,
        "import",
        str(_contacts_csv(tmp_path)),
        "--default-country",
        "BR",
        cwd=outside,
        env=env,
    )
    quote = json.loads(
        _cli(script, "--db", db, "quote", "--body", "Olá {name}!", "--json", cwd=outside, env=env)
    )
    assert quote["price_list_as_of"] and {c["iso"] for c in quote["countries"]} == {"BR", "GB"}
    assert Decimal(quote["total_max"]) > 0
    probe = (
        "from smscore.twilio import errors\n"
        "e, pt = errors.explain(30003), errors.explain(30003, 'pt-BR')\n"
        "print(errors.__file__, e.from_dictionary, pt.lang, e.meaning)"
    )
    where, from_dictionary, lang, *meaning = _cli([sys.executable, "-c", probe], cwd=outside, env=env).split()
    assert installed in Path(where).parents
    assert from_dictionary == "True" and lang == "pt-BR" and meaning
    # Both catalogs ship in the package: the installed CLI speaks Portuguese under pt_BR.
    pt_env = {**env, "LANG": "pt_BR.UTF-8"}
    said = _cli(script, "--db", db, "quote", "--body", "Olá {name}!", cwd=outside, env=pt_env)
    assert "total: 13 destinatários" in said and "US$" in said
    assert "importa contatos de um arquivo CSV" in _cli(script, "--help", cwd=outside, env=pt_env)
