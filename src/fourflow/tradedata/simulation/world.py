"""The simulated world of sellers: who they are, how their business goes, and which patterns
are planted in it for later features to find (fraud rings, circular trading, a sales collapse,
sellers who will default, a data-quality defect).

Pure and deterministic: every random choice comes from ``random.Random`` seeded with the
world's seed (per seller, seeded with the seed and the seller's slug, so one seller's story does
not shift when another's changes), and every date is counted from the ``end_month`` the caller
gives. Nothing here touches the database or the clock; ``loader.py`` does that.

The world covers the ``months`` whole calendar months before ``end_month``, so no simulated
event lies in the future of a world anchored at the current month.

What the seller's files say is built by ``seller.py`` (``simulate_seller``), in the real vendor
formats the connectors read. What the files cannot say — a registry's answer, bank accounts,
devices — is in ``SellerPlan`` as profile facts. What is true but must be found (the planted
patterns) is in ``WorldTruth``, kept apart so tests can check later features against it.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from fourflow.core.months import add_months
from fourflow.tradedata.service.profiles import BankAccountFacts, DeviceFacts, RegistryFacts
from fourflow.tradedata.simulation.catalogue import (
    BANKS,
    BRANDS,
    CATEGORIES,
    CHINESE_IP_PREFIXES,
    CITIES,
    DEMO_SELLER_CATEGORIES,
    GIVEN_NAMES,
    STREETS,
    SURNAMES,
    USER_AGENTS,
    Category,
    City,
)

# The three sellers of the base demo world (demo_data.py) come first, under their own names.
DEMO_SELLERS: tuple[tuple[str, str, str, str], ...] = (
    ("lumen-electronics", "Shenzhen Lumen Electronics Co., Ltd.", "深圳流明电子有限公司", "Shenzhen"),
    ("silkroad-home", "Hangzhou Silkroad Home Goods Ltd.", "杭州丝路家居用品有限公司", "Hangzhou"),
    ("bright-toys", "Yiwu Bright Toys Trading Co.", "义乌明亮玩具贸易有限公司", "Yiwu"),
)
DEMO_SELLER_MARKETPLACES = {"lumen-electronics": ("amazon.com", "amazon.de", "shopify"),
                            "silkroad-home": ("amazon.com", "amazon.co.uk"),
                            "bright-toys": ("amazon.com", "amazon.de")}
DEMO_SELLER_PERSONALITIES = {"lumen-electronics": "growth", "silkroad-home": "stable",
                             "bright-toys": "seasonal"}

SETTLEMENT_PERIOD_DAYS = 14
DETERIORATION_MONTHS = 6   # how long a seller who will default shows it in its data
REGISTRY_NAME = "CN-SAMR"  # China's State Administration for Market Regulation (enterprise credit register)


class Personality(StrEnum):
    """How a seller's sales move over the simulated months."""

    GROWTH = "growth"
    STABLE = "stable"
    DECLINING = "declining"
    COLLAPSING = "collapsing"
    SEASONAL = "seasonal"


@dataclass(frozen=True, slots=True)
class QualityDefect:
    """A settlement whose summary total does not equal its lines, planted on purpose."""

    seller: str
    marketplace: str
    settlement_index: int     # the n-th settlement (0-based) of that marketplace
    settlement_id: str
    difference: Decimal       # total-amount written minus the sum of the lines


@dataclass(frozen=True, slots=True)
class CircularOrder:
    """A business-to-business Shopify order in a circular-trading cycle: ``seller`` sells to
    ``buyer``, a related seller, once a month."""

    seller: str
    buyer: str
    month_index: int
    order_id: str
    amount: Decimal           # USD


@dataclass(frozen=True, slots=True)
class SellerPlan:
    """Everything decided about one seller before its trade is simulated."""

    index: int
    slug: str
    name: str                 # English
    name_chinese: str
    city: City
    category: Category
    marketplaces: tuple[str, ...]
    personality: Personality
    base_daily_orders: float  # across all marketplaces, before trend and seasonality
    growth_rate: float        # per month: positive grows, negative declines
    collapse_month: int | None     # month index the sales collapse starts
    default_month: int | None      # month index (may lie after the world) the seller defaults
    shopify_export: str            # "json" (API) or "csv" (admin export): how it sends Shopify data
    registry: RegistryFacts
    bank_accounts: tuple[BankAccountFacts, ...]
    devices: tuple[DeviceFacts, ...]
    circular_sales: tuple[CircularOrder, ...] = ()
    quality_defect: QualityDefect | None = None

    @property
    def is_demo(self) -> bool:
        return self.index < len(DEMO_SELLERS)


@dataclass(frozen=True, slots=True)
class FraudRing:
    sellers: tuple[str, ...]
    directors: tuple[str, ...]
    addresses: tuple[str, ...]
    phones: tuple[str, ...]
    bank_accounts: tuple[str, ...]
    devices: tuple[str, ...]   # device fingerprints
    ip_addresses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WorldTruth:
    """The planted patterns, for tests of later features. ``as_json`` is the --truth-out file."""

    seed: int
    months: int
    first_month: date
    end_month: date
    sellers: tuple[str, ...]
    personalities: dict[str, str]
    fraud_rings: tuple[FraudRing, ...]
    circular_trading: tuple[tuple[str, ...], ...]
    circular_orders: tuple[CircularOrder, ...]
    sales_collapse: tuple[tuple[str, str], ...]   # (seller, "YYYY-MM" the fall starts)
    defaults: tuple[tuple[str, str], ...]         # (seller, "YYYY-MM" of the default)
    quality_defects: tuple[QualityDefect, ...]

    def default_dates(self) -> dict[str, date]:
        """Each defaulting seller and the first day of the month it defaults in."""
        return {seller: date.fromisoformat(f"{month}-01") for seller, month in self.defaults}

    def as_json(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "first_month": _month_text(self.first_month),
            "last_month": _month_text(add_months(self.end_month, -1)),
            "months": self.months,
            "sellers": list(self.sellers),
            "personalities": dict(self.personalities),
            "fraud_rings": [{"sellers": list(ring.sellers), "shared": {
                "directors": list(ring.directors), "addresses": list(ring.addresses),
                "phones": list(ring.phones), "bank_accounts": list(ring.bank_accounts),
                "devices": list(ring.devices), "ip_addresses": list(ring.ip_addresses)}}
                for ring in self.fraud_rings],
            "circular_trading": [{
                "cycle": list(cycle),
                "orders": [{"seller": order.seller, "buyer": order.buyer, "marketplace": "shopify",
                            "order_id": order.order_id, "amount": format(order.amount, "f"),
                            "currency": "USD"}
                           for order in self.circular_orders if order.seller in cycle]}
                for cycle in self.circular_trading],
            "sales_collapse": [{"seller": seller, "month": month} for seller, month in self.sales_collapse],
            "defaults": [{"seller": seller, "month": month} for seller, month in self.defaults],
            "quality_defects": [{
                "kind": "settlement_total_mismatch", "seller": defect.seller,
                "marketplace": defect.marketplace, "settlement_id": defect.settlement_id,
                "difference": format(defect.difference, "f")} for defect in self.quality_defects],
        }

    def json_text(self) -> str:
        return json.dumps(self.as_json(), indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True, slots=True)
class World:
    seed: int
    months: int
    end_month: date           # first day of the month after the last simulated one
    plans: tuple[SellerPlan, ...]
    truth: WorldTruth
    first_month: date = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "first_month", add_months(self.end_month, -self.months))

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.first_month, datetime.min.time(), UTC)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end_month, datetime.min.time(), UTC)

    def month_start(self, index: int) -> date:
        return add_months(self.first_month, index)


# --- building the plan ----------------------------------------------------------------------

def build_world(*, sellers: int, months: int, seed: int, end_month: date) -> World:
    """Decide every seller and every planted pattern. ``end_month`` is normalised to the first
    of its month; the world covers the ``months`` months before it."""
    if sellers < 1 or months < 1:
        raise ValueError("a world needs at least one seller and one month")
    if sellers > len(DEMO_SELLERS) + len(BRANDS) * len(CATEGORIES):
        raise ValueError("more sellers than the catalogue has names for")
    end_month = end_month.replace(day=1)
    rng = random.Random(f"fourflow-world:{seed}")
    identities = _identities(rng, sellers)
    slugs = [identity[0] for identity in identities]
    # Patterns go to the simulated sellers first; the three demo sellers (whose logins are in
    # the README) only join one when the world is too small to plant it otherwise.
    candidates = list(slugs[len(DEMO_SELLERS):])
    rng.shuffle(candidates)
    candidates += slugs[:len(DEMO_SELLERS)]
    rings = _ring_members(rng, candidates)
    in_rings = {slug for ring in rings for slug in ring}
    cycle = rings[1] if len(rings) > 1 else (rings[0] if rings else ())
    free = [slug for slug in candidates if slug not in in_rings] or list(candidates)
    collapses = free[:2 if sellers >= 20 else 1] if months >= 3 else []
    free = [slug for slug in free if slug not in collapses] or list(candidates)
    defaulters = free[:max(1, round(sellers * 0.1))]
    defect_sellers = ([slug for slug in free if slug not in defaulters] or free)[:2 if sellers >= 20 else 1]
    plans: list[SellerPlan] = []
    ring_facts = {index: _ring_shared(rng, index, members) for index, members in enumerate(rings)}
    ring_of = {slug: index for index, members in enumerate(rings) for slug in members}
    for index, (slug, name, name_chinese, city, category) in enumerate(identities):
        seller_rng = random.Random(f"fourflow-seller:{seed}:{slug}")
        plans.append(_plan(seller_rng, seed, index, slug, name, name_chinese, city, category,
                           months=months, end_month=end_month,
                           collapse=slug in collapses, defaulter=slug in defaulters,
                           needs_shopify=slug in cycle, needs_amazon_us=slug in defect_sellers,
                           ring=ring_facts.get(ring_of[slug]) if slug in ring_of else None))
    plans = _with_circular_trading(rng, seed, plans, cycle, months)
    plans = [_with_quality_defect(seed, plan, months, end_month) if plan.slug in defect_sellers
             else plan for plan in plans]
    truth = _truth(seed, months, end_month, plans, rings, ring_facts, cycle)
    return World(seed, months, end_month, tuple(plans), truth)


def _identities(rng: random.Random, count: int) -> list[tuple[str, str, str, City, Category]]:
    """(slug, English name, Chinese name, city, category) for every seller, demo sellers first."""
    cities = {city.english: city for city in CITIES}
    categories = {category.key: category for category in CATEGORIES}
    result = [(slug, name, chinese, cities[city], categories[DEMO_SELLER_CATEGORIES[slug]])
              for slug, name, chinese, city in DEMO_SELLERS[:count]]
    pairs = [(brand, category) for brand in BRANDS for category in CATEGORIES]
    rng.shuffle(pairs)
    used_brands: set[str] = set()
    for brand, category in pairs:
        if len(result) >= count:
            break
        if brand[0] in used_brands and len(used_brands) < len(BRANDS):
            continue
        used_brands.add(brand[0])
        city = rng.choice(CITIES)
        slug = f"{brand[0].lower().replace(' ', '-')}-{category.key}"
        name = f"{city.english} {brand[0]} {category.english} Co., Ltd."
        chinese = f"{city.chinese}{brand[1]}{category.chinese}有限公司"
        result.append((slug, name, chinese, city, category))
    return result


def _ring_members(rng: random.Random, candidates: list[str]) -> list[tuple[str, ...]]:
    """Up to three rings of three or four sellers; a world of fewer than three has none."""
    wanted = min(3, len(candidates) // 3, max(1, len(candidates) // 8))
    rings: list[tuple[str, ...]] = []
    position = 0
    for _ in range(wanted):
        size = 4 if rng.random() < 0.5 and position + 4 <= len(candidates) - 3 * (wanted - len(rings) - 1) \
            else 3
        rings.append(tuple(candidates[position:position + size]))
        position += size
    return rings


@dataclass(frozen=True, slots=True)
class _RingShared:
    directors: tuple[str, ...]
    address: str
    phone: str
    bank_account: BankAccountFacts
    device: DeviceFacts


def _ring_shared(rng: random.Random, index: int, members: tuple[str, ...]) -> _RingShared:
    city = rng.choice(CITIES)
    directors = tuple(_person(rng) for _ in range(2))
    bank_name, bank_country = rng.choice(BANKS)
    return _RingShared(
        directors=directors,
        address=_address(rng, city),
        phone=_phone(rng, city),
        # The ring's money meets in one account held by a nominee, not by any of the companies.
        bank_account=BankAccountFacts(bank_name=bank_name, country=bank_country,
                                      account_number=_account_number(rng, bank_country),
                                      holder_name=directors[0], currency="USD", verified=True),
        device=_device(rng, seen_from=datetime(2020, 1, 1, tzinfo=UTC)),
    )


def _plan(rng: random.Random, seed: int, index: int, slug: str, name: str, name_chinese: str,
          city: City, category: Category, *, months: int, end_month: date, collapse: bool,
          defaulter: bool, needs_shopify: bool, needs_amazon_us: bool,
          ring: _RingShared | None) -> SellerPlan:
    if slug in DEMO_SELLER_MARKETPLACES:
        marketplaces = list(DEMO_SELLER_MARKETPLACES[slug])
        personality = Personality(DEMO_SELLER_PERSONALITIES[slug])
    else:
        marketplaces = ["amazon.com"] if rng.random() < 0.9 or needs_amazon_us else []
        if rng.random() < 0.5:
            marketplaces.append("amazon.de")
        if rng.random() < 0.35:
            marketplaces.append("amazon.co.uk")
        if rng.random() < 0.4 or not marketplaces:
            marketplaces.append("shopify")
        personality = rng.choices(
            [Personality.GROWTH, Personality.STABLE, Personality.DECLINING, Personality.SEASONAL],
            weights=[30, 40, 10, 20])[0]
    if needs_shopify and "shopify" not in marketplaces:
        marketplaces.append("shopify")
    if needs_amazon_us and "amazon.com" not in marketplaces:
        marketplaces.insert(0, "amazon.com")
    if collapse:
        personality = Personality.COLLAPSING
    elif defaulter:
        personality = Personality.DECLINING
    growth = {Personality.GROWTH: rng.uniform(0.025, 0.06), Personality.DECLINING: -rng.uniform(0.015, 0.035),
              Personality.COLLAPSING: rng.uniform(0.0, 0.03)}.get(personality, rng.uniform(-0.005, 0.01))
    collapse_month = None
    if collapse:
        # Late enough to have a history, early enough that both months of the fall are in the world.
        collapse_month = max(1, months - 2 - rng.randint(0, max(0, months // 4)))
    default_month = months + rng.randint(0, 2) if defaulter else None
    incorporated = date(rng.randint(2012, 2021), rng.randint(1, 12), rng.randint(1, 28))
    registry = _registry(rng, seed, slug, name_chinese, city, category, incorporated, end_month, ring)
    accounts = [_own_bank_account(rng, name)]
    if rng.random() < 0.4:
        accounts.append(_own_bank_account(rng, name, currency="EUR"))
    devices = [_device(rng, seen_from=datetime.combine(incorporated, datetime.min.time(), UTC))
               for _ in range(rng.randint(1, 2))]
    if ring is not None:
        accounts.append(ring.bank_account)
        devices.append(ring.device)
    # Accounts were given to the platform when the seller joined it, not when the world is loaded.
    joined = datetime.combine(max(incorporated, add_months(end_month, -months)), datetime.min.time(), UTC)
    accounts = [replace(account, registered_at=joined) for account in accounts]
    return SellerPlan(
        index=index, slug=slug, name=name, name_chinese=name_chinese, city=city, category=category,
        marketplaces=tuple(marketplaces), personality=personality,
        base_daily_orders=rng.uniform(0.7, 1.9),
        growth_rate=growth, collapse_month=collapse_month, default_month=default_month,
        shopify_export="csv" if rng.random() < 0.3 else "json", registry=registry,
        bank_accounts=tuple(accounts), devices=tuple(devices))


def _registry(rng: random.Random, seed: int, slug: str, name_chinese: str, city: City,
              category: Category, incorporated: date, end_month: date,
              ring: _RingShared | None) -> RegistryFacts:
    officers = [{"name": _person(rng), "role": "legal_representative", "nationality": "CN",
                 "appointed_on": incorporated.isoformat()},
                {"name": _person(rng), "role": "shareholder", "nationality": "CN",
                 "appointed_on": incorporated.isoformat()}]
    if ring is not None:
        officers += [{"name": director, "role": "director", "nationality": "CN",
                      "appointed_on": add_months(end_month, -rng.randint(14, 40)).isoformat()}
                     for director in ring.directors]
    # Tax filings: revenue declared in CNY for the last two full years.
    filings = []
    for year in (end_month.year - 2, end_month.year - 1):
        if year < incorporated.year:
            continue
        revenue = Decimal(rng.randint(1_500_000, 18_000_000))
        filings.append({"period": str(year), "revenue": format(revenue, "f"),
                        "tax_paid": format((revenue * Decimal("0.025")).quantize(Decimal("0.01")), "f"),
                        "currency": "CNY", "filed_on": date(year + 1, 5, rng.randint(1, 28)).isoformat()})
    return RegistryFacts(
        registry_name=REGISTRY_NAME,
        company_number=_credit_code(seed, slug),
        legal_name=name_chinese,
        status="active",
        country="CN",
        registered_address=ring.address if ring is not None else _address(rng, city),
        incorporated_on=incorporated,
        phone=ring.phone if ring is not None else _phone(rng, city),
        email=f"contact@{slug}.demo",
        officers=tuple(officers),
        tax_filings=tuple(filings),
        checked_at=datetime.combine(end_month, datetime.min.time(), UTC) - timedelta(days=1),
    )


def _with_circular_trading(rng: random.Random, seed: int, plans: list[SellerPlan],
                           cycle: tuple[str, ...], months: int) -> list[SellerPlan]:
    """Each seller in the cycle sells to the next once a month, for about the same amount, so
    the money goes round: a revenue that no end customer pays."""
    if len(cycle) < 3:
        return plans
    amount = Decimal(rng.randint(8_000, 15_000))
    orders: dict[str, list[CircularOrder]] = {slug: [] for slug in cycle}
    for month in range(months):
        for position, seller in enumerate(cycle):
            buyer = cycle[(position + 1) % len(cycle)]
            wobble = Decimal(rng.randint(-250, 250))
            orders[seller].append(CircularOrder(
                seller=seller, buyer=buyer, month_index=month,
                order_id=str(_number(seed, seller, "circular", month, digits=13)),
                amount=(amount + wobble).quantize(Decimal("0.01"))))
    return [replace(plan, circular_sales=tuple(orders[plan.slug])) if plan.slug in orders else plan
            for plan in plans]


def _with_quality_defect(seed: int, plan: SellerPlan, months: int, end_month: date) -> SellerPlan:
    marketplace = next(market for market in plan.marketplaces if market.startswith("amazon"))
    settlements = settlement_count(add_months(end_month, -months), end_month)
    index = settlements // 2
    difference = Decimal(_number(seed, plan.slug, "defect", digits=4) % 9000 + 1000) / 100
    return replace(plan, quality_defect=QualityDefect(
        seller=plan.slug, marketplace=marketplace, settlement_index=index,
        settlement_id=amazon_settlement_id(seed, plan.slug, marketplace, index),
        difference=-difference))


def _truth(seed: int, months: int, end_month: date, plans: list[SellerPlan],
           rings: list[tuple[str, ...]], ring_facts: dict[int, _RingShared],
           cycle: tuple[str, ...]) -> WorldTruth:
    first = add_months(end_month, -months)
    return WorldTruth(
        seed=seed, months=months, first_month=first, end_month=end_month,
        sellers=tuple(plan.slug for plan in plans),
        personalities={plan.slug: plan.personality.value for plan in plans},
        fraud_rings=tuple(FraudRing(
            sellers=members, directors=ring_facts[index].directors,
            addresses=(ring_facts[index].address,), phones=(ring_facts[index].phone,),
            bank_accounts=(ring_facts[index].bank_account.account_number,),
            devices=(ring_facts[index].device.device_fingerprint,),
            ip_addresses=(ring_facts[index].device.ip_address,))
            for index, members in enumerate(rings)),
        circular_trading=(cycle,) if len(cycle) >= 3 else (),
        circular_orders=tuple(order for plan in plans for order in plan.circular_sales),
        sales_collapse=tuple((plan.slug, _month_text(add_months(first, plan.collapse_month)))
                             for plan in plans if plan.collapse_month is not None),
        defaults=tuple((plan.slug, _month_text(add_months(first, plan.default_month)))
                       for plan in plans if plan.default_month is not None),
        quality_defects=tuple(plan.quality_defect for plan in plans if plan.quality_defect),
    )


# --- identifiers and small facts --------------------------------------------------------------

def _number(seed: int, *parts: object, digits: int) -> int:
    """A stable number of ``digits`` digits (no leading zero) for an identifier: the same
    world always gives the same ids, and ids of different things do not collide in practice."""
    text = "\x1f".join(str(part) for part in (seed, *parts))
    value = int.from_bytes(hashlib.sha256(text.encode()).digest()[:12], "big")
    smallest = int(10 ** (digits - 1))
    return smallest + value % (9 * smallest)


def amazon_settlement_id(seed: int, slug: str, marketplace: str, index: int) -> str:
    return str(_number(seed, slug, marketplace, "settlement", index, digits=11))


def settlement_count(first: date, end: date) -> int:
    """How many whole settlement periods fit between the two days."""
    return (end - first).days // SETTLEMENT_PERIOD_DAYS


def _credit_code(seed: int, slug: str) -> str:
    """An 18-character unified social credit code shape: 91 (enterprise), a region, digits."""
    return f"9144{_number(seed, slug, 'credit-code', digits=14)}"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(GIVEN_NAMES)}"


def _address(rng: random.Random, city: City) -> str:
    return (f"Room {rng.randint(2, 28)}{rng.randint(1, 20):02d}, Building {rng.randint(1, 12)}, "
            f"No. {rng.randint(1, 999)} {rng.choice(STREETS)}, {city.district}, {city.english}, "
            f"{city.province}, China")


def _phone(rng: random.Random, city: City) -> str:
    digits = 8 if len(city.phone_area) <= 3 else 7
    return f"+86 {city.phone_area} {rng.randint(10 ** (digits - 1), 10 ** digits - 1)}"


def _account_number(rng: random.Random, country: str) -> str:
    if country == "GB":
        return f"GB{rng.randint(10, 99)}WFST{rng.randint(10 ** 13, 10 ** 14 - 1)}"
    if country == "HK":
        return f"{rng.randint(100, 999)}-{rng.randint(100000, 999999)}-{rng.randint(100, 999)}"
    return str(rng.randint(10 ** 15, 10 ** 16 - 1))


def _own_bank_account(rng: random.Random, holder: str, currency: str = "USD") -> BankAccountFacts:
    bank_name, country = rng.choice(BANKS)
    return BankAccountFacts(bank_name=bank_name, country=country,
                            account_number=_account_number(rng, country), holder_name=holder,
                            currency=currency, verified=rng.random() < 0.9)


def _device(rng: random.Random, *, seen_from: datetime) -> DeviceFacts:
    fingerprint = hashlib.sha256(str(rng.getrandbits(128)).encode()).hexdigest()[:32]
    address = (f"{rng.choice(CHINESE_IP_PREFIXES)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}."
               f"{rng.randint(1, 254)}")
    first_seen = seen_from + timedelta(days=rng.randint(0, 300), seconds=rng.randint(0, 86_399))
    return DeviceFacts(device_fingerprint=fingerprint, ip_address=address,
                       user_agent=rng.choice(USER_AGENTS), first_seen_at=first_seen,
                       last_seen_at=first_seen + timedelta(days=rng.randint(30, 700)))


# --- months ---------------------------------------------------------------------------------

def _month_text(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_text(day: date) -> str:
    return _month_text(day)
