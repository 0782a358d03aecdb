"""A seeded, messy 1M-row contacts CSV across many countries, for the import and quote benchmarks.

Numbers are each region's phonenumbers example mobile with random last digits, written the ways
operators' files write them: E.164, spaced international, 00-prefixed, and (for BR, the default
country) national forms with and without the trunk 0. About 1% are invalid, 2% repeat an earlier
number, and every row has extra columns (email, city) and a category cell (`a|b` for several).
`messy=True` writes numbers the way phones, CRMs and spreadsheets export them instead
(`messy_phone`, shares in MESSY_SHARES); the differential test of smscore.contacts.phones uses the same
generator.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import phonenumbers

# (region, share of rows). BR dominates, as for our users; the rest spread over 30 regions.
MIX = [
    ("BR", 0.50),
    ("US", 0.12),
    ("PT", 0.05),
    ("GB", 0.04),
    ("DE", 0.03),
    ("MX", 0.03),
    ("AR", 0.02),
    ("IN", 0.02),
    ("FR", 0.02),
    ("ES", 0.02),
    ("IT", 0.02),
    ("CA", 0.02),
    ("CO", 0.01),
    ("CL", 0.01),
    ("PE", 0.01),
    ("AO", 0.01),
    ("MZ", 0.01),
    ("NG", 0.01),
    ("ZA", 0.01),
    ("JP", 0.01),
    ("AU", 0.01),
    ("NL", 0.01),
    ("BE", 0.01),
    ("CH", 0.01),
    ("PL", 0.005),
    ("RU", 0.005),
    ("KZ", 0.005),
    ("JM", 0.005),
    ("PR", 0.005),
    ("UY", 0.005),
    ("PY", 0.005),
]
CATEGORIES = ["clientes", "vip", "leads", "fornecedores", "equipe", "newsletter"]
CITIES = ["São Paulo", "Rio de Janeiro", "Lisboa", "Porto", "Belo Horizonte", "Curitiba"]
GARBAGE = ["123", "n/a", "", "+", "00000", "9999", "abc-def", "+55 11"]


def _template(region: str) -> tuple[str, str]:
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    return str(number.country_code), phonenumbers.national_significant_number(number)


BR_AREAS = [
    11,
    12,
    13,
    14,
    15,
    16,
    17,
    18,
    19,
    21,
    22,
    24,
    27,
    28,
    31,
    32,
    33,
    34,
    35,
    37,
    38,
    41,
    42,
    43,
    44,
    45,
    46,
    47,
    48,
    49,
    51,
    53,
    54,
    55,
    61,
    62,
    63,
    64,
    65,
    66,
    67,
    68,
    69,
    71,
    73,
    74,
    75,
    77,
    79,
    81,
    82,
    83,
    84,
    85,
    86,
    87,
    88,
    89,
    91,
    92,
    93,
    94,
    95,
    96,
    97,
    98,
    99,
]


def _phone(rng: random.Random, region: str, cc: str, nsn: str) -> str:
    if region == "BR":
        digits = f"{rng.choice(BR_AREAS)}9{rng.randrange(10**8):08d}"
    else:
        keep = max(3, len(nsn) - 7)
        digits = nsn[:keep] + f"{rng.randrange(10 ** (len(nsn) - keep)):0{len(nsn) - keep}d}"
    style = rng.random()
    if region == "BR":
        area, rest = digits[:2], digits[2:]
        if style < 0.35:
            return f"({area}) {rest[:-4]}-{rest[-4:]}"
        if style < 0.50:
            return f"0{area} {rest}"
        if style < 0.65:
            return f"55{digits}"
        if style < 0.85:
            return f"+55 {area} {rest[:-4]}-{rest[-4:]}"
        return f"+55{digits}"
    if style < 0.5:
        return f"+{cc}{digits}"
    if style < 0.8:
        return f"+{cc} {digits[:3]} {digits[3:6]} {digits[6:]}".rstrip()
    return f"00{cc} {digits}"


# ---------------------------------------------------------------------------------------------
# Messy mode: what operators export from phones, CRMs and spreadsheets. Each class with its
# share of rows (the rest are clean forms); roughly one row in seven is not made only of
# digits, spaces, ( ) . - and a leading +, so it leaves the SQL path for phonenumbers.

EXTENSIONS = [" ramal {}", " x{}", ",,{}", " ext. {}", " anexo {}", ";{}", " #{}"]
LABELS = [" - trabalho", " (cel)", " casa", "Tel: {}", "{} (whatsapp)", "cel. {}"]
SPACES = ["\u00a0", "\u2009", "\u202f"]
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789+", "０１２３４５６７８９＋")
VANITY = "ABCDEFGHIJKLMNOPRSTUVWXY"
MESSY_SHARES = [
    ("extension", 0.03),
    ("label", 0.03),
    ("vanity", 0.01),
    ("arabic", 0.01),
    ("fullwidth", 0.01),
    ("fullwidth_plus", 0.01),
    ("odd_space", 0.02),
    ("excel", 0.01),
    ("tel", 0.005),
    ("digits_off", 0.03),
    ("blank", 0.02),
]
NUMBER_TYPES = [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]


def _base_number(rng: random.Random, region: str) -> phonenumbers.PhoneNumber | None:
    """An example number of the region with random last digits (usually still valid)."""
    example = phonenumbers.example_number_for_type(region, rng.choice(NUMBER_TYPES))
    if example is None:
        example = phonenumbers.example_number(region)
    if example is None:
        return None
    nsn = phonenumbers.national_significant_number(example)
    keep = max(2, len(nsn) - rng.choice((4, 5, 6, 7)))
    tail = "".join(rng.choice("0123456789") for _ in range(len(nsn) - keep))
    return phonenumbers.parse("+" + str(example.country_code) + nsn[:keep] + tail)


def _written(rng: random.Random, number: phonenumbers.PhoneNumber, national: bool) -> str:
    """One of the ways people write a number; national forms only for the default country."""
    fmt = phonenumbers.PhoneNumberFormat
    e164 = phonenumbers.format_number(number, fmt.E164)
    cc, nsn = str(number.country_code), phonenumbers.national_significant_number(number)
    forms = [
        e164,
        phonenumbers.format_number(number, fmt.INTERNATIONAL),
        f"00{cc} {nsn}",
        f"00 {cc} {nsn[:-4]}-{nsn[-4:]}",
        e164[1:],
    ]
    if national:
        forms += [phonenumbers.format_number(number, fmt.NATIONAL)] * 3 + [nsn]
        if cc == "55":
            forms += [f"0xx{nsn[:2]} {nsn[2:]}", f"0 21 {nsn[:2]} {nsn[2:]}", f"015{nsn}"]
    return rng.choice(forms)


def _mess(rng: random.Random, text: str, kind: str) -> str:
    digits_at = [i for i, c in enumerate(text) if c.isdigit()]
    if kind == "extension":
        return text + rng.choice(EXTENSIONS).format(rng.randrange(1, 99999))
    if kind == "label":
        label = rng.choice(LABELS)
        return label.format(text) if "{}" in label else text + label
    if kind == "vanity" and len(digits_at) > 4:
        cut = rng.choice(digits_at[-4:])
        return text[:cut] + "".join(rng.choice(VANITY) for _ in text[cut:])
    if kind == "arabic":
        return text.translate(ARABIC_INDIC)
    if kind in ("fullwidth", "fullwidth_plus"):
        return text.translate(FULLWIDTH) if kind == "fullwidth" else text.replace("+", "＋")
    if kind == "odd_space":
        return text.replace(" ", rng.choice(SPACES))
    if kind == "excel":
        digits = "".join(c for c in text if c.isdigit()).lstrip("0") or "0"
        return f"{digits[0]}.{digits[1:]}E+{len(digits) - 1}"
    if kind == "tel":
        return "tel:" + text
    if kind == "digits_off" and digits_at:
        at = rng.choice(digits_at)
        return (
            text[:at] + text[at + 1 :]
            if rng.random() < 0.5
            else text[:at] + rng.choice("0123456789") + text[at:]
        )
    if kind == "blank":
        return rng.choice(["", " ", "-", "n/a"])
    return text


def messy_phone(rng: random.Random, region: str, default: str) -> str:
    """A number of `region` written messily, as a contact file with default country `default`
    holds it; about one in seven is decorated with a class of MESSY_SHARES."""
    number = _base_number(rng, region)
    text = "" if number is None else _written(rng, number, national=region == default)
    roll = rng.random()
    for kind, share in MESSY_SHARES:
        if roll < share:
            return _mess(rng, text, kind)
        roll -= share
    return text


def write_contacts_csv(path: str | Path, n: int = 1_000_000, seed: int = 42, messy: bool = False) -> Path:
    """Write `n` contact rows (plus a header) to `path`; the same seed gives the same file.

    `messy`: phones from `messy_phone` (default BR) instead of the clean forms."""
    rng = random.Random(seed)
    regions = [r for r, _ in MIX]
    weights = [w for _, w in MIX]
    templates = {r: _template(r) for r in regions}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["name", "phone", "email", "city", "category"])
        for i, region in enumerate(rng.choices(regions, weights, k=n)):
            roll = rng.random()
            if roll < 0.01:
                phone = rng.choice(GARBAGE)
            elif roll < 0.03 and written:
                phone = written[rng.randrange(len(written))]
            else:
                phone = messy_phone(rng, region, "BR") if messy else _phone(rng, region, *templates[region])
                if len(written) < 50_000:
                    written.append(phone)
            cats = "|".join(rng.sample(CATEGORIES, rng.choice((1, 1, 2))))
            writer.writerow([f"Contato {i}", phone, f"c{i}@example.com", rng.choice(CITIES), cats])
    return path


if __name__ == "__main__":
    import sys

    messy_mode = "--messy" in sys.argv
    sizes = [a for a in sys.argv[1:] if a != "--messy"]
    target = write_contacts_csv(
        Path(__file__).parent / "out" / f"contacts_{'messy_' if messy_mode else ''}1m.csv",
        int(sizes[0]) if sizes else 1_000_000,
        messy=messy_mode,
    )
    print(target)
