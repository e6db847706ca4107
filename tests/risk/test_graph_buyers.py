"""Recognising a platform seller among another seller's buyers: two agreeing fields, one best."""

from __future__ import annotations

from dataclasses import dataclass

from fourflow.risk.service.graph_buyers import (
    BuyerMatch,
    BuyerMatcher,
    SellerContacts,
    normalised_phone,
    normalised_text,
)


@dataclass(frozen=True)
class Buyer:
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None


SHARED_PHONE, SHARED_ADDRESS = "+86 755 8888 1234", "Room 1201, No. 5 Keji Road, Nanshan, Shenzhen"
MATCHER = BuyerMatcher([
    SellerContacts("acme", names=["Acme Trading Co., Ltd.", "深圳艾克美贸易有限公司"], phones=[SHARED_PHONE],
                   emails=["contact@acme.demo"], addresses=[SHARED_ADDRESS]),
    SellerContacts("bolt", names=["Bolt Tools Ltd."], phones=[SHARED_PHONE], emails=["info@bolt.demo"],
                   addresses=[SHARED_ADDRESS]),
    SellerContacts("cora", names=["Cora Home"], phones=["+86 571 1234 5678"], emails=["cora.home@qq.com"],
                   addresses=["No. 9 West Lake Road, Hangzhou"]),
    SellerContacts("dune", names=["Dune Outdoor"], phones=["+86 20 5555 0000"], emails=["sales@qq.com"],
                   addresses=["No. 1 Pearl Road, Guangzhou"]),
])


def test_normalisation() -> None:
    assert normalised_text("  ACME Trading Co., Ltd. ") == "acme trading co ltd"
    assert normalised_text("深圳艾克美贸易有限公司") == "深圳艾克美贸易有限公司"
    assert normalised_phone("0086-755-8888-1234") == normalised_phone(SHARED_PHONE) == "8675588881234"
    assert normalised_phone("ext. 123") == ""


def test_two_agreeing_fields_name_the_seller() -> None:
    # Name (punctuation and case aside) and the company's own mail domain.
    assert MATCHER.match(Buyer(name="ACME TRADING CO LTD", email="Buyer@Acme.demo"), selling="cora") == \
        BuyerMatch("acme", ambiguous=False)
    # Chinese legal name and the registry e-mail itself.
    chinese = Buyer(name="深圳艾克美贸易有限公司", email="contact@acme.demo")
    assert MATCHER.match(chinese, selling="cora").seller == "acme"
    # The shared phone and address fit both acme and bolt; the name breaks the tie.
    assert MATCHER.match(Buyer(name="Bolt Tools Ltd", phone=SHARED_PHONE, address=SHARED_ADDRESS),
                         selling="cora") == BuyerMatch("bolt", ambiguous=False)


def test_one_field_or_a_tie_is_no_match() -> None:
    namesake = Buyer(name="Acme Trading Co., Ltd.")
    assert MATCHER.match(namesake, selling="cora") == BuyerMatch(None, ambiguous=False)
    group_contact = Buyer(name="Someone", phone=SHARED_PHONE, address=SHARED_ADDRESS)
    assert MATCHER.match(group_contact, selling="cora") == BuyerMatch(None, ambiguous=True)
    assert MATCHER.match(Buyer(), selling="cora") == BuyerMatch(None, ambiguous=False)


def test_public_mail_domains_and_the_selling_seller_are_never_evidence() -> None:
    # qq.com is a public provider: another address there says nothing about cora or dune.
    assert MATCHER.match(Buyer(name="Cora Home", email="someone@qq.com"), selling="acme").seller is None
    assert MATCHER.match(Buyer(name="Cora Home", email="cora.home@qq.com"), selling="acme").seller == "cora"
    # The selling seller competes for the best fit but is never the answer: acme selling to a
    # buyer with the phone and address acme and bolt share is no clear sale to bolt ...
    assert MATCHER.match(Buyer(name="Acme Trading", phone=SHARED_PHONE, address=SHARED_ADDRESS),
                         selling="acme") == BuyerMatch(None, ambiguous=True)
    # ... and a buyer that is acme itself is no sale between two sellers.
    assert MATCHER.match(Buyer(name="Acme Trading Co., Ltd.", email="contact@acme.demo", phone=SHARED_PHONE),
                         selling="acme") == BuyerMatch(None, ambiguous=False)
