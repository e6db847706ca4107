"""The demo world loaded by ``fourflow demo-data`` and ``make run``. Idempotent: running it
again creates only what is missing. Later capabilities extend this world."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.core.clock import get_clock
from fourflow.core.errors import Conflict
from fourflow.core.settings import FxSettings
from fourflow.identity import service as identity
from fourflow.identity.models import Organisation
from fourflow.identity.roles import OrganisationKind, Role, Scope
from fourflow.identity.schemas import ApiClientCreate, OrganisationCreate
from fourflow.ledger import service as ledger
from fourflow.ledger.chart import Side
from fourflow.ledger.service import fx, payments, reconciliation
from fourflow.tradedata import service as tradedata

DEMO_PASSWORD = "fourflow-demo"
DEMO_CLIENT_SECRET = "fourflow-demo-client-secret"


@dataclass(frozen=True, slots=True)
class DemoOrganisation:
    slug: str
    name: str
    kind: OrganisationKind
    country_code: str
    users: tuple[tuple[str, str, Role], ...]  # (e-mail, display name, role)


DEMO_ORGANISATIONS: tuple[DemoOrganisation, ...] = (
    DemoOrganisation("fourflow", "Fourflow Platform", OrganisationKind.PLATFORM, "HK", (
        ("admin@fourflow.demo", "Ada Administrator", Role.ADMINISTRATOR),
        ("risk@fourflow.demo", "Rui Risk", Role.RISK_OFFICER),
        ("compliance@fourflow.demo", "Chen Compliance", Role.COMPLIANCE_OFFICER),
        ("operations@fourflow.demo", "Omar Operations", Role.OPERATIONS),
        ("auditor@fourflow.demo", "Aiko Auditor", Role.AUDITOR),
    )),
    DemoOrganisation("lumen-electronics", "Shenzhen Lumen Electronics Co., Ltd.",
                     OrganisationKind.SELLER, "CN", (
        ("owner@lumen.demo", "Li Wei", Role.SELLER_ADMIN),
        ("finance@lumen.demo", "Zhang Min", Role.SELLER_FINANCE),
    )),
    DemoOrganisation("silkroad-home", "Hangzhou Silkroad Home Goods Ltd.",
                     OrganisationKind.SELLER, "CN", (
        ("owner@silkroad.demo", "Wang Fang", Role.SELLER_ADMIN),
        ("finance@silkroad.demo", "Liu Yang", Role.SELLER_FINANCE),
    )),
    DemoOrganisation("bright-toys", "Yiwu Bright Toys Trading Co.", OrganisationKind.SELLER, "CN", (
        ("owner@brighttoys.demo", "Chen Jie", Role.SELLER_ADMIN),
        ("finance@brighttoys.demo", "Huang Li", Role.SELLER_FINANCE),
    )),
    DemoOrganisation("harbour-capital", "Harbour Trade Capital", OrganisationKind.FUNDER, "SG", (
        ("analyst@harbour.demo", "Sam Tan", Role.FUNDER_ANALYST),
    )),
    DemoOrganisation("blue-jade", "Blue Jade Investors", OrganisationKind.INVESTOR, "HK", (
        ("investor@bluejade.demo", "Grace Ho", Role.INVESTOR_VIEWER),
    )),
    DemoOrganisation("rotterdam-3pl", "Rotterdam Overseas Warehouse B.V.",
                     OrganisationKind.WAREHOUSE, "NL", (
        ("ops@rotterdam3pl.demo", "Daan de Vries", Role.PARTNER_DEVELOPER),
    )),
    DemoOrganisation("pacific-bridge", "Pacific Bridge Logistics", OrganisationKind.LOGISTICS_PROVIDER,
                     "US", (
        ("dev@pacificbridge.demo", "Maria Lopez", Role.PARTNER_DEVELOPER),
    )),
)

# One OAuth client per seller, so the API can be tried at once (documented in the README).
DEMO_API_CLIENTS = {"lumen-electronics": "demo-lumen", "silkroad-home": "demo-silkroad",
                    "bright-toys": "demo-brighttoys"}


def _organisation(session: Session, spec: DemoOrganisation) -> tuple[Organisation, bool]:
    existing = identity.organisation_by_slug(session, spec.slug)
    if existing is not None:
        return existing, False
    created = identity.create_organisation(session, None, OrganisationCreate(
        slug=spec.slug, name=spec.name, kind=spec.kind, country_code=spec.country_code))
    return created, True


def load_demo_data(session: Session, *, with_operations: bool = True) -> dict[str, int]:
    """Create the demo organisations, users, API clients and money that are missing.

    ``with_operations`` adds work in progress (a payout for the job worker, a bank statement
    with a break); test suites that count rows leave it out."""
    created = {"organisations": 0, "users": 0, "api_clients": 0}
    context = AuditContext.system()
    for spec in DEMO_ORGANISATIONS:
        organisation, is_new = _organisation(session, spec)
        created["organisations"] += int(is_new)
        for email, name, role in spec.users:
            try:
                savepoint = session.begin_nested()
                identity.create_user(session, context, organisation=organisation, email=email,
                                     display_name=name, role=role, password=DEMO_PASSWORD,
                                     preferred_language="zh_Hans" if spec.country_code == "CN"
                                     else "en")
                savepoint.commit()
                created["users"] += 1
            except Conflict:
                savepoint.rollback()
        client_id = DEMO_API_CLIENTS.get(spec.slug)
        if client_id and is_new:
            identity.create_api_client(session, None, organisation.id, ApiClientCreate(
                name="Demo integration", scopes=list(Scope)), client_id=client_id,
                client_secret=DEMO_CLIENT_SECRET)
            created["api_clients"] += 1
    created["ledger_entries"] = load_demo_ledger(session)
    if with_operations:
        load_demo_operations(session)
    return created


# Money in the demo world: the funder's committed capital and each seller's first payouts,
# moved to their wallets (MONEY-FLOWS events 1, 5 and 6 without a loan yet).
DEMO_PAYOUTS = {"lumen-electronics": Decimal("18450.00"), "silkroad-home": Decimal("9320.55"),
                "bright-toys": Decimal("4210.40")}
# The funder's capital arrives split over the platform's accounts at the demo channels.
DEMO_CAPITAL = {"harbour-bank": Decimal("1500000.00"), "lotus-pay": Decimal("600000.00"),
                "global-wire": Decimal("400000.00")}


def load_demo_ledger(session: Session) -> int:
    """Idempotent: every demo entry has a fixed idempotency key. Returns entries created."""
    platform = identity.organisation_by_slug(session, "fourflow")
    funder = identity.organisation_by_slug(session, "harbour-capital")
    assert platform is not None
    assert funder is not None
    context = AuditContext.system()
    banks = {channel: ledger.open_account(session, platform.id, "platform:bank", "USD",
                                          subject=channel) for channel in DEMO_CAPITAL}
    bank = banks["harbour-bank"]
    created = 0

    def post(key: str, debit: uuid.UUID, credit: uuid.UUID, amount: Decimal, text: str) -> None:
        nonlocal created
        result = ledger.transfer(session, context, ledger.Transfer(
            idempotency_key=key, description=text, postings=(
                ledger.Posting(debit, Side.DEBIT, amount, "USD"),
                ledger.Posting(credit, Side.CREDIT, amount, "USD"))))
        created += int(result.created)

    capital = ledger.open_account(session, funder.id, "funder:available", "USD")
    for channel, amount in DEMO_CAPITAL.items():
        post(f"demo:capital:harbour-capital:{channel}", banks[channel].id, capital.id, amount,
             "Committed capital received")
    for slug, amount in DEMO_PAYOUTS.items():
        seller = identity.organisation_by_slug(session, slug)
        assert seller is not None
        collections = ledger.open_account(session, seller.id, "seller:collections", "USD")
        wallet = ledger.open_account(session, seller.id, "seller:wallet", "USD")
        post(f"demo:payout:{slug}", bank.id, collections.id, amount, "Amazon US payout")
        post(f"demo:allocation:{slug}", collections.id, wallet.id, amount,
             "Payout released to the wallet")
    return created


def _demo_statement() -> bytes:
    """Today's MT940 statement of the harbour-bank account: the money the ledger booked,
    plus a bank charge the ledger does not know yet (a break for operations)."""
    today = get_clock().now().date().strftime("%y%m%d")
    lines = [(DEMO_CAPITAL["harbour-bank"], "C", "CAPITAL")]
    lines += [(amount, "C", f"PAYOUT {slug.upper()}"[:16]) for slug, amount in DEMO_PAYOUTS.items()]
    lines.append((Decimal("35.00"), "D", "CHARGES"))
    opening = Decimal(0)
    closing = sum((amount if mark == "C" else -amount for amount, mark, _ref in lines), opening)
    text_lines = [":20:DEMO" + today, ":25:HARBOURBANK/0001", ":28C:1/1",
                  f":60F:C{today}USD0,00"]
    for amount, mark, reference in lines:
        text_lines.append(f":61:{today}{mark}{str(amount).replace('.', ',')}NTRF{reference}")
        text_lines.append(f":86:{reference}")
    text_lines.append(f":62F:{'C' if closing >= 0 else 'D'}{today}USD{str(abs(closing)).replace('.', ',')}")
    return ("\n".join(text_lines) + "\n-\n").encode()


# Euro reference rates for the demo world, published for today in the ECB's own file format
# and ingested through the same connector as the real feed (no network in the demo).
DEMO_EURO_RATES = {"USD": "1.0815", "GBP": "0.8432", "CNY": "7.7614", "HKD": "8.4126",
                   "JPY": "163.42", "SGD": "1.4379"}


def demo_ecb_file() -> bytes:
    today = get_clock().now().date().isoformat()
    cubes = "".join(f"<Cube currency='{currency}' rate='{rate}'/>"
                    for currency, rate in DEMO_EURO_RATES.items())
    return (f"<?xml version='1.0' encoding='UTF-8'?><gesmes:Envelope "
            f"xmlns:gesmes='http://www.gesmes.org/xml/2002-08-01' "
            f"xmlns='http://www.ecb.int/vocabulary/2002-08-01/eurofxref'><Cube>"
            f"<Cube time='{today}'>{cubes}</Cube></Cube></gesmes:Envelope>").encode()


def load_demo_operations(session: Session) -> None:
    """A payout waiting for the job worker, and the bank's statement to reconcile."""
    lumen = identity.organisation_by_slug(session, "lumen-electronics")
    platform = identity.organisation_by_slug(session, "fourflow")
    assert lumen is not None
    assert platform is not None
    wallet = ledger.open_account(session, lumen.id, "seller:wallet", "USD")
    if payments.find_payment(session, "demo:payout:lumen:moulds") is not None:
        return  # loaded before (perhaps on another day): nothing to add
    tradedata.ingest_ecb_rates(session, demo_ecb_file())
    payments.request_payout(session, AuditContext.system(), payments.PayoutRequest(
        idempotency_key="demo:payout:lumen:moulds", source_account_id=wallet.id,
        amount=Decimal("1200.00"), currency="USD", beneficiary_name="Dongguan Precision Moulds Ltd.",
        beneficiary_account="CN4501230000001234", beneficiary_country="CN", reference="PO-2026-0412"))
    bank = ledger.open_account(session, platform.id, "platform:bank", "USD", subject="harbour-bank")
    reconciliation.import_statement(session, AuditContext.system(), bank.id, _demo_statement())
    # Bright Toys keeps part of its payout in euros for its German suppliers.
    toys = identity.organisation_by_slug(session, "bright-toys")
    assert toys is not None
    toys_usd = ledger.open_account(session, toys.id, "seller:wallet", "USD")
    toys_eur = ledger.open_account(session, toys.id, "seller:wallet", "EUR")
    fx.convert(session, AuditContext.system(), FxSettings(), idempotency_key="demo:fx:bright-toys",
               source_account_id=toys_usd.id, target_account_id=toys_eur.id,
               amount=Decimal("1500.00"), on=get_clock().now().date())


def demo_logins() -> list[tuple[str, str, str]]:
    """(organisation, e-mail, role) for the start-up banner."""
    return [(spec.name, email, role.value) for spec in DEMO_ORGANISATIONS
            for email, _name, role in spec.users]
