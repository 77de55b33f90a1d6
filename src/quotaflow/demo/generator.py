"""The demo company generator: a deterministic sales organisation and its sales history.

Everything here is pure NumPy and Python (no database): :func:`plan_company` draws the
organisation, people and their effective-dated assignments, and :func:`sales_chunks`
yields the transactions, split credits and activities one calendar month at a time, so
that even the large size (100k reps, 10M transactions) never sits in memory whole.
:func:`generate` writes a plan into the database (see :mod:`quotaflow.demo.loader`).

The same seed and the same ``today`` always give the same company, to the cent. Each month
draws from its own generator seeded with ``(seed, month)``, so the stream does not depend
on how it is consumed.

Dates are handled as ``int64`` day numbers (days since 1970-01-01) inside the arrays;
amounts are ``int64`` minor units (cents).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

import numpy as np

from quotaflow.core.fiscal import FiscalCalendar
from quotaflow.core.money import currency_amounts
from quotaflow.demo import names

if TYPE_CHECKING:
    from quotaflow.demo.loader import DemoSummary

COMPANY_NAME = "Northwind Analytics"
CURRENCY = "EUR"
# Minor units per whole unit of the demo currency (cents), by its ISO 4217 decimals.
MINOR_PER_UNIT = currency_amounts(CURRENCY).scale
# February start: the fiscal year visibly differs from the calendar year (FY2027 = Feb 2026 – Jan 2027).
FISCAL_YEAR_START_MONTH = 2
COMPLETE_FISCAL_YEARS = 3
DEMO_PASSWORD = "quotaflow-demo"  # noqa: S105 - printed for every demo login on purpose
SOURCE = "demo"
ROOT_CODE = "NWA"
DEFAULT_SEED = 2027
DEMO_USERNAMES = ("admin", "ops", "finance", "ceo", "region.manager", "team.manager", "rep")

EPOCH = dt.date(1970, 1, 1)
NEVER = np.iinfo(np.int64).max  # day number of an open-ended end date

MANAGER_TITLES = {
    "company": "Chief Executive Officer",
    "region": "Regional Vice President",
    "area": "Area Sales Director",
    "team": "Sales Manager",
}
REP_TITLE = "Account Executive"


@dataclass(frozen=True)
class DemoSize:
    """How big the demo company is: quota-carrying reps and approximate row counts."""

    name: str
    reps: int
    transactions: int
    activities: int


SIZES = {
    "tiny": DemoSize("tiny", reps=48, transactions=12_000, activities=12_000),
    "small": DemoSize("small", reps=150, transactions=250_000, activities=250_000),
    "large": DemoSize("large", reps=100_000, transactions=10_000_000, activities=10_000_000),
}


def resolve_size(
    size: str | DemoSize = "small",
    *,
    reps: int | None = None,
    transactions: int | None = None,
    activities: int | None = None,
) -> DemoSize:
    """A named size (``tiny``, ``small``, ``large``) with any counts overridden. When only
    the transactions are overridden, activities keep their ratio to transactions."""
    if isinstance(size, str):
        if size not in SIZES:
            raise ValueError(f"unknown demo size {size!r}; choose one of {', '.join(SIZES)}")
        size = SIZES[size]
    size = DemoSize(
        name=size.name,
        reps=size.reps if reps is None else reps,
        transactions=size.transactions if transactions is None else transactions,
        activities=(
            activities
            if activities is not None
            else size.activities
            if transactions is None or size.transactions == 0
            else round(size.activities * transactions / size.transactions)
        ),
    )
    if size.reps < 12:
        raise ValueError("a demo company needs at least 12 reps (one per team)")
    if size.transactions < 0 or size.activities < 0:
        raise ValueError("transaction and activity counts cannot be negative")
    return size


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01."""
    return (day - EPOCH).days


def to_date(number: int) -> dt.date:
    """The date of a day number."""
    return EPOCH + dt.timedelta(days=int(number))


@dataclass(frozen=True)
class PlannedUnit:
    """One unit of the tree; ``parent`` is the index of an earlier unit (-1 for the root)."""

    code: str
    name: str
    kind: str
    parent: int
    territory: str = ""


@dataclass(frozen=True)
class Login:
    """A demo login: username, user role, display names and the person it is linked to."""

    username: str
    role: str
    first_name: str
    last_name: str
    person: int | None  # index into CompanyPlan.people_*; None for back-office roles
    description: str


@dataclass
class CompanyPlan:
    """The organisation and the reps' traits that drive the sales stream.

    People arrays have one entry per person; assignment arrays one per assignment; rep
    arrays one per quota-carrying rep (``rep_person`` points into the people arrays).
    Day numbers are days since 1970-01-01; an open end is ``NEVER``.
    """

    seed: int
    size: DemoSize
    first_day: int
    last_day: int
    calendar: FiscalCalendar
    units: list[PlannedUnit]
    people_names: list[str]
    people_titles: list[str]
    people_hired: np.ndarray  # int64 day numbers, shape (people,)
    people_left: np.ndarray  # int64 day numbers or NEVER
    assignment_person: np.ndarray  # int64, shape (assignments,)
    assignment_unit: np.ndarray  # int64 index into units
    assignment_is_manager: np.ndarray  # bool
    assignment_from: np.ndarray  # int64 day numbers
    assignment_to: np.ndarray  # int64 day numbers or NEVER
    rep_person: np.ndarray  # int64, shape (reps,)
    rep_productivity: np.ndarray  # float64 multiplier, lognormal around 1
    rep_partner: np.ndarray  # int64 rep index of the usual split partner, -1 for none
    hires: list[int] = field(default_factory=list)  # rep indices hired during the history
    leavers: list[int] = field(default_factory=list)
    movers: list[int] = field(default_factory=list)
    logins: list[Login] = field(default_factory=list)

    @property
    def rep_hired(self) -> np.ndarray:
        return self.people_hired[self.rep_person]

    @property
    def rep_left(self) -> np.ndarray:
        return self.people_left[self.rep_person]


def history_range(today: dt.date, calendar: FiscalCalendar) -> tuple[dt.date, dt.date]:
    """First and last day of the history: three complete fiscal years, then the current
    fiscal year up to ``today``."""
    current = calendar.fiscal_year_of(today)
    return calendar.year(current - COMPLETE_FISCAL_YEARS).start, today


def _team_count(reps: int) -> int:
    if reps <= 300:
        return min(20, max(12, round(reps / 9.5)))
    return max(20, round(reps / 10))


def _units(team_count: int) -> tuple[list[PlannedUnit], list[int], list[int], list[int]]:
    """The tree: company, four regions, areas when there are many teams, then teams.
    Returns the units and the indices of regions, areas and teams."""
    units = [PlannedUnit(ROOT_CODE, COMPANY_NAME, "company", -1, "Europe")]
    regions = []
    for name, short, _cities in names.REGIONS:
        regions.append(len(units))
        units.append(PlannedUnit(f"{ROOT_CODE}-{short}", name, "region", 0, name))
    area_count = 0 if team_count <= 24 else math.ceil(team_count / 12)
    areas = []
    for area in range(area_count):
        region = area % len(regions)
        name, short, _cities = names.REGIONS[region]
        number = area // len(regions) + 1
        areas.append(len(units))
        units.append(
            PlannedUnit(
                f"{ROOT_CODE}-{short}-A{number:04d}",
                f"{name} Area {number}",
                "area",
                regions[region],
                name,
            )
        )
    teams = []
    per_parent: dict[int, int] = {}
    for team in range(team_count):
        parent = areas[team % area_count] if area_count else regions[team % len(regions)]
        region = (team % area_count) % len(regions) if area_count else team % len(regions)
        cities = names.REGIONS[region][2]
        k = per_parent.get(parent, 0)
        per_parent[parent] = k + 1
        city = cities[k % len(cities)]
        segment = names.SEGMENTS[(k + k // len(cities)) % len(names.SEGMENTS)]
        suffix = f" {k // 24 + 1}" if k >= 24 else ""
        label = f"{city} {segment}{suffix}" + (
            f" ({units[parent].name.split(' Area ')[-1]})" if area_count else ""
        )
        teams.append(len(units))
        units.append(PlannedUnit(f"{ROOT_CODE}-T{team + 1:05d}", label, "team", parent, city))
    return units, regions, areas, teams


def _spread_dates(rng: np.random.Generator, count: int, low: int, high: int) -> np.ndarray:
    return np.sort(rng.integers(low, max(low + 1, high), size=count)).astype(np.int64)


def plan_company(size: DemoSize, *, seed: int = DEFAULT_SEED, today: dt.date) -> CompanyPlan:
    """Draw the organisation: units, managers, reps with skill, hires, leavers and moves;
    the history ends on ``today``."""
    rng = np.random.default_rng([seed, 0])
    calendar = FiscalCalendar(FISCAL_YEAR_START_MONTH)
    first, last = history_range(today, calendar)
    first_day, last_day = day_number(first), day_number(last)

    hire_count = max(2, round(size.reps * 0.05))
    leaver_count = max(2, round(size.reps * 0.04))
    mover_count = max(2, round(size.reps * 0.015))
    initial_reps = size.reps - hire_count
    units, regions, areas, teams = _units(_team_count(size.reps))

    managed = [0, *regions, *areas, *teams]
    manager_count = len(managed)
    person_count = manager_count + size.reps
    first_names = rng.integers(0, len(names.FIRST_NAMES), size=person_count)
    last_names = rng.integers(0, len(names.LAST_NAMES), size=person_count)
    people_names = [
        f"{names.FIRST_NAMES[f]} {names.LAST_NAMES[g]}"
        for f, g in zip(first_names.tolist(), last_names.tolist(), strict=True)
    ]
    people_titles = [MANAGER_TITLES[units[u].kind] for u in managed] + [REP_TITLE] * size.reps

    # Managers and the initial reps were hired before the history starts; hires during it.
    hired = np.empty(person_count, dtype=np.int64)
    hired[:manager_count] = first_day - rng.integers(400, 4000, size=manager_count)
    hired[manager_count : manager_count + initial_reps] = first_day - rng.integers(
        60, 2500, size=initial_reps
    )
    hired[manager_count + initial_reps :] = _spread_dates(
        rng, hire_count, first_day + 90, last_day - 45
    )
    left = np.full(person_count, NEVER, dtype=np.int64)

    # Initial team sizes vary around the mean; every team keeps at least one rep.
    minimum = max(1, int(0.7 * initial_reps / len(teams)))
    sizes = (
        rng.multinomial(initial_reps - minimum * len(teams), np.full(len(teams), 1 / len(teams)))
        + minimum
    )
    rep_team = np.concatenate(
        [np.repeat(np.arange(len(teams)), sizes), rng.integers(0, len(teams), size=hire_count)]
    )
    rep_person = np.arange(manager_count, person_count, dtype=np.int64)

    # The rep login (first rep of team 0) stays put, so the demo tour is stable.
    candidates = rng.permutation(np.arange(1, initial_reps))
    leavers = np.sort(candidates[:leaver_count])
    movers = np.sort(candidates[leaver_count : leaver_count + mover_count])
    left[rep_person[leavers]] = _spread_dates(rng, leaver_count, first_day + 120, last_day - 30)
    move_days = _spread_dates(rng, mover_count, first_day + 180, last_day - 60)
    move_to = (rep_team[movers] + rng.integers(1, len(teams), size=mover_count)) % len(teams)

    unit_of_team = np.array(teams, dtype=np.int64)
    # Assignments: managers, then each rep's first team, then movers' second team.
    a_person = np.concatenate([np.arange(manager_count), rep_person, rep_person[movers]])
    a_unit = np.concatenate([np.array(managed), unit_of_team[rep_team], unit_of_team[move_to]])
    a_manager = np.concatenate(
        [np.ones(manager_count, bool), np.zeros(size.reps + mover_count, bool)]
    )
    a_from = np.concatenate([hired, move_days])
    a_to = np.concatenate([left, left[rep_person[movers]]])
    a_to[manager_count + movers] = move_days - 1

    productivity = rng.lognormal(mean=0.0, sigma=0.45, size=size.reps)
    productivity /= productivity.mean()

    plan = CompanyPlan(
        seed=seed,
        size=size,
        first_day=first_day,
        last_day=last_day,
        calendar=calendar,
        units=units,
        people_names=people_names,
        people_titles=people_titles,
        people_hired=hired,
        people_left=left,
        assignment_person=a_person.astype(np.int64),
        assignment_unit=a_unit.astype(np.int64),
        assignment_is_manager=a_manager,
        assignment_from=a_from.astype(np.int64),
        assignment_to=a_to.astype(np.int64),
        rep_person=rep_person,
        rep_productivity=productivity,
        rep_partner=_partners(rep_team),
        hires=list(range(initial_reps, size.reps)),
        leavers=leavers.tolist(),
        movers=movers.tolist(),
    )
    plan.logins = _logins(plan, regions[0], teams[0], manager_count)
    return plan


def _partners(rep_team: np.ndarray) -> np.ndarray:
    """Each rep's usual split partner: the next rep of their first team (-1 if alone)."""
    order = np.argsort(rep_team, kind="stable")
    sorted_teams = rep_team[order]
    nxt = np.roll(order, -1)
    same_team_next = np.roll(sorted_teams, -1) == sorted_teams
    # Wrap around to the team's first rep at the end of each team's run.
    starts = np.flatnonzero(np.r_[True, sorted_teams[1:] != sorted_teams[:-1]])
    run_start = starts[np.searchsorted(starts, np.arange(len(order)), side="right") - 1]
    partner_sorted = np.where(same_team_next, nxt, order[run_start])
    partners = np.empty(len(order), dtype=np.int64)
    partners[order] = partner_sorted
    partners[partners == np.arange(len(order))] = -1
    return partners


def _logins(plan: CompanyPlan, region_unit: int, team_unit: int, manager_count: int) -> list[Login]:
    def person_login(username: str, role: str, person: int, description: str) -> Login:
        first, _, last = plan.people_names[person].partition(" ")
        return Login(username, role, first, last, person, description)

    managers_of = {
        int(u): int(p)
        for p, u, m in zip(
            plan.assignment_person, plan.assignment_unit, plan.assignment_is_manager, strict=True
        )
        if m
    }
    region, team = plan.units[region_unit], plan.units[team_unit]
    return [
        Login("admin", "admin", "Ada", "Admin", None, "administrator: everything, including users"),
        Login(
            "ops",
            "sales_ops",
            "Olivia",
            "Ortega",
            None,
            "sales operations: organisation, metrics, imports, plans",
        ),
        Login("finance", "finance", "Felix", "Fischer", None, "finance: results and payouts"),
        person_login(
            "ceo", "manager", managers_of[0], f"head of {COMPANY_NAME}: the whole company"
        ),
        person_login(
            "region.manager",
            "manager",
            managers_of[region_unit],
            f"manages the {region.name} region",
        ),
        person_login(
            "team.manager", "manager", managers_of[team_unit], f"manages the {team.name} team"
        ),
        person_login("rep", "rep", manager_count, f"account executive in {team.name}"),
    ]


@dataclass(frozen=True)
class SalesChunk:
    """One month of sales. Transactions include credit notes (``credit_note_of`` ≥ 0 points
    at the deal they correct, in this chunk); every transaction is credited to ``rep``,
    or 60/40 to ``rep`` and ``partner`` when ``partner`` ≥ 0. Amounts in minor units."""

    index: int
    day: np.ndarray  # int64 day numbers, shape (transactions,)
    amount_minor: np.ndarray  # int64, negative for credit notes
    quantity: np.ndarray  # int64
    product: np.ndarray  # int64 index into the flattened product list
    deal_type: np.ndarray  # int64 index into names.DEAL_TYPES
    account: np.ndarray  # int64 account number
    is_cancelled: np.ndarray  # bool
    credit_note_of: np.ndarray  # int64, -1 for deals
    rep: np.ndarray  # int64 rep index
    partner: np.ndarray  # int64 rep index or -1
    activity_day: np.ndarray  # int64, shape (activities,)
    activity_rep: np.ndarray  # int64
    activity_type: np.ndarray  # int64 index into names.ACTIVITY_TYPES
    activity_quantity: np.ndarray  # int64
    accounts_opened: int  # new-business accounts numbered in this chunk

    @classmethod
    def empty(cls, index: int) -> SalesChunk:
        """A month without a working day: no sales, no activities."""
        arrays = {
            f.name: np.zeros(0, dtype=bool if f.name == "is_cancelled" else np.int64)
            for f in fields(cls)
            if f.name not in ("index", "accounts_opened")
        }
        return cls(index=index, accounts_opened=0, **arrays)


PRODUCTS = [
    (group, product, median)
    for group, products in names.PRODUCT_GROUPS
    for product, median in products
]
PRODUCT_GROUP_OF = np.array(
    [
        next(i for i, (g, _) in enumerate(names.PRODUCT_GROUPS) if g == group)
        for group, _, _ in PRODUCTS
    ]
)
PRODUCT_MEDIAN = np.array([median for _, _, median in PRODUCTS], dtype=np.float64)
UNIT_PRICE_BY_GROUP = np.array([120.0, 1_000.0, 350.0, 0.0])  # a Support contract is one unit
ACCOUNTS_PER_REP = 25
SPLIT_SHARE, CANCEL_SHARE, CREDIT_NOTE_SHARE = 0.06, 0.007, 0.02
ACTIVITY_DAILY_CHANCE = np.array([0.95, 0.55, 0.25])
ACTIVITY_EXTRA_MEAN = np.array([5.0, 0.6, 0.2])


def month_ranges(plan: CompanyPlan) -> list[tuple[int, int]]:
    """(first, last) day numbers of each calendar month of the history (the last one ends today)."""
    first, last = to_date(plan.first_day), to_date(plan.last_day)
    months = np.arange(np.datetime64(first, "M"), np.datetime64(last, "M") + 1)
    starts = months.astype("datetime64[D]").astype(np.int64)
    ends = (months + 1).astype("datetime64[D]").astype(np.int64) - 1
    return [(int(s), int(min(e, plan.last_day))) for s, e in zip(starts, ends, strict=True)]


def business_days(first: int, last: int) -> np.ndarray:
    """Weekday day numbers in [first, last]."""
    days = np.arange(first, last + 1, dtype=np.int64)
    return days[np.is_busday(days.astype("datetime64[D]"))]


def seasonality(days: np.ndarray, start_month: int) -> np.ndarray:
    """Deal-rate multiplier per day: quarter-end pushes (strongest in the last ten days and
    at fiscal year end), a summer dip in July and August, a strong December until the
    holidays."""
    as_dates = days.astype("datetime64[D]")
    month = as_dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day_of_month = (as_dates - as_dates.astype("datetime64[M]").astype("datetime64[D]")).astype(
        np.int64
    ) + 1
    fiscal_month = (month - start_month) % 12
    quarter_end = fiscal_month % 3 == 2
    factor = np.ones(len(days))
    factor *= np.where(quarter_end, 1.3, 1.0) * np.where(
        quarter_end & (day_of_month >= 20), 1.5, 1.0
    )
    factor *= np.where(fiscal_month == 11, 1.15, 1.0)
    factor *= np.where((month == 7) | (month == 8), 0.65, 1.0)
    factor *= np.where(month == 12, np.where(day_of_month >= 23, 0.35, 1.2), 1.0)
    return factor


def _growth(plan: CompanyPlan, day: int) -> float:
    """Year-over-year growth: 12% more deals each fiscal year."""
    years = plan.calendar.fiscal_year_of(to_date(day)) - plan.calendar.fiscal_year_of(
        to_date(plan.first_day)
    )
    return float(1.12**years)


def _rate_matrix(
    plan: CompanyPlan, days: np.ndarray, reps: slice = slice(None)
) -> tuple[np.ndarray, np.ndarray]:
    """Unscaled expected deals per rep and day, shape (reps, days), and the in-seat mask.
    New hires ramp up: 25% of full productivity in their first month, then 50%, 75%, 100%."""
    hired, left = plan.rep_hired[reps, None], plan.rep_left[reps, None]
    in_seat = (hired <= days[None, :]) & (days[None, :] <= left)
    ramp = np.clip(((days[None, :] - hired) // 30 + 1) * 0.25, 0.0, 1.0)
    season = seasonality(days, plan.calendar.start_month)[None, :]
    rate = plan.rep_productivity[reps, None] * ramp * season * in_seat
    return rate, in_seat


CALIBRATION_SAMPLE = 5_000


def calibrate(plan: CompanyPlan) -> tuple[float, float]:
    """Scale factors that make the expected totals match the size: deals per unit of
    unscaled rate, and the chance multiplier for activity rows.

    Beyond a few thousand reps an evenly spaced sample of them is summed and scaled up:
    the totals are targets, not promises, and the full pass would double the work."""
    reps = len(plan.rep_person)
    step = max(1, reps // CALIBRATION_SAMPLE)
    sample = slice(None, None, step)
    scale_up = reps / len(range(reps)[sample])
    rate_total, seat_days = 0.0, 0.0
    for first, last in month_ranges(plan):
        days = business_days(first, last)
        if len(days) == 0:
            continue
        rate, in_seat = _rate_matrix(plan, days, sample)
        rate_total += float(rate.sum()) * _growth(plan, first) * scale_up
        seat_days += float(in_seat.sum()) * scale_up
    # Credit notes come on top of deals: aim the deals at the rest.
    deal_scale = (
        plan.size.transactions / (1 + CREDIT_NOTE_SHARE) / rate_total if rate_total else 0.0
    )
    expected_activities = seat_days * float(ACTIVITY_DAILY_CHANCE.sum())
    activity_scale = (
        min(1.0, plan.size.activities / expected_activities) if expected_activities else 0.0
    )
    return deal_scale, activity_scale


def sales_chunks(plan: CompanyPlan) -> Iterator[SalesChunk]:
    """Every month of the history, oldest first (see :class:`SalesChunk`)."""
    deal_scale, activity_scale = calibrate(plan)
    next_account = len(plan.rep_person) * ACCOUNTS_PER_REP
    for index, (first, last) in enumerate(month_ranges(plan)):
        chunk = _month(
            plan, index, business_days(first, last), deal_scale, activity_scale, next_account
        )
        next_account += chunk.accounts_opened
        yield chunk


def _month(
    plan: CompanyPlan,
    index: int,
    days: np.ndarray,
    deal_scale: float,
    activity_scale: float,
    next_account: int,
) -> SalesChunk:
    rng = np.random.default_rng([plan.seed, 1, index])
    if len(days) == 0:
        return SalesChunk.empty(index)
    growth = _growth(plan, int(days[0]))
    rate, in_seat = _rate_matrix(plan, days)
    counts = rng.poisson(rate * (deal_scale * growth))
    rep_idx, day_idx = np.nonzero(counts)
    repeats = counts[rep_idx, day_idx]
    rep = np.repeat(rep_idx, repeats).astype(np.int64)
    deal_day = days[np.repeat(day_idx, repeats)]
    n = len(rep)

    group = rng.choice(len(names.PRODUCT_GROUPS), size=n, p=names.PRODUCT_GROUP_SHARES)
    group_products = [
        np.flatnonzero(PRODUCT_GROUP_OF == g) for g in range(len(names.PRODUCT_GROUPS))
    ]
    product = np.empty(n, dtype=np.int64)
    for g, choices in enumerate(group_products):
        mask = group == g
        product[mask] = choices[rng.integers(0, len(choices), size=int(mask.sum()))]
    deal_type = rng.choice(len(names.DEAL_TYPES), size=n, p=names.DEAL_TYPE_SHARES).astype(np.int64)
    type_factor = np.array([1.2, 1.0, 0.8])[deal_type]
    price_growth = growth**0.3
    whole_units = np.maximum(
        50,
        np.round(
            PRODUCT_MEDIAN[product] * type_factor * price_growth * rng.lognormal(0.0, 0.7, size=n)
        ),
    )
    amount = whole_units.astype(np.int64) * MINOR_PER_UNIT
    unit_price = UNIT_PRICE_BY_GROUP[group]
    quantity = np.where(
        unit_price > 0,
        np.maximum(1, np.round(whole_units / np.where(unit_price > 0, unit_price, 1))),
        1,
    ).astype(np.int64)

    new_business = deal_type == 0
    opened = int(new_business.sum())
    account = rep * ACCOUNTS_PER_REP + rng.integers(0, ACCOUNTS_PER_REP, size=n)
    account[new_business] = np.arange(next_account, next_account + opened)

    partner = plan.rep_partner[rep]
    day_pos = np.searchsorted(days, deal_day)
    partner_in_seat = (partner >= 0) & in_seat[np.maximum(partner, 0), day_pos]
    partner = np.where(partner_in_seat & (rng.random(n) < SPLIT_SHARE), partner, -1)
    cancelled = rng.random(n) < CANCEL_SHARE

    # Credit notes: a share of the live deals is partly credited back a few weeks later.
    noted = np.flatnonzero(~cancelled & (rng.random(n) < CREDIT_NOTE_SHARE))
    note_amount = (
        -np.round(whole_units[noted] * rng.uniform(0.1, 0.6, size=len(noted))).astype(np.int64)
        * MINOR_PER_UNIT
    )
    note_day = np.minimum(deal_day[noted] + rng.integers(5, 45, size=len(noted)), plan.last_day)

    activity = _activities(plan, rng, days, in_seat, activity_scale)
    return SalesChunk(
        index=index,
        day=np.concatenate([deal_day, note_day]),
        amount_minor=np.concatenate([amount, note_amount]),
        quantity=np.concatenate([quantity, np.zeros(len(noted), np.int64)]),
        product=np.concatenate([product, product[noted]]),
        deal_type=np.concatenate([deal_type, deal_type[noted]]),
        account=np.concatenate([account, account[noted]]),
        is_cancelled=np.concatenate([cancelled, np.zeros(len(noted), bool)]),
        credit_note_of=np.concatenate([np.full(n, -1, np.int64), noted.astype(np.int64)]),
        rep=np.concatenate([rep, rep[noted]]),
        partner=np.concatenate([partner, partner[noted]]).astype(np.int64),
        activity_day=activity[0],
        activity_rep=activity[1],
        activity_type=activity[2],
        activity_quantity=activity[3],
        accounts_opened=opened,
    )


def _activities(
    plan: CompanyPlan, rng: np.random.Generator, days: np.ndarray, in_seat: np.ndarray, scale: float
) -> tuple[np.ndarray, ...]:
    """One row per rep, day and activity type done that day, with how many were done.
    Busier reps make somewhat more calls."""
    parts: list[tuple[np.ndarray, ...]] = []
    for kind, (chance, extra) in enumerate(
        zip(ACTIVITY_DAILY_CHANCE, ACTIVITY_EXTRA_MEAN, strict=True)
    ):
        done = in_seat & (rng.random(in_seat.shape) < chance * scale)
        rep_idx, day_idx = np.nonzero(done)
        mean = extra * np.sqrt(plan.rep_productivity[rep_idx])
        quantity = 1 + rng.poisson(mean)
        parts.append(
            (
                days[day_idx],
                rep_idx.astype(np.int64),
                np.full(len(rep_idx), kind, np.int64),
                quantity.astype(np.int64),
            )
        )
    return tuple(np.concatenate([part[i] for part in parts]) for i in range(4))


def account_names(numbers: np.ndarray) -> list[str]:
    """A company name per account number, e.g. ``Cedar Logistics GmbH``; numbers beyond the
    word combinations get a numeral so that names stay distinct."""
    first, second, suffix = (
        names.ACCOUNT_FIRST_WORDS,
        names.ACCOUNT_SECOND_WORDS,
        names.ACCOUNT_SUFFIXES,
    )
    combos = len(first) * len(second)
    result = []
    for number in numbers.tolist():
        base, cycle = number % combos, number // combos
        label = f"{first[base % len(first)]} {second[base // len(first)]} {suffix[number % len(suffix)]}"
        result.append(f"{label} {cycle + 1}" if cycle else label)
    return result


def generate(
    size: str | DemoSize = "small",
    *,
    seed: int = DEFAULT_SEED,
    reps: int | None = None,
    transactions: int | None = None,
    activities: int | None = None,
    today: dt.date | None = None,
    progress: bool = False,
    after_insert: Callable[[range], None] | None = None,
) -> DemoSummary:
    """Build the demo company into the (empty) database and return what was written.

    ``size`` is ``tiny``, ``small`` (the default demo, ~150 reps) or ``large`` (100k reps,
    10M transactions); ``reps``, ``transactions`` and ``activities`` override its counts.
    ``after_insert`` is called with the id range of each batch of transactions, inside the
    same database transaction, for work that must follow new sales (e.g. credits).
    """
    from django.utils import timezone

    from quotaflow.demo.loader import write_plan

    chosen = resolve_size(size, reps=reps, transactions=transactions, activities=activities)
    plan = plan_company(chosen, seed=seed, today=today or timezone.localdate())
    return write_plan(plan, progress=progress, after_insert=after_insert)
