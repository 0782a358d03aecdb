"""Reading the contact CSVs operators really have: any common encoding, delimiter and header.

Brazilian Excel saves Windows-1252 with `;`; Google Sheets saves UTF-8 with `,`; some tools add
a BOM or use tabs; names hold quoted delimiters and newlines; blank lines creep in. This module
guesses all of that, guesses which column is the phone, the name and the category (English or
Portuguese headers, `csvcolumns`), and loads the rows into DuckDB keeping each record's line in
the file, so a rejected row can be reported where the operator will find it.

Big clean files are parsed by DuckDB (fast); a file DuckDB's strict reader refuses (ragged rows,
stray quotes, whitespace-only lines) is parsed with Python's csv module instead. A file over
the limits of `csvlimits` (size, columns, header, cell) is refused before it is read whole. A
plain UTF-8 file is read from disk a chunk at a time and never held; other text is held once,
as UTF-8 bytes, so memory stays a small multiple of the file's size.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import tempfile
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from smscore.contacts import csvlimits
from smscore.contacts.csvcolumns import ROLES, guess_mapping

DELIMITERS = (",", ";", "\t")
PREVIEW_ROWS = 20
_SAMPLE = 64 * 1024
# Bytes decoded or scanned at a time. 1 MB stays in the CPU's caches (the line scan of a 100 MB
# file: 0.13 -> 0.09 s) and glibc reuses one block for the next: at 16 MB, blocks past glibc's
# mmap threshold were left behind as ~50 MB of free heap the process kept to the end.
_CHUNK = 2**20
_BATCH_ROWS = 100_000  # records parsed by Python per Arrow batch

_PHONE_LIKE = re.compile(r"\s*\+?\(?[0-9][0-9 ().\-]{5,}\s*")


class CsvImportError(ValueError):
    """A file that cannot be imported at all; the message says why, naming the bad value."""


@dataclass(frozen=True)
class CsvPreview:
    """What the UI shows before an import: the guesses, and the first rows as text."""

    encoding: str
    delimiter: str
    columns: list[str]
    mapping: dict[str, str]  # role ('phone', 'name', 'category') -> column
    rows: pd.DataFrame


@dataclass(frozen=True)
class CsvFile:
    """A decoded CSV: its dialect, header, and its text as UTF-8 ready for a parser.

    The text is never one Python str (a str of a 500 MB file with one accent in it takes 1 GB,
    two bytes a character). A plain UTF-8 file on disk is not held at all: each reader goes
    through it from `path` a chunk at a time, so the import's peak no longer holds the file's
    size in bytes beside DuckDB's copy of it. Other text (uploaded bytes, transcoded, a BOM
    removed) is held once, as UTF-8 bytes.
    """

    encoding: str
    delimiter: str
    columns: list[str]  # header names as written (or column1.. when there is no header)
    has_header: bool
    path: Path | None  # the file, read as needed, when it is the text as is (plain UTF-8)
    data: bytes = field(default=b"", repr=False)  # else the text as UTF-8, without BOM
    size: int = 0  # bytes of text

    def chunks(self) -> Iterator[bytes]:
        """The text, `_CHUNK` bytes at a time."""
        if self.path is None:
            yield from _chunks(self.data)
            return
        with self.path.open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                yield chunk

    def text(self) -> io.TextIOBase:
        """The text as a stream, decoded as it is read (BytesIO shares the bytes, no copy)."""
        if self.path is not None:
            return self.path.open(encoding="utf-8", newline="")
        return io.TextIOWrapper(io.BytesIO(self.data), encoding="utf-8", newline="")


def _chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), _CHUNK):
        yield data[start : start + _CHUNK]


def preview_csv(source: str | Path | bytes, mapping: dict[str, str] | None = None) -> CsvPreview:
    """Guess the dialect and the role of each column; `mapping` overrides the guess per role."""
    csv_file = open_csv(source)
    rows = list(_python_records(csv_file, limit=PREVIEW_ROWS))
    frame = pd.DataFrame([r[2] for r in rows], columns=csv_file.columns, dtype=object)
    return CsvPreview(
        csv_file.encoding,
        csv_file.delimiter,
        list(csv_file.columns),
        resolve_mapping(csv_file, mapping),
        frame.fillna(""),
    )


def open_csv(source: str | Path | bytes) -> CsvFile:
    """Read and decode a file, sniff its delimiter and header. Raises CsvImportError.

    Only the header is parsed here, and only from the file's first bytes, so a file over the
    size, header or column limits is refused before anything reads it whole.
    """
    encoding, utf8, path, size = _read(source)
    text = CsvFile(encoding, ",", [], False, path, utf8, size)
    if not any(re.search(rb"\S", chunk) for chunk in text.chunks()):
        raise CsvImportError("the file is empty")
    head = _head(text).decode("utf-8", "ignore")  # may cut a character
    delimiter = sniff_delimiter(head[:_SAMPLE])
    first = _header_record(head, delimiter, whole=size <= csvlimits.MAX_HEADER_BYTES)
    has_header = not any(_PHONE_LIKE.fullmatch(cell) for cell in first)
    if has_header:
        columns = _unique([c.strip() or f"column{i + 1}" for i, c in enumerate(first)])
    else:
        columns = [f"column{i + 1}" for i in range(len(first))]
    return replace(text, delimiter=delimiter, columns=columns, has_header=has_header)


def _head(text: CsvFile) -> bytes:
    """The text's first MAX_HEADER_BYTES + 1 bytes, where its header must end."""
    want = csvlimits.MAX_HEADER_BYTES + 1
    if text.path is None:
        return text.data[:want]
    with text.path.open("rb") as stream:
        return stream.read(want)


def _header_record(head: str, delimiter: str, whole: bool) -> list[str]:
    """The first non-blank record of `head` (the file's first bytes, or all of it if `whole`).

    It must end inside `head` (another record, or a line break, follows it): a header that does
    not would be cut, and its columns silently lost.
    """
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
    try:
        first = next((r for r in reader if any(c.strip() for c in r)), [])
        ended = whole or head.endswith(("\n", "\r")) or next(reader, None) is not None
    except csv.Error:  # a cell beyond csv's own limit (128 KB) inside the header
        raise CsvImportError(csvlimits.header_too_long()) from None
    if len(first) > csvlimits.MAX_COLUMNS:
        raise CsvImportError(csvlimits.too_many_columns(len(first), exact=ended))
    if not ended:
        raise CsvImportError(csvlimits.header_too_long())
    return first


def _read(source: str | Path | bytes) -> tuple[str, bytes, Path | None, int]:
    """(encoding, the text as UTF-8 or b"" when `path` holds it as is, path, size in bytes),
    refused by its size before it is read. A plain UTF-8 file is only validated, in chunks."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        _check_size(len(source))
        encoding, utf8 = to_utf8(bytes(source))
        return encoding, utf8, None, len(utf8)
    path = Path(source)
    try:
        size = path.stat().st_size
        _check_size(size)
        if _plain_utf8(path):
            return "utf-8", b"", path, size
        data = path.read_bytes()
    except OSError as exc:
        raise CsvImportError(f"cannot read {str(path)!r}: {exc.strerror or exc}") from exc
    encoding, utf8 = to_utf8(data)  # a mark, binary, or not UTF-8: refused or transcoded
    return encoding, utf8, None, len(utf8)


def _plain_utf8(path: Path) -> bool:
    """Whether the file is UTF-8 with none of the marks `to_utf8` looks for (BOM, zip, NUL)."""
    with path.open("rb") as stream:
        head = stream.read(4096)
        if head.startswith((b"PK\x03\x04", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")) or b"\x00" in head:
            return False
        stream.seek(0)
        return _utf8_error(iter(lambda: stream.read(_CHUNK), b"")) is None


def _check_size(size: int) -> None:
    if size > csvlimits.MAX_FILE_BYTES:
        raise CsvImportError(csvlimits.file_too_big(size))


def to_utf8(data: bytes) -> tuple[str, bytes]:
    """(encoding name, the text as UTF-8 without BOM): UTF-8 with or without BOM, UTF-16 with
    BOM, else Windows-1252. UTF-8 input is validated in chunks and returned as is (no copy)."""
    head = data[:4096]
    if head.startswith(b"PK\x03\x04"):
        raise CsvImportError(
            "this is a zip or Excel .xlsx file, not a CSV; in Excel use File > Save As > CSV"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", _from_utf16(data)
    if b"\x00" in head:
        raise CsvImportError("the file holds binary data (NUL bytes), not CSV text")
    if data.startswith(b"\xef\xbb\xbf"):
        body = data[3:]
        bad = _utf8_error(_chunks(body))
        if bad is not None:
            raise CsvImportError(f"the file starts with a UTF-8 mark but byte {bad + 3:,} is not UTF-8")
        return "utf-8-sig", body
    if _utf8_error(_chunks(data)) is None:
        return "utf-8", data
    try:
        return "windows-1252", _transcode(data, "cp1252")
    except UnicodeDecodeError:  # bytes cp1252 leaves undefined (0x81, 0x8d ...): Latin-1
        return "latin-1", _transcode(data, "latin-1")


def _from_utf16(data: bytes) -> bytes:
    """UTF-16 text behind its BOM, as UTF-8. CSV text in UTF-16 has NUL bytes (the high byte of
    every delimiter, digit and line break); a BOM in front of 8-bit text has none, and decoding
    it would turn the file into CJK-looking garbage with no phone column."""
    if b"\x00" not in data[2:4096]:
        raise CsvImportError(
            "the file starts with a UTF-16 mark but its text is not UTF-16; save it again as UTF-8"
        )
    try:
        return _transcode(data, "utf-16")
    except UnicodeDecodeError as exc:
        raise CsvImportError(
            f"the file starts with a UTF-16 mark but is not valid UTF-16 "
            f"near byte {exc.start:,}; save it again as UTF-8"
        ) from None


def _utf8_error(chunks: Iterable[bytes]) -> int | None:
    """Offset of the first byte that is not UTF-8, or None; decodes chunk by chunk (no
    file-sized str), and ASCII chunks (most of a contact file) not at all."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    start = 0
    for chunk in chunks:
        pending = decoder.getstate()[0]
        if pending or not chunk.isascii():
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return max(0, start + exc.start - len(pending))
        start += len(chunk)
    pending = decoder.getstate()[0]
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:  # the text ends inside a character
        return start - len(pending) + exc.start
    return None


def _transcode(data: bytes, encoding: str) -> bytes:
    """`data` decoded from `encoding` and encoded as UTF-8, a chunk at a time."""
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(data)
    parts = [
        decoder.decode(view[start : start + _CHUNK], final=start + _CHUNK >= len(data)).encode("utf-8")
        for start in range(0, len(data), _CHUNK)
    ]
    return b"".join(parts)


def sniff_delimiter(sample: str) -> str:
    """The delimiter among , ; TAB that splits the sample's records most consistently."""
    lines = sample.splitlines()
    if len(sample) >= _SAMPLE and len(lines) > 1:
        sample = "\n".join(lines[:-1])  # the last line may be cut
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        widths = [
            len(r)
            for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
            if any(c.strip() for c in r)
        ]
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        score = (count / len(widths), width) if width > 1 else (0.0, 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def resolve_mapping(csv_file: CsvFile, mapping: dict[str, str] | None) -> dict[str, str]:
    """The guessed mapping with the caller's choices on top; unknown roles or columns raise.

    Without a header, the phone is the first column whose first cell looks like a number; a
    file of a single column is taken to be phone numbers.
    """
    columns = csv_file.columns
    result = guess_mapping(columns) if csv_file.has_header else {}
    if "phone" not in result:
        phone = _headerless_phone(csv_file) or (columns[0] if len(columns) == 1 else None)
        if phone:
            result["phone"] = phone
    for role, column in (mapping or {}).items():
        if role not in ROLES:
            raise CsvImportError(f"unknown column role {role!r}; roles are {', '.join(ROLES)}")
        if column in (None, ""):
            result.pop(role, None)
            continue
        if column not in columns:
            raise CsvImportError(
                f"mapping {role}={column!r}: no such column; the columns are "
                f"{', '.join(repr(c) for c in columns)}"
            )
        result = {r: c for r, c in result.items() if c != column}
        result[role] = column
    return result


def _headerless_phone(csv_file: CsvFile) -> str | None:
    if csv_file.has_header:
        return None
    first = list(_python_records(csv_file, limit=1))
    for column, cell in zip(csv_file.columns, first[0][2] if first else []):
        if _PHONE_LIKE.fullmatch(cell or ""):
            return column
    return None


def _unique(names: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for name in names:
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


# ---------------------------------------------------------------------------------------------
# Loading every record into DuckDB.


def load(con: duckdb.DuckDBPyConnection, csv_file: CsvFile, table: str) -> int:
    """Create temp view `table(key, c0 .. cN, extra)`, one row per record, all VARCHAR.

    `key` is the record's 1-based order, `extra` the non-empty fields beyond the header's width
    (NULL when there are none). The rows live in temp table `data_table(table)`; `key` is its
    rowid + 1 (DuckDB keeps insertion order), which costs nothing, where numbering rows while
    reading cost a third of the read. The line where each record starts goes to temp table
    `lines_table(table)`, row for row beside the data (rowid key - 1, see `line_of`): only
    rejected rows ever need it, so it waits in DuckDB, which may spill it, rather than in
    Python to the end of the import. Returns how many records were read (blank ones among them).
    Drop them all with `drop`.
    """
    lines = _load_with_duckdb(con, csv_file, table)
    if lines is None:
        lines = _load_with_python(con, csv_file, table)
    _store_lines(con, table, lines)
    records = len(lines)
    del lines
    # A record of empty fields (`;;;` from Excel) is a blank line, whichever parser read it.
    blank = " AND ".join(f"coalesce(trim(c{i}), '') = ''" for i in range(len(csv_file.columns)))
    deleted = con.execute(f"DELETE FROM {table}_data WHERE {blank} AND extra IS NULL").fetchall()[0][0]
    if deleted:  # the lines follow, so the two stay row for row (rowids are kept)
        con.execute(f"DELETE FROM {table}_lines WHERE rowid NOT IN (SELECT rowid FROM {table}_data)")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT rowid + 1 AS key, * FROM {table}_data")
    return records


def _store_lines(con: duckdb.DuckDBPyConnection, table: str, lines: np.ndarray) -> None:
    """`lines` into temp table `table`_lines(line INTEGER), in order (a file has < 2**31)."""
    con.register(f"{table}_np", pa.table({"line": pa.array(lines.astype(np.int32, copy=False))}))
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_lines AS SELECT line FROM {table}_np")
    finally:
        con.unregister(f"{table}_np")


def data_table(table: str) -> str:
    """The table behind `load`'s view `table`: its rows in record order, without `key`. Tables
    read side by side (POSITIONAL JOIN) are scanned in lockstep; a view among them would be
    materialised whole first."""
    return f"{table}_data"


def lines_table(table: str) -> str:
    """`load`'s table of the line where each record starts, row for row beside `data_table`
    (so it can be read side by side with it); its rowid is the record's key - 1."""
    return f"{table}_lines"


def line_of(con: duckdb.DuckDBPyConnection, table: str, key: int) -> int:
    """The line where record `key` of `load`'s `table` starts."""
    return int(con.execute(f"SELECT line FROM {table}_lines WHERE rowid = ?", [key - 1]).fetchall()[0][0])


def drop(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Remove what `load` created (idempotent)."""
    con.execute(f"DROP VIEW IF EXISTS {table}")
    con.execute(f"DROP TABLE IF EXISTS {table}_data")
    con.execute(f"DROP TABLE IF EXISTS {table}_lines")


def _record_starts(chunks: Iterable[bytes], has_header: bool) -> np.ndarray:
    """1-based start lines of the non-blank records, by a quote-aware newline scan (vectorised).

    A newline is a record boundary when an even number of quotes precede it; empty lines are
    skipped, as DuckDB skips them. The scan goes a chunk of the text at a time (a chunk without
    a quote skips the quote pass) and keeps only the non-blank records' lines: a header and
    500 MB of empty lines would otherwise need 8 GB of positions.
    """
    found = []
    last_end, last_index = -1, -1  # the boundary before the current record (none yet)
    quotes_before = newlines_before = start = 0
    before = 10  # the byte before the chunk: none yet, so not a CR
    for piece in chunks:
        chunk = np.frombuffer(piece, dtype=np.uint8)
        newlines = np.flatnonzero(chunk == 10)
        if b'"' in piece:
            quotes = np.flatnonzero(chunk == 34)
            outside = ((np.searchsorted(quotes, newlines) + quotes_before) % 2) == 0
            quotes_before += len(quotes)
        else:
            outside = np.full(len(newlines), quotes_before % 2 == 0)
        at = newlines[outside]
        cr = np.where(at > 0, chunk[np.maximum(at - 1, 0)], before) == 13
        ends = np.append(last_end, at + start)
        indexes = np.append(last_index, np.flatnonzero(outside) + newlines_before)
        found.append(_non_blank(ends, cr, indexes))
        last_end, last_index = int(ends[-1]), int(indexes[-1])
        newlines_before += len(newlines)
        start += len(chunk)
        before = int(chunk[-1])
    found.append(
        _non_blank(np.array([last_end, start]), np.array([before == 13]), np.array([last_index, -1]))
    )
    lines = np.concatenate(found)
    return lines[1:] if has_header else lines


def _non_blank(ends: np.ndarray, cr: np.ndarray, indexes: np.ndarray) -> np.ndarray:
    """Start lines of the records between consecutive boundaries `ends` (the newline before
    each record, -1 for the text's start, or the text's end), blank ones (nothing, or a lone
    CR) left out. `cr`: whether the byte before each of ends[1:] is a CR. `indexes` are the
    boundaries' newline numbers: a record after newline n starts on line n + 2."""
    lengths = ends[1:] - ends[:-1] - 1
    blank = (lengths <= 0) | ((lengths == 1) & cr)
    return (indexes[:-1] + 2)[~blank].astype(np.int32)  # 4 bytes a record: < 2**31 lines


def _load_with_duckdb(con: duckdb.DuckDBPyConnection, csv_file: CsvFile, table: str) -> np.ndarray | None:
    """DuckDB's strict parallel reader; None when it refuses the file or counts differently.

    The line scan runs in a thread meanwhile (numpy and DuckDB both release the GIL, and the
    reader leaves a core partly idle): ~0.15 s less per 1M rows.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        scan = pool.submit(_record_starts, csv_file.chunks(), csv_file.has_header)
        created = _read_with_duckdb(con, csv_file, table)
        lines = scan.result()
    if not created:
        return None
    if con.execute(f"SELECT count(*) FROM {table}_data").fetchall()[0][0] != len(lines):
        return None
    _check_field_sizes(con, table, len(csv_file.columns), lines)
    return lines


def _check_field_sizes(con: duckdb.DuckDBPyConnection, table: str, width: int, lines: np.ndarray) -> None:
    """Refuse a cell over the limit, which DuckDB's reader accepts up to 2 MB a line. strlen
    (bytes, stored with the string) is free and never less than length (characters)."""
    limit = csvlimits.MAX_FIELD_CHARS
    longer = " OR ".join(f"(strlen(c{i}) > {limit} AND length(c{i}) > {limit})" for i in range(width))
    first = con.execute(f"SELECT min(rowid) FROM {table}_data WHERE {longer}").fetchall()[0][0]
    if first is not None:
        raise CsvImportError(csvlimits.field_too_long(int(lines[first])))


def _read_with_duckdb(con: duckdb.DuckDBPyConnection, csv_file: CsvFile, table: str) -> bool:
    """Temp table `table`_data from DuckDB's reader; False when it refuses the file."""
    width = len(csv_file.columns)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    tmp = None
    try:
        path = csv_file.path
        if path is None:
            tmp = tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False)
            with tmp:
                tmp.write(csv_file.data)
            path = Path(tmp.name)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {table}_data AS
            SELECT *, NULL::VARCHAR AS extra
            FROM read_csv(?, auto_detect=false, delim=?, quote='"', escape='"', header=?,
                          columns={columns}, strict_mode=true, encoding='utf-8')""",
            [str(path), csv_file.delimiter, csv_file.has_header],
        )
    except duckdb.Error:
        return False
    finally:
        if tmp is not None:
            Path(tmp.name).unlink(missing_ok=True)
    return True


Record = tuple[int, str | None, list[str]]


def _python_records(csv_file: CsvFile, limit: int | None = None) -> Iterator[Record]:
    """(line, extra, fields padded to the header's width) per non-blank record, as the file is
    read. A cell over the limit, or text csv cannot parse, raises CsvImportError naming the
    line (csv's own error, `_csv.Error`, once reached the console as a traceback)."""
    width = len(csv_file.columns)
    skip_header = csv_file.has_header
    line, count = 1, 0
    with csv_file.text() as stream:  # a file on disk is closed however the reading ends
        reader = csv.reader(stream, delimiter=csv_file.delimiter)
        try:
            for fields in reader:
                start, line = line, reader.line_num + 1
                if not any(f.strip() for f in fields):
                    continue
                if skip_header:
                    skip_header = False
                    continue
                if max(map(len, fields)) > csvlimits.MAX_FIELD_CHARS:
                    raise CsvImportError(csvlimits.field_too_long(start))
                extra = [f for f in fields[width:] if f.strip()]
                padded = fields[:width] + [""] * (width - len(fields))
                yield start, csv_file.delimiter.join(extra) if extra else None, padded
                count += 1
                if limit is not None and count >= limit:
                    return
        except csv.Error as exc:
            if "field limit" in str(exc):
                raise CsvImportError(csvlimits.field_too_long(line)) from None
            raise CsvImportError(f"cannot parse line {line:,} as CSV: {exc}") from None


def _batches(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def _load_with_python(con: duckdb.DuckDBPyConnection, csv_file: CsvFile, table: str) -> np.ndarray:
    """The records into `table`_data a batch at a time, so memory holds one batch of Python
    strings, not the whole file's (GBs for a 500 MB file)."""
    width = len(csv_file.columns)
    columns = ", ".join(f"c{i} VARCHAR" for i in range(width))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_data ({columns}, extra VARCHAR)")
    lines = array("q")
    for batch in _batches(_python_records(csv_file), _BATCH_ROWS):
        data = {f"c{i}": pa.array([r[2][i] for r in batch], pa.string()) for i in range(width)}
        data["extra"] = pa.array([r[1] for r in batch], pa.string())
        con.register(f"{table}_py", pa.table(data))
        try:
            con.execute(f"INSERT INTO {table}_data SELECT * FROM {table}_py")
        finally:
            con.unregister(f"{table}_py")
        lines.extend(r[0] for r in batch)
    return np.frombuffer(lines, dtype=np.int64) if lines else np.zeros(0, dtype=np.int64)
