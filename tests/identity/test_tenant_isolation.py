"""Walks every API route that takes an id and proves a seller cannot reach another
seller's objects: each answers 404 and changes nothing."""

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.core.clock import get_clock
from fourflow.insights.models import SellerReminder
from fourflow.lending.applications import service as applications
from fourflow.lending.applications.models import FinancingApplication, FinancingOffer
from fourflow.lending.contracts.models import LendingContract
from fourflow.lending.insurance.models import InsuranceClaim, InsurancePolicy, InsuranceQuote
from fourflow.lending.lines import service as lines
from fourflow.lending.loans import service as loans
from fourflow.lending.loans.models import Loan
from fourflow.risk.models import RiskDecision
from fourflow.tradedata.service import figures
from tests.helpers import count, sign_in
from tests.lending.advance_helpers import enrolled_seller, shipped_order

# Every path parameter an API route may take, and how to find seller B's object for it.
OBJECTS_OF_SELLER_B = {
    "organisation_id": "SELECT id FROM organisations WHERE slug = 'silkroad-home'",
    "user_id": "SELECT id FROM users WHERE email = 'owner@silkroad.demo'",
    "invitation_id": "SELECT id FROM invitations WHERE email = 'pending@silkroad.demo'",
    "api_client_id": "SELECT id FROM api_clients WHERE client_id = 'demo-silkroad'",
    "account_id": "SELECT a.id FROM ledger_accounts a JOIN organisations o ON o.id = a.organisation_id "
                  "WHERE o.slug = 'silkroad-home' AND a.code = 'seller:wallet'",
    "entry_id": "SELECT id FROM ledger_entries WHERE idempotency_key = 'demo:allocation:silkroad-home'",
    "payment_id": "SELECT id FROM payments WHERE idempotency_key = 'tenant-payout-silkroad'",
    "batch_id": "SELECT b.id FROM trade_ingest_batches b JOIN organisations o "
                "ON o.id = b.seller_organisation_id WHERE o.slug = 'silkroad-home' LIMIT 1",
    "figure_id": "SELECT f.id FROM trade_figures f JOIN organisations o "
                 "ON o.id = f.seller_organisation_id WHERE o.slug = 'silkroad-home' LIMIT 1",
    "decision_id": "SELECT d.id FROM risk_decisions d JOIN organisations o "
                   "ON o.id = d.seller_organisation_id WHERE o.slug = 'silkroad-home'",
    "application_id": "SELECT a.id FROM lending_applications a JOIN organisations o "
                      "ON o.id = a.seller_organisation_id WHERE o.slug = 'silkroad-home' "
                      "AND a.product = 'receivables_financing'",
    "offer_id": "SELECT f.id FROM lending_offers f JOIN organisations o "
                "ON o.id = f.seller_organisation_id WHERE o.slug = 'silkroad-home' "
                "AND f.product = 'receivables_financing'",
    "loan_id": "SELECT l.id FROM lending_loans l JOIN organisations o "
               "ON o.id = l.seller_organisation_id WHERE o.slug = 'silkroad-home'",
    "contract_id": "SELECT c.id FROM lending_contracts c JOIN organisations o "
                   "ON o.id = c.seller_organisation_id WHERE o.slug = 'silkroad-home'",
    "reminder_id": "SELECT r.id FROM insight_reminders r JOIN organisations o "
                   "ON o.id = r.seller_organisation_id WHERE o.slug = 'silkroad-home'",
    "policy_id": "SELECT p.id FROM lending_insurance_policies p JOIN organisations o "
                 "ON o.id = p.seller_organisation_id WHERE o.slug = 'silkroad-home'",
    "claim_id": "SELECT c.id FROM lending_insurance_claims c JOIN organisations o "
                "ON o.id = c.seller_organisation_id WHERE o.slug = 'silkroad-home'",
    "line_id": "SELECT c.id FROM lending_credit_lines c JOIN organisations o "
               "ON o.id = c.seller_organisation_id WHERE o.slug = 'silkroad-home'",
    # Monitoring alerts are for risk staff only (their routes are platform-only).
    "alert_id": "SELECT gen_random_uuid()",
    # So are the controls and recalls confirmed alerts put in place.
    "control_id": "SELECT gen_random_uuid()",
    "recall_id": "SELECT gen_random_uuid()",
    # Rule sets and credit models are the platform's (their routes are platform-only).
    "name": "SELECT 'hard_lines'",
    "version": "SELECT 1",
}
# A small valid upload, so seller B owns an ingest batch.
ECB_RATES = (b"<gesmes:Envelope xmlns:gesmes='http://www.gesmes.org/xml/2002-08-01' "
             b"xmlns='http://www.ecb.int/vocabulary/2002-08-01/eurofxref'><Cube><Cube time='2026-11-20'>"
             b"<Cube currency='USD' rate='1.0500'/></Cube></Cube></gesmes:Envelope>")
SHOPIFY_CHARGE = json.dumps({"transactions": [{
    "id": 1, "type": "charge", "test": False, "payout_id": 5, "payout_status": "paid", "currency": "USD",
    "amount": "10.00", "fee": "0.50", "net": "9.50", "source_id": 1, "source_type": "charge",
    "source_order_id": 7, "source_order_transaction_id": 8,
    "processed_at": "2026-11-01T10:00:00Z"}]}).encode()
# Routes seller users may not use at all answer 403 whatever the object (checked below).
PLATFORM_ONLY = ("/api/v1/ledger/transfers/", "/api/v1/ledger/entries/",
                 "/api/v1/ledger/reconciliation/", "/api/v1/risk/rule-sets/", "/api/v1/risk/models/",
                 "/api/v1/lending/review-queue/", "/api/v1/lending/monitoring/")
PLATFORM_ONLY_ACTIONS = ("/replay", "/disburse", "/write-off", "/recoveries", "/stock/lock",
                         "/stock/release", "/bind", "/remit-premium", "/settle")
# A valid body for each route that takes one, so only ownership can make it fail.
VALID_BODIES = {
    "/invitations": {"email": "x@example.com", "role": "seller_finance"},
    "/api-clients": {"name": "x", "scopes": ["profile:read"]},
    "/post": {"idempotency_key": "tenant-test-post"},
    "/void": {"idempotency_key": "tenant-test-void"},
    "/reverse": {"idempotency_key": "tenant-test-reverse"},
    "/statements": None,
    "/sign": {"code": "000000"},
    "/write-off": {"reason": "tenant test"},
    "/recoveries": {"amount": "1.00", "currency": "USD", "reference": "tenant-test"},
    "/stock/lock": {"reason": "tenant test"},
    "/stock/release": {"reason": "tenant test"},
    "/confirm": {"reason": "tenant test"},
    "/dismiss": {"reason": "tenant test"},
    "/release": {"reason": "tenant test"},
    "/lift": {"reason": "tenant test"},
    "/draws": {"amount": "1.00"},
}
MUTABLE_TABLES = ("organisations", "users", "invitations", "api_clients", "audit_events",
                  "user_sessions", "procrastinate_jobs", "ledger_entries", "ledger_postings",
                  "payments", "risk_decisions", "risk_rule_sets", "risk_model_drift_checks",
                  "lending_applications", "lending_offers", "lending_loans", "lending_payouts",
                  "lending_loan_repayments", "lending_contracts", "lending_contract_signing_codes",
                  "mail_messages", "lending_collection_actions", "lending_loan_write_offs",
                  "lending_loan_recoveries", "lending_stock_lock_events",
                  "lending_monitoring_alerts", "risk_seller_controls", "lending_loan_recalls",
                  "insight_reminders", "lending_insurance_quotes", "lending_insurance_policies",
                  "lending_insurance_claims", "lending_credit_lines", "lending_credit_line_draws")


def _id_routes(app: FastAPI) -> list[tuple[str, str, list[str]]]:
    """From the OpenAPI document, which lists every API route however routers are nested."""
    routes = []
    for path, operations in app.openapi()["paths"].items():
        parameters = re.findall(r"\{(\w+)\}", path)
        if path.startswith("/api/") and parameters:
            for method in sorted(operations):
                routes.append((method.upper(), path, parameters))
    return routes


def test_every_id_route_is_covered(app: FastAPI) -> None:
    unknown = {p for _m, _path, params in _id_routes(app) for p in params} - OBJECTS_OF_SELLER_B.keys()
    assert unknown == set(), f"add seller B's object for {unknown} to OBJECTS_OF_SELLER_B"
    assert len(_id_routes(app)) >= 10


@pytest.fixture
def seller_b_invitation(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "owner@silkroad.demo")
    organisation = demo.execute(text(OBJECTS_OF_SELLER_B["organisation_id"])).scalar_one()
    response = client.post(f"/api/v1/organisations/{organisation}/invitations",
                           headers={"X-CSRF-Token": csrf},
                           json={"email": "pending@silkroad.demo", "role": "seller_finance"})
    assert response.status_code == 201
    wallet = demo.execute(text(OBJECTS_OF_SELLER_B["account_id"])).scalar_one()
    payout = client.post("/api/v1/ledger/payouts", headers={"X-CSRF-Token": csrf}, json={
        "idempotency_key": "tenant-payout-silkroad", "source_account_id": str(wallet),
        "amount": "100.00", "currency": "USD", "beneficiary_name": "Supplier",
        "beneficiary_account": "CN0001", "beneficiary_country": "CN", "reference": "PO-1"})
    assert payout.status_code == 201, payout.text
    upload = client.post("/api/v1/tradedata/uploads", headers={"X-CSRF-Token": csrf},
                         data={"format": "ecb-fx"}, files={"file": ("rates.xml", ECB_RATES, "text/xml")})
    assert upload.status_code == 201, upload.text
    sales = client.post("/api/v1/tradedata/uploads", headers={"X-CSRF-Token": csrf},
                        data={"format": "shopify-payouts"},
                        files={"file": ("transactions.json", SHOPIFY_CHARGE, "application/json")})
    assert sales.status_code == 201, sales.text
    figures.recompute(demo, uuid.UUID(str(organisation)))
    decision = _a_decision_of(demo, uuid.UUID(str(organisation)))
    _an_application_and_offer_of(demo, uuid.UUID(str(organisation)), decision)
    _a_reminder_of(demo, uuid.UUID(str(organisation)))
    _a_policy_and_claim_of(demo, uuid.UUID(str(organisation)))
    _a_credit_line_of(demo, uuid.UUID(str(organisation)), decision)
    client.post("/logout", data={"csrf_token": csrf})
    client.cookies.clear()


@pytest.mark.usefixtures("seller_b_invitation")
def test_seller_a_gets_404_for_every_object_of_seller_b(app: FastAPI, client: TestClient,
                                                        demo: Session) -> None:
    csrf = sign_in(client, "owner@lumen.demo")
    identifiers = {name: demo.execute(text(query)).scalar_one()
                   for name, query in OBJECTS_OF_SELLER_B.items()}
    before = {table: count(demo, table) for table in MUTABLE_TABLES}
    checked = []
    for method, path, parameters in _id_routes(app):
        url = path
        for parameter in parameters:
            url = url.replace("{" + parameter + "}", str(identifiers[parameter]))
        body = next((payload for suffix, payload in VALID_BODIES.items() if path.endswith(suffix)),
                    None) if method == "POST" else None
        response = client.request(method, url, headers={"X-CSRF-Token": csrf}, json=body)
        if path.startswith(PLATFORM_ONLY) or path.endswith(PLATFORM_ONLY_ACTIONS):
            assert response.status_code == 403, (method, url, response.status_code, response.text)
            assert response.json()["error"] == "permission_denied"
        else:
            assert response.status_code == 404, (method, url, response.status_code, response.text)
            assert response.json()["error"].endswith("not_found")
        checked.append((method, path))
    assert {table: count(demo, table) for table in MUTABLE_TABLES} == before
    assert len(checked) == len(_id_routes(app))


def test_unknown_ids_are_404_and_malformed_ids_are_422(client: TestClient, demo: Session) -> None:
    sign_in(client, "owner@lumen.demo")
    missing = client.get(f"/api/v1/organisations/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.json()["error"] == "organisation_not_found"
    malformed = client.get("/api/v1/users/not-a-uuid", headers={"Accept-Language": "zh-CN"})
    assert malformed.status_code == 422
    assert malformed.json() == {"error": "validation_failed",
                                "detail": [{"field": "path.user_id", "message": "这不是有效的标识符。"}]}


def test_staff_read_across_organisations_is_audited(client: TestClient, demo: Session) -> None:
    sign_in(client, "risk@fourflow.demo")
    user_id = demo.execute(text(OBJECTS_OF_SELLER_B["user_id"])).scalar_one()
    response = client.get(f"/api/v1/users/{user_id}")
    assert response.status_code == 200
    assert response.json()["email"] == "owner@silkroad.demo"
    event = demo.execute(text(
        "SELECT actor_type, action, subject_id FROM audit_events WHERE action = 'identity:user:viewed'"
    )).one()
    assert (event.actor_type, event.subject_id) == ("user", str(user_id))


def test_seller_lists_only_their_own_organisation(client: TestClient, demo: Session) -> None:
    sign_in(client, "finance@lumen.demo")
    listing = client.get("/api/v1/organisations").json()
    assert [item["slug"] for item in listing["items"]] == ["lumen-electronics"]
    assert listing["total"] == 1
    sellers = client.get("/api/v1/sellers").json()
    assert [item["slug"] for item in sellers["items"]] == ["lumen-electronics"]


def _a_decision_of(session: Session, seller: uuid.UUID) -> uuid.UUID:
    """A stored decision of seller B (deciding for real needs a trained model)."""
    decision_id = uuid.uuid4()
    session.add(RiskDecision(
        id=decision_id, seller_organisation_id=seller, product="receivables_financing",
        requested_amount=Decimal("100"), currency="USD", outcome="refer", grade=None, score=None,
        probability_of_default=None, limit_amount=None, annual_rate=None, inputs={}, versions={},
        outputs={}, reasons=[], requested_by_user_id=None, decided_at=datetime.now(UTC)))
    session.flush()
    return decision_id


def _an_application_and_offer_of(session: Session, seller: uuid.UUID, decision: uuid.UUID) -> None:
    """Seller B's submitted application, the offer made on it (accepted), its contract and a loan
    booked on it."""
    now = datetime.now(UTC)
    application = FinancingApplication(
        id=uuid.uuid4(), seller_organisation_id=seller, products_version="products@v1",
        product="receivables_financing", amount=Decimal("100"), currency="USD", tenor_days=90,
        status="offered", decision_id=decision, created_at=now, updated_at=now, submitted_at=now)
    session.add(application)
    session.flush()
    session.add(FinancingOffer(
        id=uuid.uuid4(), application_id=application.id, seller_organisation_id=seller, decision_id=decision,
        products_version="products@v1", product="receivables_financing", amount=Decimal("100"),
        currency="USD", tenor_days=90, annual_rate=Decimal("0.12"), annual_percentage_rate=Decimal("0.13"),
        origination_fee=Decimal("0.50"), repayment_method="payout_sweep", schedule={}, status="accepted",
        expires_at=now + timedelta(days=7), created_at=now, responded_at=now))
    session.flush()
    offer_id = session.execute(text("SELECT id FROM lending_offers WHERE application_id = :id"),
                               {"id": application.id}).scalar_one()
    session.add(LendingContract(
        id=uuid.uuid4(), contract_number="FF-2026-999001", offer_id=offer_id, seller_organisation_id=seller,
        language="en", status="awaiting_seller_signature", pdf=b"%PDF-1.4 seller B", pdf_sha256="0" * 64,
        unsigned_sha256="0" * 64, created_at=now, updated_at=now))
    funder = session.execute(text("SELECT id FROM organisations WHERE slug = 'harbour-capital'")).scalar_one()
    session.add(Loan(
        id=uuid.uuid4(), offer_id=offer_id, seller_organisation_id=seller, funder_organisation_id=funder,
        products_version="products@v1", product="receivables_financing", principal_amount=Decimal("100"),
        currency="USD", annual_rate=Decimal("0.12"), day_count_convention="ACT/365F",
        origination_fee_amount=Decimal("0.50"), tenor_days=90, repayment_method="payout_sweep",
        repayment_period_days=30, remittance_rate=Decimal("0.25"), status="awaiting_disbursement",
        booking_key="tenant-loan", start_on=now.date(), maturity_on=now.date() + timedelta(days=90),
        interest_accrued_until=None, accrual_numerator=Decimal(0), interest_accrued_amount=Decimal(0),
        booked_at=now, updated_at=now))
    session.flush()


def _a_policy_and_claim_of(session: Session, seller: uuid.UUID) -> None:
    """Credit cover on seller B's loan, and a claim on it."""
    now = datetime.now(UTC)
    offer_id, loan_id = session.execute(text(
        "SELECT offer_id, id FROM lending_loans WHERE seller_organisation_id = :s"), {"s": seller}).one()
    quote = InsuranceQuote(
        id=uuid.uuid4(), offer_id=offer_id, seller_organisation_id=seller, cover="credit",
        insurer="harbour-mutual", insurer_reference="HMQ-TENANT",
        pricing_version="harbour-mutual-rates@2026-12", currency="USD", insured_amount=Decimal("100"),
        cover_days=90, premium_rate=Decimal("0.012"),
        premium_amount=Decimal("5.00"), indemnity_rate=Decimal("0.9"), inputs={}, status="chosen",
        created_at=now, chosen_at=now, chosen_by_user_id=None)
    policy = InsurancePolicy(
        id=uuid.uuid4(), quote_id=quote.id, loan_id=loan_id, seller_organisation_id=seller, cover="credit",
        insurer="harbour-mutual", insurer_reference="HMP-TENANT", currency="USD",
        insured_amount=Decimal("100"), premium_amount=Decimal("5.00"), indemnity_rate=Decimal("0.9"),
        starts_on=now.date(),
        ends_on=now.date() + timedelta(days=90), status="active", status_reason=None,
        premium_remitted_at=None, created_at=now, bound_at=now, updated_at=now)
    claim = InsuranceClaim(
        id=uuid.uuid4(), policy_id=policy.id, loan_id=loan_id, seller_organisation_id=seller,
        reason="default", insurer_reference="HMC-TENANT", currency="USD", loss_on=now.date(),
        loss_amount=Decimal("100"),
        approved_amount=Decimal("90"), status="approved", decision_reason="covered", paid_on=None,
        payment_reference=None, created_at=now, updated_at=now)
    session.add(quote)
    session.flush()
    session.add(policy)
    session.flush()
    session.add(claim)
    session.flush()


def _a_credit_line_of(session: Session, seller: uuid.UUID, decision: uuid.UUID) -> None:
    """Seller B's revolving offer, accepted, and the credit line it opened: drawing on it (with a key)
    or reading it as seller A must fail and store nothing."""
    now = datetime.now(UTC)
    application = FinancingApplication(
        id=uuid.uuid4(), seller_organisation_id=seller, products_version="products@v1",
        product="revolving_credit_line", amount=Decimal("1000"), currency="USD", tenor_days=180,
        status="offered", decision_id=decision, created_at=now, updated_at=now, submitted_at=now)
    offer = FinancingOffer(
        id=uuid.uuid4(), application_id=application.id, seller_organisation_id=seller, decision_id=decision,
        products_version="products@v1", product="revolving_credit_line", amount=Decimal("1000"),
        currency="USD", tenor_days=180, annual_rate=Decimal("0.12"), annual_percentage_rate=Decimal("0.13"),
        origination_fee=Decimal("10.00"), repayment_method="equal_instalments", schedule={}, status="open",
        expires_at=now + timedelta(days=7), created_at=now)
    session.add(application)
    session.flush()
    session.add(offer)
    session.flush()
    applications.accept_offer(session, AuditContext.system(), offer.id, seller, accepted_by_user_id=None)
    assert lines.line_of_offer(session, offer.id) is not None


def _a_reminder_of(session: Session, seller: uuid.UUID) -> None:
    """Seller B's unread reminder: marking it read as seller A must fail and leave it unread."""
    session.add(SellerReminder(
        seller_organisation_id=seller, kind="restock_before_peak", reminder_key="tenant-test",
        act_by=datetime(2026, 12, 1, tzinfo=UTC).date(),
        title="Order {units} units of {sku} by {order_by} for {peak}",
        body="", params={"units": "1", "sku": "X", "order_by": "2026-12-01", "peak_code": "christmas"},
        inputs={}, version="insights@v1", created_at=datetime.now(UTC)))
    session.flush()


def test_seller_lists_only_their_own_daily_advances(client: TestClient, demo: Session) -> None:
    """Seller B has an advance; seller A's list is empty and A's enrolment is not B's; staff see B's."""
    seller_b = uuid.UUID(str(demo.execute(text(OBJECTS_OF_SELLER_B["organisation_id"])).scalar_one()))
    enrolled_seller(demo, seller_b)
    yesterday = get_clock().now().date() - timedelta(days=1)
    shipped_order(demo, seller_b, "8001", "100.00", datetime.combine(yesterday, datetime.min.time(), UTC)
                  + timedelta(hours=10))
    assert loans.advance_day(demo, AuditContext.system(), seller_b, yesterday).reason == "advanced"
    csrf = sign_in(client, "owner@lumen.demo")
    listing = client.get("/api/v1/lending/daily-advances", headers={"X-CSRF-Token": csrf}).json()
    assert (listing["items"], listing["total"]) == ([], 0)
    assert client.get("/api/v1/lending/daily-advances/enrolment").json() == {
        "enrolled": False, "id": None, "loan_id": None, "terms_version": None, "advance_share": None,
        "fee_rate": None, "cap": None, "currency": None, "enrolled_at": None, "withdrawn_at": None}
    left = client.delete("/api/v1/lending/daily-advances/enrolment", headers={"X-CSRF-Token": csrf})
    assert (left.status_code, left.json()["error"]) == (409, "daily_advance_not_enrolled")
    client.cookies.clear()
    sign_in(client, "operations@fourflow.demo")
    staff = client.get("/api/v1/lending/daily-advances").json()
    assert [(item["seller_id"], item["advance"]) for item in staff["items"]] == [(str(seller_b), "80.00")]
