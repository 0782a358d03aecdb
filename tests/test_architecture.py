"""The house (issue 19): the tree shows the architecture, the contracts hold, the docs match."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def _packages(top: str) -> list[str]:
    return sorted(
        p.parent.relative_to(ROOT).as_posix()
        for p in (ROOT / top).rglob("__init__.py")
        if "data" not in p.parts
    )


def test_the_import_contracts_hold_layers_no_streamlit_in_the_core_and_no_circles():
    done = subprocess.run(["lint-imports"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"Contracts: (\d+) kept, 0 broken", done.stdout)
    for contract in ("layers", "forbidden", "acyclic_siblings"):
        assert f'type = "{contract}"' in (ROOT / "pyproject.toml").read_text()


def test_docs_architecture_names_every_room_and_every_module_of_the_core():
    for package in _packages("smscore") + _packages("ui"):
        dotted = package.replace("/", ".")
        assert f"{package}/" in ARCHITECTURE or dotted in ARCHITECTURE, package
    for module in (ROOT / "smscore").rglob("*.py"):
        if module.stem in ("__init__", "__main__"):
            continue
        assert re.search(rf"\b{module.stem}\b", ARCHITECTURE), module.relative_to(ROOT)


def test_every_room_fits_on_a_few_screens():
    big = {
        p.relative_to(ROOT).as_posix(): n
        for p in [*(ROOT / "smscore").rglob("*.py"), *(ROOT / "ui").rglob("*.py")]
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600
    }
    assert not big, big


def test_the_readme_configuration_table_is_one_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    lines = section.strip("\n").splitlines()
    rows = [i for i, line in enumerate(lines) if line.startswith("|")]
    assert rows == list(range(rows[0], rows[-1] + 1)), "a row sits outside the table"
    assert all(line.count("|") - line.count("\\|") == 4 for line in (lines[i] for i in rows))
    for setting in ("SMSCONSOLE_IDLE_MINUTES", "[auth]", "--server.address", "SMSCONSOLE_DB"):
        assert any(setting in lines[i] for i in rows), setting
