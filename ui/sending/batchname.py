"""The name a batch gets unless the operator types another: what it says and to whom.

"b-a7f0406bda" tells an operator nothing a week later; "Olá, promoção de verão · clientes"
does. The name is only a label: the batch id stays the key, so two batches may share a name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ui.words.i18n import translate, translate_n

WORDS = 5
_FIELD = re.compile(r"\{[^{}]*\}")


def first_words(body: str, n: int = WORDS) -> str:
    """The message's first `n` words, fields like {name} left out (they differ per person)."""
    words = re.sub(r"\s+([,.;:!?])", r"\1", _FIELD.sub(" ", body)).split()
    text = " ".join(words[:n]).strip(" ,;:-")
    return f"{text}…" if len(words) > n else text


def audience_label(audience: str, categories: Sequence[str], picked: int, lang: str) -> str:
    if audience == "categories" and categories:
        return ", ".join(categories)
    if audience == "picked":
        return translate_n("send.picked_n", picked, lang)
    return translate("send.audience_everyone", lang)


def default_name(body: str, audience: str, categories: Sequence[str], picked: int, lang: str) -> str:
    """`first words · audience`, e.g. "Olá, promoção de verão · clientes"."""
    words = first_words(body)
    who = audience_label(audience, categories, picked, lang)
    return f"{words} · {who}" if words else who
