"""Identifier kinds and how their values are normalised before they become graph nodes.

Two sellers are related when they hold the same identifier, so the same identifier must
always give the same node: ``"+86 755 1234 5678"`` and ``"0086-755-12345678"`` are one phone,
``"Room 12, No. 5  Keji Road"`` and ``"room 12, no. 5 keji road"`` one address. Normalisation
is deliberately conservative (it never guesses a country code or expands an abbreviation):
a missed match costs a little recall, a wrong match flags an honest seller.
"""

from __future__ import annotations

import re
from typing import Final

from fourflow.risk.graph.errors import IdentifierKindUnknown

IDENTIFIER_KINDS: Final = frozenset({
    "director", "shareholder", "address", "phone", "email", "bank_account", "device", "ip_address",
    "company",
})

# Identifiers that point at one controlling party on their own: a bank account receives the
# money, a device fingerprint is one machine, a phone number is one line. A shared person name
# is *not* in this set: registry names collide by chance ("Wang Wei" is held by hundreds of
# thousands of people; the demo world draws officers from 480 names), so a shared director or
# shareholder needs a second shared identifier before it links two sellers. Callers that load
# director identifiers with an identity-document number can pass a wider set.
STRONG_IDENTIFIER_KINDS: Final = frozenset({"bank_account", "device", "phone"})

# Kinds that name a person. One name shared as director *and* as shareholder is one person,
# so one coincidence: small companies are often owned and run by the same person, and two
# unrelated sole owners called "Wang Wei" must not count as two pieces of evidence.
PERSON_KINDS: Final = frozenset({"director", "shareholder"})

_NOT_DIGIT = re.compile(r"[^0-9]")
_ACCOUNT_SEPARATORS = re.compile(r"[\s\-.]")


def normalise_identifier(kind: str, value: str) -> str:
    """The canonical text of an identifier value; empty when nothing identifying is left
    (an empty identifier would join every seller that left the field blank).

    Every kind is case-folded with runs of whitespace collapsed to one space. Phones keep
    their digits only, and a leading international call prefix ``00`` is dropped so that
    ``0086…`` and ``+86…`` meet. Bank accounts drop spaces, hyphens and dots, which banks print
    for legibility only (IBAN groups, Hong Kong ``123-456789-001``).
    """
    if kind not in IDENTIFIER_KINDS:
        raise IdentifierKindUnknown(kind=kind)
    if kind == "phone":
        digits = _NOT_DIGIT.sub("", value)
        return digits[2:] if digits.startswith("00") else digits
    if kind == "bank_account":
        return _ACCOUNT_SEPARATORS.sub("", value.casefold())
    return " ".join(value.casefold().split())


def identifier_node_id(kind: str, normalised_value: str) -> str:
    """The node id of an identifier: ``kind:value``, e.g. ``phone:8675512345678``."""
    return f"{kind}:{normalised_value}"
