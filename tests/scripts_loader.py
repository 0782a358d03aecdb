"""Load a script under scripts/ as a module (they are not a package)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def merge_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_merge_dict", ROOT / "scripts" / "i18n_merge_dict.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
