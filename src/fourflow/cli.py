"""The ``fourflow`` command: one entry point for people and scripts.

Every command honours DATABASE_URL; without it the embedded PostgreSQL is started.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from fourflow.core.database import Database, database_for_url, resolve_database_url
from fourflow.core.settings import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from fourflow.tradedata.simulation.world import WorldTruth

app = typer.Typer(help="Fourflow: supply-chain finance on trade data.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Users.", no_args_is_help=True)
sellers_app = typer.Typer(help="Sellers.", no_args_is_help=True)
risk_app = typer.Typer(help="Credit decisions and model validation.", no_args_is_help=True)
contracts_app = typer.Typer(help="Signed contracts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(sellers_app, name="sellers")
app.add_typer(risk_app, name="risk")
app.add_typer(contracts_app, name="contracts")


def _database(settings: Settings) -> tuple[str, Database]:
    url = resolve_database_url(settings)
    return url, database_for_url(url)


def _upgrade(url: str) -> None:
    from fourflow.core.migrations import upgrade

    upgrade(url)


def _prepare_risk_engine(session: Session, truth: WorldTruth) -> None:
    """The demo world's defaults are the outcomes the first credit model learns from."""
    from fourflow.risk.service.setup import prepare_risk_engine_for_world

    secret = get_settings().security.secret_key.get_secret_value()
    prepare_risk_engine_for_world(session, truth, secret=secret)


def _load_demo_loans(session: Session) -> dict[str, int]:
    """Loans of the base demo sellers in every state, through the real services (needs the world's
    trade data and the credit model)."""
    from fourflow.demo_lending import load_demo_loans

    return load_demo_loans(session)


def _prepare_contract_signing(session: Session) -> None:
    """The platform CA, signing certificate and TSA (created once; later calls change nothing)."""
    from fourflow.lending.contracts.service.pki import ensure_platform_pki

    ensure_platform_pki(session, secret=get_settings().security.secret_key.get_secret_value())


def _prepare_reminders(database: Database) -> None:
    """The demo world's reminders at once (the daily job raises them at 02:00 UTC), so its sellers
    find them on their first visit; the worker mails them. Raised once: a second run adds nothing."""
    from fourflow.core.clock import get_clock
    from fourflow.insights.tasks import remind_all

    remind_all(database, get_clock().now().date())


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the Alembic migrations up to the newest one."""
    url, _ = _database(get_settings())
    _upgrade(url)
    typer.echo("database schema is current")


# The world `make run` shows: small enough to load in about a minute on a laptop.
DEMO_WORLD_SELLERS = 30
DEMO_WORLD_MONTHS = 24
DEMO_WORLD_SEED = 7


@app.command("demo-data")
def demo_data(
    sellers: Annotated[int, typer.Option(min=0, help="Sellers to simulate (the first three are "
                                         "the base demo sellers); 0 loads the base demo only.")
                 ] = DEMO_WORLD_SELLERS,
    months: Annotated[int, typer.Option(min=1, help="Months of trade to simulate, ending with "
                                        "last month.")] = DEMO_WORLD_MONTHS,
    seed: Annotated[int, typer.Option(help="The same seed gives the same world.")] = DEMO_WORLD_SEED,
    truth_out: Annotated[str | None, typer.Option("--truth-out", help="Write the planted patterns "
                                                  "(fraud rings, defaults, …) to this JSON file.")] = None,
) -> None:
    """Load the demo world (idempotent): the base organisations, then a simulated world of
    sellers whose trade files are ingested through the real connectors."""
    from fourflow.demo_data import load_demo_data
    from fourflow.tradedata.simulation.loader import LoadCounts, load_world

    url, database = _database(get_settings())
    _upgrade(url)
    started = time.monotonic()

    def progress(done: int, total: int, slug: str) -> None:
        typer.echo(f"… {done}/{total} sellers ({slug}), {time.monotonic() - started:,.1f} s", err=True)

    counts = LoadCounts()
    with database.unit_of_work() as session:
        created: dict[str, object] = dict(load_demo_data(session))
        if sellers:
            truth = load_world(session, sellers=sellers, months=months, seed=seed, progress=progress,
                               counts=counts)
            _prepare_risk_engine(session, truth)
            created |= _load_demo_loans(session)
            if truth_out:
                with open(truth_out, "w", encoding="utf-8") as out:
                    out.write(truth.json_text())
        # After the demo loans, which made the signing keys as of their first contract.
        _prepare_contract_signing(session)
    if sellers:
        _prepare_reminders(database)
        created |= {"world_organisations": counts.organisations, "world_users": counts.users,
                    "world_files": counts.files, "world_rows": counts.rows_inserted,
                    "world_seconds": round(time.monotonic() - started, 1)}
    typer.echo(json.dumps(created))


@users_app.command("create")
def users_create(
    organisation: Annotated[str, typer.Option(help="Organisation short name (slug).")],
    email: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option(help="Display name.")],
    role: Annotated[str, typer.Option(help="Role, e.g. seller_admin or administrator.")],
    password: Annotated[str | None, typer.Option(help="Asked for when omitted.")] = None,
) -> None:
    """Create a user directly (for the first administrator of a new installation)."""
    from fourflow.audit.service import AuditContext
    from fourflow.core.errors import FourflowError
    from fourflow.core.i18n import current_language
    from fourflow.identity import service as identity
    from fourflow.identity.roles import Role

    try:
        chosen_role = Role(role)
    except ValueError:
        typer.echo(f"unknown role {role!r}; one of: {', '.join(r.value for r in Role)}", err=True)
        raise typer.Exit(2) from None
    secret = password or getpass.getpass("Password: ")
    _url, database = _database(get_settings())
    try:
        with database.unit_of_work() as session:
            found = identity.organisation_by_slug(session, organisation)
            if found is None:
                typer.echo(f"no organisation with short name {organisation!r}", err=True)
                raise typer.Exit(1)
            user = identity.create_user(session, AuditContext.system(), organisation=found,
                                        email=email, display_name=name, role=chosen_role,
                                        password=secret)
            typer.echo(json.dumps({"id": str(user.id), "email": user.email, "role": user.role}))
    except FourflowError as error:
        typer.echo(error.localised(current_language()), err=True)
        raise typer.Exit(1) from None


@app.command()
def ingest(
    seller: Annotated[str, typer.Option(help="The seller's short name (slug).")],
    format: Annotated[str, typer.Option("--format", help="amazon-settlement, shopify-orders, … "
                                        "(see `fourflow ingest --help`).")],
    file: Annotated[str, typer.Argument(help="The file to ingest.")],
    warehouse: Annotated[str | None, typer.Option(help="warehouse-stock: the warehouse.")] = None,
    as_of: Annotated[str | None, typer.Option(help="warehouse-stock: the report's day, YYYY-MM-DD.")] = None,
) -> None:
    """Ingest one trade-data file for a seller and print a JSON summary. All of the file is
    stored, or (when any row has a problem) none of it; problems go to stderr, exit code 1."""
    from fourflow.audit.service import AuditContext
    from fourflow.core.errors import FourflowError
    from fourflow.core.i18n import current_language
    from fourflow.identity import service as identity
    from fourflow.tradedata import service as tradedata
    from fourflow.tradedata.connectors.registry import UploadOptions

    settings = get_settings()
    _url, database = _database(settings)
    started = time.monotonic()

    def progress(bytes_read: int, records: int) -> None:
        typer.echo(f"… {records:,} rows, {bytes_read / 1_048_576:,.1f} MiB, "
                   f"{time.monotonic() - started:,.1f} s", err=True)

    try:
        with open(file, "rb") as source, database.unit_of_work() as session:
            found = identity.organisation_by_slug(session, seller)
            if found is None or found.kind != "seller":
                typer.echo(f"no seller with short name {seller!r}", err=True)
                raise typer.Exit(1)
            summary = tradedata.ingest(
                session, AuditContext.system(), seller_organisation_id=found.id, format=format,
                source=source, filename=os.path.basename(file), channel="cli",
                secret=settings.security.secret_key.get_secret_value(), progress=progress,
                options=UploadOptions(warehouse=warehouse,
                                      as_of=date.fromisoformat(as_of) if as_of else None))
    except tradedata.FileRejected as rejected:
        detail = rejected.detail(current_language())
        typer.echo(json.dumps({"format": format, "rows": rejected.rows, "inserted": 0, "duplicates": 0,
                               "rejected": rejected.rejected, "batch_id": None}))
        for problem in detail["problems"]:
            typer.echo(f"line {problem['line']}, {problem['column']}: {problem['reason']}", err=True)
        raise typer.Exit(1) from None
    except FourflowError as error:
        typer.echo(error.localised(current_language()), err=True)
        raise typer.Exit(1) from None
    except OSError as error:
        typer.echo(f"cannot read {file}: {error.strerror}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps({"format": summary.format, "rows": summary.rows, "inserted": summary.inserted,
                           "updated": summary.updated, "duplicates": summary.duplicates,
                           "rejected": summary.rejected, "batch_id": str(summary.batch_id)}))


@risk_app.command("decide")
def risk_decide(
    seller: Annotated[str, typer.Option(help="The seller's short name (slug).")],
    product: Annotated[str, typer.Option(help="order_financing, receivables_financing, inventory_financing "
                                              "or revolving_credit_line.")],
    amount: Annotated[str, typer.Option(help="The amount asked for, e.g. 25000.00.")],
    currency: Annotated[str, typer.Option(help="ISO 4217 code, e.g. USD.")],
) -> None:
    """Decide now and print the decision as JSON (the service behind POST /api/v1/risk/decisions)."""
    from decimal import Decimal, InvalidOperation

    from fourflow.audit.service import AuditContext
    from fourflow.core.errors import FourflowError
    from fourflow.core.i18n import current_language
    from fourflow.core.money import Money
    from fourflow.identity import service as identity
    from fourflow.risk.api import decision_out
    from fourflow.risk.service import decisions

    _url, database = _database(get_settings())
    try:
        requested = Money(Decimal(amount), currency.upper())
    except (InvalidOperation, FourflowError):
        typer.echo(f"{amount} {currency} is not an amount of money", err=True)
        raise typer.Exit(2) from None
    try:
        with database.unit_of_work() as session:
            found = identity.organisation_by_slug(session, seller)
            if found is None or found.kind != "seller":
                typer.echo(f"no seller with short name {seller!r}", err=True)
                raise typer.Exit(1)
            stored = decisions.decide(session, AuditContext.system(), decisions.DecisionRequest(
                found.id, product, requested), requested_by_user_id=None)
            typer.echo(decision_out(stored, staff=True).model_dump_json(indent=2))
    except FourflowError as error:
        typer.echo(error.localised(current_language()), err=True)
        raise typer.Exit(1) from None


@risk_app.command("validate-model")
def risk_validate_model(
    csv: Annotated[str, typer.Option(help="A labelled CSV file, one row per borrower.")],
    target: Annotated[str, typer.Option(help="The column that says whether the borrower went bad.")],
    bad_value: Annotated[str, typer.Option(help="The value of the target column that means bad.")],
    seed: Annotated[int, typer.Option(help="Shuffles the stratified 5-fold split.")] = 42,
) -> None:
    """Train and test the scorecard method with stratified 5-fold cross-validation; print JSON
    {rows, features_used, test_auc, test_ks, test_gini} (means over the held-out folds)."""
    from fourflow.core.errors import FourflowError
    from fourflow.core.i18n import current_language
    from fourflow.risk.scorecard.validation import validate_on_csv

    try:
        result = validate_on_csv(csv, target, bad_value, seed)
    except FourflowError as error:
        typer.echo(error.localised(current_language()), err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(result))


@contracts_app.command("verify")
def contracts_verify(
    file: Annotated[str, typer.Argument(help="The signed contract PDF.")],
    trust_root: Annotated[list[str] | None, typer.Option(
        "--trust-root", help="A PEM file of another CA to trust (repeatable).")] = None,
) -> None:
    """Verify a signed contract and print JSON: signers, signing and timestamp times, whether the
    signed bytes are intact and whether each signer chains to the platform CA (from the database)
    or a --trust-root. Without a database it still checks integrity. Exit 0 only when intact."""
    from fourflow.core.i18n import current_language
    from fourflow.lending.contracts.service import certificates, pki, verification

    try:
        with open(file, "rb") as source:
            data = source.read()
    except OSError as error:
        typer.echo(f"cannot read {file}: {error.strerror}", err=True)
        raise typer.Exit(1) from None
    roots = []
    for path in trust_root or []:
        try:
            with open(path, "rb") as pem:
                roots += certificates.certificates_from_pem(pem.read())
        except (OSError, ValueError) as error:
            typer.echo(f"cannot load the trust root {path}: {error}", err=True)
            raise typer.Exit(2) from None
    try:
        _url, database = _database(get_settings())
        with database.reader() as session:
            roots += pki.platform_trust_roots(session)
    except Exception as error:  # noqa: BLE001 - without a database, integrity is still checked
        typer.echo(f"platform CA unavailable ({type(error).__name__}); checking integrity only", err=True)
    report = verification.verify_contract(data, roots, language=current_language())
    typer.echo(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    if not report.intact:
        raise typer.Exit(1)


@sellers_app.command("list")
def sellers_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List seller organisations."""
    from fourflow.identity import service as identity

    _url, database = _database(get_settings())
    with database.unit_of_work() as session:
        sellers = [{"id": str(o.id), "slug": o.slug, "name": o.name}
                   for o in identity.organisations_of_kind(session, "seller")]
    if as_json:
        typer.echo(json.dumps(sellers, ensure_ascii=False))
        return
    if not sellers:
        typer.echo("no sellers yet; run `fourflow demo-data`")
    for seller in sellers:
        typer.echo(f"{seller['slug']:<24} {seller['name']}  ({seller['id']})")


@app.command()
def worker(log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info"
           ) -> None:
    """Run the background job worker until interrupted."""
    from fourflow.worker import run_worker

    settings = get_settings()
    url, database = _database(settings)
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s worker %(levelname)s %(message)s")
    run_worker(settings, database, url)


@app.command()
def run(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[int | None, typer.Option(help="Web server processes.")] = None,
    demo: Annotated[bool, typer.Option(help="Load the demo world into an empty database.")] = True,
    job_worker: Annotated[bool, typer.Option("--job-worker/--no-job-worker",
                                             help="Also start the job worker.")] = True,
) -> None:
    """Start the web/API server (and the job worker), migrating and seeding first."""
    import uvicorn

    from fourflow.demo_data import DEMO_CLIENT_SECRET, DEMO_PASSWORD, demo_logins, load_demo_data
    from fourflow.identity import service as identity

    settings = get_settings()
    host = host or settings.web.host
    port = port or settings.web.port
    url, database = _database(settings)
    _upgrade(url)
    with database.unit_of_work() as session:
        empty = not identity.organisations_of_kind(session, "platform")
        if demo and empty:
            from fourflow.tradedata.simulation.loader import load_world

            started = time.monotonic()
            typer.echo("Loading the demo world (30 sellers × 24 months of trade data, once)…", err=True)
            load_demo_data(session)
            def progress(done: int, total: int, slug: str) -> None:
                typer.echo(f"… {done}/{total} sellers, {time.monotonic() - started:,.0f} s", err=True)

            truth = load_world(session, sellers=DEMO_WORLD_SELLERS, months=DEMO_WORLD_MONTHS,
                               seed=DEMO_WORLD_SEED, progress=progress)
            typer.echo("Training the credit model on the world's outcomes…", err=True)
            _prepare_risk_engine(session, truth)
            typer.echo("Lending to the demo sellers…", err=True)
            _load_demo_loans(session)
        _prepare_contract_signing(session)
    if demo and empty:
        _prepare_reminders(database)
    # Child processes (web workers, job worker) use the same server, embedded or not.
    os.environ["DATABASE_URL"] = url
    os.environ["FOURFLOW_WEB__HOST"] = host
    os.environ["FOURFLOW_WEB__PORT"] = str(port)
    worker_process = None
    if job_worker:
        worker_process = subprocess.Popen([sys.executable, "-m", "fourflow", "worker",
                                           "--log-level", "warning"])
    address = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"

    def announce_when_listening() -> None:
        # Printed once the server answers, so the URL works the moment it is shown.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{address}/healthz", timeout=1):  # noqa: S310
                    break
            except OSError:
                time.sleep(0.2)
        lines = [f"\nFourflow is running at {address}\n"]
        if demo:
            lines.append(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            lines += [f"  {email:<28} {role:<20} {organisation}"
                      for organisation, email, role in demo_logins()]
            lines.append(f"API clients: demo-lumen, demo-silkroad, demo-brighttoys "
                         f"(secret: {DEMO_CLIENT_SECRET})")
        lines.append(f"API reference: {address}/api/docs")
        lines.append("Press Ctrl-C to stop; data is kept.\n")
        typer.echo("\n".join(lines))

    threading.Thread(target=announce_when_listening, daemon=True).start()
    try:
        uvicorn.run("fourflow.app:create_app_from_environment", factory=True, host=host, port=port,
                    workers=workers or settings.web.workers, log_level="warning",
                    access_log=False)
    finally:
        if worker_process is not None and worker_process.poll() is None:
            worker_process.send_signal(signal.SIGTERM)
            try:
                worker_process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker_process.kill()
        from fourflow.core.embedded_database import stop_embedded_databases

        stop_embedded_databases()
        typer.echo("Fourflow stopped.")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
