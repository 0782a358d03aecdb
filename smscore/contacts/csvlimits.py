"""How big a contacts CSV may be, and the one-sentence refusals when it is bigger.

A hostile or broken file must be refused in about a second, naming the limit and where it was
crossed, before any heavy work: a header of a million commas once ran 14 minutes and 1.9 GB
before Arrow aborted the process, one cell of 20,000 categories took 20 s, and a 2 GB file took
more than 6 GB of memory. The figures are generous for real contact lists (a few dozen columns,
short cells, a handful of categories) and documented in the README ("Import limits"); the memory
they allow is measured by bench/bench_import_memory.py.
"""

from __future__ import annotations

MAX_FILE_BYTES = 500 * 2**20  # the console's upload limit too
MAX_COLUMNS = 1_000
MAX_HEADER_BYTES = 256 * 1024  # the header row, names and delimiters, as UTF-8
MAX_FIELD_CHARS = 64 * 1024  # one cell
MAX_CATEGORIES_PER_ROW = 100


def mb(size: int) -> str:
    """500 MB, 1.5 MB: sizes as people say them (binary megabytes, like the upload limit)."""
    if size < 2**20:
        return f"{size:,} bytes"
    return f"{size / 2**20:,.1f}".removesuffix(".0") + " MB"


def file_too_big(size: int) -> str:
    said, limit = mb(size), mb(MAX_FILE_BYTES)
    if said == limit:  # just over: rounded, both would read "500 MB"
        said, limit = f"{size:,} bytes", f"{MAX_FILE_BYTES:,} bytes"
    return f"the file is {said}, more than the {limit} an import accepts; split it into smaller files"


def too_many_columns(count: int, exact: bool) -> str:
    return (
        f"the header has {'' if exact else 'at least '}{count:,} columns, more than the "
        f"{MAX_COLUMNS:,} an import accepts"
    )


def header_too_long() -> str:
    return f"the header row is longer than {MAX_HEADER_BYTES // 1024:,} KB, the most an import accepts"


def field_too_long(line: int) -> str:
    return (
        f"line {line:,} has a cell longer than {MAX_FIELD_CHARS:,} characters, the most an "
        "import accepts (a missing closing quote makes a cell run on)"
    )


def too_many_categories(line: int, count: int) -> str:
    return (
        f"line {line:,} has {count:,} categories in one cell, more than the "
        f"{MAX_CATEGORIES_PER_ROW:,} an import accepts"
    )
