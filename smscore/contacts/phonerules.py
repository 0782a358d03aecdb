"""What the SQL path needs of phonenumbers' metadata, read once per process.

Its own module because it is plain data (a region's prefixes, patterns and lengths, the
regions of each calling code), apart from the SQL `phonesql` builds from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from phonenumbers import PhoneMetadata
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from smscore.contacts.phones import GEOGRAPHIC_CODES


@dataclass(frozen=True)
class Desc:
    """One number pattern of a region with the lengths it allows (empty: any length)."""

    pattern: str
    lengths: tuple[int, ...]


@dataclass(frozen=True)
class RegionRules:
    """What the SQL path needs of one region's phonenumbers metadata."""

    region: str
    calling_code: str
    idd: str | None
    national_prefix: str | None  # national_prefix_for_parsing
    transform: str | None  # national_prefix_transform_rule
    prefix_groups: int
    general: Desc
    local_lengths: tuple[int, ...]
    types: tuple[Desc, ...]  # a number is valid if it matches any of these
    leading_digits: str | None


# The number types of phonenumbers' _number_type_helper, the common ones first (validity does
# not depend on the order); mobile is skipped when it shares fixed_line's pattern, as there.
_TYPE_FIELDS = (
    "mobile",
    "fixed_line",
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)


def _desc(desc: object) -> Desc | None:
    pattern = getattr(desc, "national_number_pattern", None)
    if not pattern:
        return None
    lengths = tuple(desc.possible_length or ())
    if lengths == (-1,):
        return None
    return Desc(pattern, lengths)


@cache
def region_rules(region: str) -> RegionRules:
    """The rules of one region, cached for the life of the process."""
    md = PhoneMetadata.metadata_for_region(region)
    fields = [f for f in _TYPE_FIELDS if not (f == "mobile" and md.same_mobile_and_fixed_line_pattern)]
    types = tuple(d for d in (_desc(getattr(md, f)) for f in fields) if d is not None)
    prefix = md.national_prefix_for_parsing or None
    return RegionRules(
        region=region,
        calling_code=str(md.country_code),
        idd=md.international_prefix or None,
        national_prefix=prefix,
        transform=md.national_prefix_transform_rule or None,
        prefix_groups=re.compile(prefix).groups if prefix else 0,
        general=Desc(md.general_desc.national_number_pattern, tuple(md.general_desc.possible_length)),
        local_lengths=tuple(md.general_desc.possible_length_local_only or ()),
        types=types,
        leading_digits=md.leading_digits or None,
    )


@lru_cache(maxsize=1)
def calling_codes() -> dict[str, tuple[str, ...]]:
    """Geographic calling code -> its regions, main region first (+800 and the like left out)."""
    return {str(cc): tuple(COUNTRY_CODE_TO_REGION_CODE[cc]) for cc in sorted(GEOGRAPHIC_CODES)}
