"""Recognising a platform seller among another seller's buyers.

A business order names its buyer the way the buyer wrote it (name, e-mail, phone, address),
not by a platform id, so "this buyer is seller B" is a match of that text against what the
registry says about B. The rule, chosen so that one coincidence never makes a match:

* Four fields are compared, each normalised: the **name** (against B's organisation name and
  its registered legal name; case, punctuation and spacing ignored), the **e-mail** (the same
  address as B's registry e-mail, or an address at B's own company domain: a domain of B's
  registry e-mail that no other seller's registry e-mail uses and that is not a public mail
  provider), the **phone** (digits only, ``00`` prefix dropped, as the graph normalises
  phones) and the **address** (B's registered address; case, punctuation and spacing ignored).
* The buyer is seller B when at least ``MIN_AGREEING_FIELDS`` (2) of the four agree with B,
  and B agrees on strictly more fields than any other seller — the selling seller included:
  it competes for the best fit (a draft order carrying the seller's own details is no sale to
  another seller, and a buyer that fits the seller as well as B is no clear sale to B) but is
  never itself the answer.

Why two fields and a strict best: sellers of one group share a phone and a registered address
(the planted fraud rings do, and so do real ones), so phone and address alone cannot tell which
of them bought; a consumer who happens to live at a registered address, or a freight forwarder
who uses a seller's phone, agrees on one field only. A buyer that two sellers fit equally well
is left unmatched and counted as ambiguous rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final, Protocol

from fourflow.risk.graph import normalise_identifier

MIN_AGREEING_FIELDS: Final = 2
MIN_PHONE_DIGITS: Final = 7      # shorter is an extension or a typo, not a line
# Addresses at these domains belong to people, not to one company.
PUBLIC_MAIL_DOMAINS: Final = frozenset({
    "126.com", "139.com", "163.com", "aliyun.com", "aol.com", "example.com", "foxmail.com", "gmail.com",
    "gmx.de", "googlemail.com", "hotmail.com", "icloud.com", "live.com", "mail.ru", "me.com",
    "msn.com", "outlook.com", "proton.me", "protonmail.com", "qq.com", "sina.com", "sina.cn",
    "sohu.com", "tom.com", "web.de", "yahoo.com", "yandex.ru", "yeah.net",
})

_NOT_WORD = re.compile(r"[\W_]+")


def normalised_text(value: str | None) -> str:
    """Case-folded words joined by single spaces: ``"Acme Co., Ltd."`` → ``"acme co ltd"``."""
    return "" if value is None else " ".join(_NOT_WORD.sub(" ", value.casefold()).split())


def normalised_phone(value: str | None) -> str:
    digits = "" if value is None else normalise_identifier("phone", value)
    return digits if len(digits) >= MIN_PHONE_DIGITS else ""


def normalised_email(value: str | None) -> str:
    email = "" if value is None else value.strip().casefold()
    return email if "@" in email else ""


class BuyerContacts(Protocol):
    """A buyer as an order names it (the trade data's decrypted buyer personal data)."""

    @property
    def name(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def address(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class BuyerMatch:
    seller: str | None      # the platform seller the buyer is, if one fits
    ambiguous: bool         # two or more sellers fit equally well


@dataclass(slots=True)
class SellerContacts:
    """What the platform knows to recognise a seller by, as written (normalised on use)."""

    key: str
    names: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)


class BuyerMatcher:
    """Index of every seller's contacts; :meth:`match` applies the module's rule."""

    def __init__(self, sellers: Iterable[SellerContacts]) -> None:
        self._names: dict[str, set[str]] = {}
        self._phones: dict[str, set[str]] = {}
        self._emails: dict[str, set[str]] = {}
        self._addresses: dict[str, set[str]] = {}
        domains: dict[str, set[str]] = {}
        for seller in sellers:
            for index, values, normalise in ((self._names, seller.names, normalised_text),
                                             (self._phones, seller.phones, normalised_phone),
                                             (self._emails, seller.emails, normalised_email),
                                             (self._addresses, seller.addresses, normalised_text)):
                for value in values:
                    normalised = normalise(value)
                    if normalised:
                        index.setdefault(normalised, set()).add(seller.key)
            for email in seller.emails:
                domain = normalised_email(email).rpartition("@")[2]
                if domain and domain not in PUBLIC_MAIL_DOMAINS:
                    domains.setdefault(domain, set()).add(seller.key)
        # A domain two sellers' registry e-mails use is a mail host, not one company's own.
        self._domains = {domain: holders for domain, holders in domains.items() if len(holders) == 1}

    def match(self, buyer: BuyerContacts, *, selling: str) -> BuyerMatch:
        """The seller the buyer is, if one fits by the module's rule."""
        agreeing: dict[str, int] = {}
        email = normalised_email(buyer.email)
        by_email: set[str] = set()
        if email:
            by_email |= self._emails.get(email, set())
            by_email |= self._domains.get(email.rpartition("@")[2], set())
        for holders in (self._names.get(normalised_text(buyer.name), set()), by_email,
                        self._phones.get(normalised_phone(buyer.phone), set()),
                        self._addresses.get(normalised_text(buyer.address), set())):
            for seller in holders:
                agreeing[seller] = agreeing.get(seller, 0) + 1
        ranked = sorted(agreeing.items(), key=lambda item: (-item[1], item[0]))
        if not ranked or ranked[0][1] < MIN_AGREEING_FIELDS:
            return BuyerMatch(seller=None, ambiguous=False)
        if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
            return BuyerMatch(seller=None, ambiguous=True)
        best = ranked[0][0]
        return BuyerMatch(seller=None if best == selling else best, ambiguous=False)
