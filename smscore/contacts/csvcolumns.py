"""Which column of a contacts CSV is the phone, the name, the category and the consent date, by
its header name.

English and Portuguese names (`celular`, `Telefone`, `Nome completo`, `grupo` ...), compared
without case, accents or punctuation; and the key an extra column gets in `contacts.fields`.
Its own module because it is a vocabulary, which grows with the files operators bring, apart
from reading the file (`csvsource`).
"""

from __future__ import annotations

import re
import unicodedata

ROLES = ("phone", "name", "category", "consent")

# Header names per role, most specific first: with both `telefone` and `celular`, SMS wants the
# mobile. Compared after lower-casing, removing accents and anything not a letter or digit.
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "phone": (
        "celular",
        "mobile",
        "mobilephone",
        "mobilenumber",
        "cellphone",
        "cell",
        "whatsapp",
        "msisdn",
        "phone",
        "phonenumber",
        "telefone",
        "telefonecelular",
        "fone",
        "tel",
        "telemovel",
        "numero",
        "numerodetelefone",
        "number",
        "contato",
    ),
    "name": (
        "name",
        "nome",
        "fullname",
        "nomecompleto",
        "contactname",
        "firstname",
        "primeironome",
        "cliente",
        "customer",
    ),
    "category": (
        "category",
        "categoria",
        "categories",
        "categorias",
        "group",
        "grupo",
        "groups",
        "grupos",
        "tag",
        "tags",
        "segment",
        "segmento",
        "list",
        "lista",
    ),
    # The date a contact gave consent (smscore.contacts.consent), LGPD art. 8.
    "consent": (
        "consentimento",
        "dataoptin",
        "optin",
        "optindate",
        "dataconsentimento",
        "datadoconsentimento",
        "consent",
        "consentdate",
        "consentedat",
    ),
}
# Substrings that identify a role when no exact name matches ("Telefone celular", "Phone no.").
_HEADER_PARTS = {
    "phone": ("celular", "mobile", "whatsapp", "phone", "telefone", "fone"),
    "name": ("nome", "name"),
    "category": ("categor", "grupo", "group"),
    "consent": ("consent", "optin"),
}


def header_key(name: str) -> str:
    """'Número de Telefone' -> 'numerodetelefone' (for matching header names)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", plain.lower())


def field_key(name: str) -> str:
    """The contacts.fields key of an extra column: 'Data de Nascimento ' -> 'data_de_nascimento'."""
    return re.sub(r"\s+", "_", name.strip().lower())


def guess_mapping(columns: list[str]) -> dict[str, str]:
    """role -> column from the header names; roles with no matching column are left out."""
    keys = {c: header_key(c) for c in columns}
    mapping: dict[str, str] = {}
    for role in ROLES:
        taken = set(mapping.values())
        free = [c for c in columns if c not in taken]
        exact = [c for name in HEADER_NAMES[role] for c in free if keys[c] == name]
        partial = [c for part in _HEADER_PARTS[role] for c in free if part in keys[c]]
        if exact or partial:
            mapping[role] = (exact or partial)[0]
    return mapping
