"""Consent as the operator can prove it (LGPD art. 8): its source and its date, per contact.

At import the operator may name where the file's consent came from (a text such as
"formulário do site, 2025") and map a consent-date column (`consentimento`, `data_optin`,
`opt-in` ...: smscore.contacts.csvcolumns). Both are kept on each contact the import writes
and exported with the person's data (smscore.person.dossier). A date is kept as YYYY-MM-DD
when it reads as one (ISO, or day first as Brazil writes it), else as written: a cell the
operator's CRM filled in its own way is still evidence, and is not a reason to refuse a row.
"""

from __future__ import annotations

MAX_SOURCE = 500  # characters: a sentence, not a document
# Day first before month first: Brazil writes 01/03/2025 for 1 March.
DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d/%m/%y",
)


def source_text(text: str | None) -> str | None:
    """The consent source as kept: stripped, None when blank; ValueError when too long."""
    cleaned = " ".join((text or "").split())
    if len(cleaned) > MAX_SOURCE:
        raise ValueError(
            f"the consent source is a sentence of at most {MAX_SOURCE} characters; got {len(cleaned)}"
        )
    return cleaned or None


def date_sql(expr: str) -> str:
    """SQL for the kept consent date of the cell `expr`: YYYY-MM-DD, else the trimmed text."""
    formats = ", ".join(f"'{f}'" for f in DATE_FORMATS)
    return (
        f"coalesce(strftime(try_strptime(trim({expr}), [{formats}]), '%Y-%m-%d'), nullif(trim({expr}), ''))"
    )
