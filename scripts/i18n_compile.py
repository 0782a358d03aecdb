#!/usr/bin/env python3
"""Recompile smscore/words/locale/*/LC_MESSAGES/messages.mo after editing a .po file (docs/i18n.md)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from smscore.words import catalogs  # noqa: E402 - after the path fix above

if __name__ == "__main__":
    for path in catalogs.compile_all():
        print(path)
