"""Loading the simulated world into the database: seller organisations and their owners,
profile facts, and every trade file ingested through the real connectors.

Idempotent: organisations and users are created only when missing, profile facts are upserts,
and a file whose exact content was ingested for the seller before is skipped, so a second run
adds no row, batch or audit event.
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.core.clock import get_clock
from fourflow.core.errors import Conflict
from fourflow.core.settings import get_settings
from fourflow.identity import service as identity
from fourflow.identity.models import Organisation
from fourflow.identity.roles import OrganisationKind, Role
from fourflow.identity.schemas import OrganisationCreate
from fourflow.tradedata import repository
from fourflow.tradedata.connectors.registry import UploadOptions
from fourflow.tradedata.service import ingest, ingest_ecb_rates, profiles
from fourflow.tradedata.simulation.fx import ecb_history_file
from fourflow.tradedata.simulation.seller import WorldFile, simulate_seller
from fourflow.tradedata.simulation.world import SellerPlan, World, WorldTruth, build_world

DEMO_PASSWORD = "fourflow-demo"  # noqa: S105 - the demo world's documented password (demo_data.py)

# (sellers done, sellers in all, the seller just loaded)
WorldProgress = Callable[[int, int, str], None]


@dataclass(slots=True)
class LoadCounts:
    """What one run added (all zero on a second run)."""

    organisations: int = 0
    users: int = 0
    files: int = 0
    files_skipped: int = 0
    rows_inserted: int = 0
    profile_facts: int = 0
    tables: dict[str, int] = field(default_factory=dict)


def default_end_month() -> date:
    """The world ends with the month before the clock's current one (see world.py)."""
    return get_clock().now().date().replace(day=1)


def load_world(session: Session, *, sellers: int, months: int, seed: int,
               progress: WorldProgress | None = None, end_month: date | None = None,
               secret: str | None = None, counts: LoadCounts | None = None,
               months_per_file: int | None = None) -> WorldTruth:
    """Simulate the world and load it; returns its planted truth. ``secret`` encrypts buyers'
    personal data (default: the installation's secret key, as uploads use).
    ``months_per_file``: how many months one report covers (default: a year for worlds of
    a year and a half or more, a quarter from nine months, else a month); fewer, larger files
    load faster, since every file is its own audited, quality-checked batch."""
    if months_per_file is None:
        months_per_file = 12 if months >= 18 else 3 if months >= 9 else 1
    world = build_world(sellers=sellers, months=months, seed=seed,
                        end_month=end_month or default_end_month())
    secret = secret or get_settings().security.secret_key.get_secret_value()
    counts = counts if counts is not None else LoadCounts()
    context = AuditContext.system()
    ingest_ecb_rates(session, ecb_history_file(seed, world.first_month, world.end_month))
    for done, (plan, files) in enumerate(_simulated(world, months_per_file), start=1):
        organisation = _seller(session, context, plan, counts)
        _profile(session, context, organisation, plan, counts)
        for file in files:
            _ingest(session, context, organisation, file, secret, counts)
        if progress is not None:
            progress(done, len(world.plans), plan.slug)
    return world.truth


# Worlds at least this big are simulated in a second process while the first one loads: the
# simulation is pure CPU and the loading mostly waits on PostgreSQL.
PARALLEL_FROM_SELLER_MONTHS = 120
_PREFETCH = 3


def _simulated(world: World, months_per_file: int) -> Iterator[tuple[SellerPlan, list[WorldFile]]]:
    if len(world.plans) * world.months < PARALLEL_FROM_SELLER_MONTHS:
        for plan in world.plans:
            yield plan, simulate_seller(world, plan, months_per_file=months_per_file)
        return
    # "spawn": the child must not inherit the parent's database connections.
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending: deque[tuple[SellerPlan, Future[list[WorldFile]]]] = deque()
        plans = iter(world.plans)
        for plan in plans:
            pending.append((plan, pool.submit(_simulate_in_worker, world.seed, len(world.plans),
                                              world.months, world.end_month, plan.index, months_per_file)))
            if len(pending) >= _PREFETCH:
                ready, future = pending.popleft()
                yield ready, future.result()
        while pending:
            ready, future = pending.popleft()
            yield ready, future.result()


_worlds: dict[tuple[int, int, int, date], World] = {}


def _simulate_in_worker(seed: int, sellers: int, months: int, end_month: date, index: int,
                        months_per_file: int) -> list[WorldFile]:
    key = (seed, sellers, months, end_month)
    world = _worlds.get(key)
    if world is None:
        world = _worlds[key] = build_world(sellers=sellers, months=months, seed=seed, end_month=end_month)
    return simulate_seller(world, world.plans[index], months_per_file=months_per_file)


def _seller(session: Session, context: AuditContext, plan: SellerPlan, counts: LoadCounts) -> Organisation:
    organisation = identity.organisation_by_slug(session, plan.slug)
    if organisation is not None:
        # The base demo sellers already have their people (demo_data.py); others got theirs
        # when they were created.
        return organisation
    organisation = identity.create_organisation(session, None, OrganisationCreate(
        slug=plan.slug, name=plan.name, kind=OrganisationKind.SELLER, country_code="CN"))
    counts.organisations += 1
    owner = next((officer["name"] for officer in plan.registry.officers
                  if officer["role"] == "legal_representative"), plan.name)
    savepoint = session.begin_nested()
    try:
        identity.create_user(session, context, organisation=organisation, email=f"owner@{plan.slug}.demo",
                             display_name=owner, role=Role.SELLER_ADMIN, password=DEMO_PASSWORD,
                             preferred_language="zh_Hans")
        savepoint.commit()
        counts.users += 1
    except Conflict:
        savepoint.rollback()
    return organisation


def _profile(session: Session, context: AuditContext, organisation: Organisation, plan: SellerPlan,
             counts: LoadCounts) -> None:
    counts.profile_facts += int(profiles.record_registry_record(session, context, organisation.id,
                                                                plan.registry))
    for account in plan.bank_accounts:
        counts.profile_facts += int(profiles.record_bank_account(session, context, organisation.id, account))
    for device in plan.devices:
        counts.profile_facts += int(profiles.record_device(session, organisation.id, device))


def _ingest(session: Session, context: AuditContext, organisation: Organisation, file: WorldFile,
            secret: str, counts: LoadCounts) -> None:
    digest = hashlib.sha256(file.content).hexdigest()
    loaded_before = repository.batch_with_content(session, organisation.id, file.format, file.filename,
                                                  digest)
    if loaded_before is not None:
        counts.files_skipped += 1
        return
    summary = ingest(session, context, seller_organisation_id=organisation.id, format=file.format,
                     source=io.BytesIO(file.content), filename=file.filename, channel="demo", secret=secret,
                     options=UploadOptions(warehouse=file.warehouse, as_of=file.as_of))
    counts.files += 1
    counts.rows_inserted += summary.inserted
    for table, inserted in summary.tables.items():
        counts.tables[table] = counts.tables.get(table, 0) + inserted
