"""The core knows nothing of Streamlit: a notebook or the CLI can use it alone."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import smscore

ROOT = Path(__file__).resolve().parent.parent


def test_smscore_never_imports_streamlit():
    modules = [f"smscore.{m.name}" for m in pkgutil.iter_modules(smscore.__path__) if m.name != "__main__"]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print('streamlit' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"
    assert len(modules) >= 8
