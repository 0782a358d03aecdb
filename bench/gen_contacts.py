"""A seeded, messy 1M-row contacts CSV across many countries, for the import and quote benchmarks.

Numbers are each region's phonenumbers example mobile with random last digits, written the ways
operators' files write them: E.164, spaced international, 00-prefixed, and (for BR, the default
country) national forms with and without the trunk 0. About 1% are invalid, 2% repeat an earlier
number, and every row has extra columns (email, city) and a category cell (`a|b` for several).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import phonenumbers

# (region, share of rows). BR dominates, as for our users; the rest spread over 30 regions.
MIX = [("BR", 0.50), ("US", 0.12), ("PT", 0.05), ("GB", 0.04), ("DE", 0.03), ("MX", 0.03),
       ("AR", 0.02), ("IN", 0.02), ("FR", 0.02), ("ES", 0.02), ("IT", 0.02), ("CA", 0.02),
       ("CO", 0.01), ("CL", 0.01), ("PE", 0.01), ("AO", 0.01), ("MZ", 0.01), ("NG", 0.01),
       ("ZA", 0.01), ("JP", 0.01), ("AU", 0.01), ("NL", 0.01), ("BE", 0.01), ("CH", 0.01),
       ("PL", 0.005), ("RU", 0.005), ("KZ", 0.005), ("JM", 0.005), ("PR", 0.005), ("UY", 0.005),
       ("PY", 0.005)]
CATEGORIES = ["clientes", "vip", "leads", "fornecedores", "equipe", "newsletter"]
CITIES = ["São Paulo", "Rio de Janeiro", "Lisboa", "Porto", "Belo Horizonte", "Curitiba"]
GARBAGE = ["123", "n/a", "", "+", "00000", "9999", "abc-def", "+55 11"]


def _template(region: str) -> tuple[str, str]:
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    return str(number.country_code), phonenumbers.national_significant_number(number)


BR_AREAS = [11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38,
            41, 42, 43, 44, 45, 46, 47, 48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68,
            69, 71, 73, 74, 75, 77, 79, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 92, 93, 94, 95,
            96, 97, 98, 99]


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


def write_contacts_csv(path: str | Path, n: int = 1_000_000, seed: int = 42) -> Path:
    """Write `n` contact rows (plus a header) to `path`; the same seed gives the same file."""
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
                phone = _phone(rng, region, *templates[region])
                if len(written) < 50_000:
                    written.append(phone)
            cats = "|".join(rng.sample(CATEGORIES, rng.choice((1, 1, 2))))
            writer.writerow([f"Contato {i}", phone, f"c{i}@example.com", rng.choice(CITIES), cats])
    return path


if __name__ == "__main__":
    import sys
    target = write_contacts_csv(Path(__file__).parent / "out" / "contacts_1m.csv",
                                int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
    print(target)
