"""Write data/sample_contacts.csv: the demo contacts a fresh console starts with.

Seeded, so the file only changes when this script does. Every number is a valid mobile number
for its country according to phonenumbers, written the way operators' spreadsheets write them.
Run: python scripts/make_sample_contacts.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

OUT = Path(__file__).resolve().parent.parent / "data" / "sample_contacts.csv"
SEED = 20261126

# country: (how many, first names, last names, cities)
PEOPLE = {
    "BR": (
        110,
        [
            "João",
            "Maria",
            "José",
            "Ana",
            "Antônio",
            "Luíza",
            "Sebastião",
            "Conceição",
            "Inês",
            "Gonçalo",
            "Débora",
            "Lúcia",
            "Márcio",
            "Thaís",
            "Cauã",
            "Júlia",
        ],
        [
            "Silva",
            "Santos",
            "Oliveira",
            "Souza",
            "Conceição",
            "Araújo",
            "Gonçalves",
            "Assunção",
            "Magalhães",
            "Brandão",
            "Simões",
            "Patrício",
        ],
        ["São Paulo", "Rio de Janeiro", "Belém", "Goiânia", "Maceió", "Florianópolis"],
    ),
    "PT": (
        40,
        ["Tomás", "Inês", "João", "Beatriz", "Gonçalo", "Leonor", "Rúben", "Mónica"],
        ["Gonçalves", "Fernandes", "Simões", "Lourenço", "Antunes", "Sá"],
        ["Lisboa", "Porto", "Coimbra", "Évora"],
    ),
    "US": (
        45,
        ["James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "David", "Linda"],
        ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia"],
        ["New York", "Chicago", "Austin", "Seattle"],
    ),
    "MX": (
        35,
        ["José", "Guadalupe", "Juan", "María", "Alejandro", "Sofía", "Iñaki", "Ximena"],
        ["Hernández", "García", "Martínez", "López", "González", "Pérez"],
        ["Ciudad de México", "Guadalajara", "Monterrey", "Mérida"],
    ),
    "GB": (
        30,
        ["Oliver", "Amelia", "Harry", "Isla", "George", "Ava"],
        ["Smith", "Jones", "Taylor", "Brown", "Wilson", "O'Brien"],
        ["London", "Manchester", "Leeds", "Bristol"],
    ),
    "IN": (
        30,
        ["Aarav", "Diya", "Vivaan", "Ananya", "Aditya", "Saanvi"],
        ["Sharma", "Patel", "Singh", "Kumar", "Gupta", "Reddy"],
        ["Mumbai", "Delhi", "Bengaluru", "Chennai"],
    ),
    "DE": (
        30,
        ["Lukas", "Mia", "Jürgen", "Lea", "Jonas", "Sophie", "Björn", "Jörg"],
        ["Müller", "Schmidt", "Schneider", "Fischer", "Weiß", "Groß"],
        ["Berlin", "München", "Köln", "Düsseldorf"],
    ),
}
CATEGORIES = ["clientes", "vip", "newsletter", "equipe"]
WEIGHTS = [55, 10, 30, 5]


def mobile(region: str, rng: random.Random) -> phonenumbers.PhoneNumber:
    example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    digits = str(example.national_number)
    while True:
        keep = 3  # the example's area code (and Brazil's mobile 9) keep the number realistic
        candidate = digits[:keep] + "".join(rng.choice("0123456789") for _ in digits[keep:])
        number = phonenumbers.parse(f"+{example.country_code}{candidate}")
        if phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in (
            PhoneNumberType.MOBILE,
            PhoneNumberType.FIXED_LINE_OR_MOBILE,
        ):
            return number


def written(number: phonenumbers.PhoneNumber, region: str, rng: random.Random) -> str:
    """The number as a spreadsheet would hold it: international, national or bare digits."""
    style = rng.random()
    if region == "BR" and style < 0.4:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)  # (11) 98765-4321
    if style < 0.8:
        return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def rows(rng: random.Random) -> list[dict[str, str]]:
    out, seen = [], set()
    for region, (count, firsts, lasts, cities) in PEOPLE.items():
        while sum(1 for r in out if r["_region"] == region) < count:
            number = mobile(region, rng)
            e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
            if e164 in seen:
                continue
            seen.add(e164)
            out.append(
                {
                    "_region": region,
                    "nome": f"{rng.choice(firsts)} {rng.choice(lasts)}",
                    "telefone": written(number, region, rng),
                    "categoria": rng.choices(CATEGORIES, WEIGHTS)[0],
                    "cidade": rng.choice(cities),
                }
            )
    rng.shuffle(out)
    return out


def main() -> None:
    rng = random.Random(SEED)
    data = rows(rng)
    with open(OUT, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(
            fh, fieldnames=["nome", "telefone", "categoria", "cidade"], extrasaction="ignore"
        )
        writer.writeheader()
        writer.writerows(data)
    print(f"wrote {len(data)} contacts to {OUT}")


if __name__ == "__main__":
    main()
