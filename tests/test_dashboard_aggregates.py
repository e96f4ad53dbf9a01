"""The dashboard's pre-aggregated figures (reporting/aggregates.py) against the live selectors the
lists and exports read: equal on random networks for every filter the dashboard offers, after a
late correction once the days touched are recomputed, after a change of main structure once the
people are rewritten; the page says when they were computed and its queries do not grow."""

import datetime
import itertools
import random
from dataclasses import replace

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Commune, MediatorFunction, StructureKind
from certificates.models import (
    Attestation,
    AttestationStatus,
    BlocValidation,
    Enrollment,
    PathwayCertification,
)
from competences import services as competence_services
from reporting import aggregates
from reporting.filters import NO_STRUCTURE, Granularity, StatisticsFilters, TrainerKind
from reporting.models import AggregatesState, ParticipationDay, ParticipationMonth
from reporting.scope import ReportScope
from reporting.selectors import statistics
from tests import factories
from tests.factories import level_of
from tests.property.helpers import isolated
from trainings.models import (
    Assessment,
    AssessorRole,
    Attendance,
    Slot,
)

pytestmark = pytest.mark.django_db

HUB = ReportScope(is_hub=True)
TODAY = timezone.localdate()
MARKS = ("present", "late", "absent", "excused")
_SERIALS = itertools.count(1)  # unique across the networks of a test run


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


# A random network ---------------------------------------------------------------------------------


class Network:
    """People in three départements of two régions (with a main structure, their own commune, or
    nothing), sessions of every status over a year and a half around today, on one bloc or two,
    run by hub-accredited trainers or peer trainers; registrations, marks (some corrected, some
    just after midnight), assessments of every kind, decisions, attestations (some revoked)."""

    def __init__(self, seed):
        rng = self.rng = random.Random(seed)
        self.hub = factories.HubCoordinatorFactory()
        self.version = factories.make_reference(blocs=2, competences=2)
        self.blocs = list(self.version.blocs.order_by("code"))
        self.pathway = competence_services.pathway_create(
            actor=self.hub,
            version=self.version,
            code="socle",
            title="Socle",
            audience="novice",
            blocs=[self.blocs[0]],
            min_attended_hours=7,
            validity_months=12,
        )
        communes = [Commune.objects.get(insee_code=code) for code in ("59350", "62041", "13201")]
        kinds = [StructureKind.ASSOCIATION, StructureKind.FRANCE_SERVICES, StructureKind.CCAS]
        self.structures = [
            factories.StructureFactory(commune=commune, kind=rng.choice(kinds))
            for commune in communes
        ]
        self.people = []
        for _index in range(9):
            way = rng.choice(("structure", "structure", "commune", "nothing"))
            if way == "structure":
                function = rng.choice(list(MediatorFunction.values))
                person = factories.MembershipFactory(
                    structure=rng.choice(self.structures), function=function
                ).user
            else:
                person = factories.UserFactory()
                if way == "commune":
                    person.commune = rng.choice(communes)
                    person.save(update_fields=["commune"])
            self.people.append(person)
        hub_trainer, peer_trainer = factories.UserFactory(), factories.UserFactory()
        for bloc in self.blocs:
            factories.AccreditationFactory(user=hub_trainer, bloc=bloc)
        factories.make_peer_trainer(peer_trainer, self.blocs)
        self.trainers = {"hub": hub_trainer, "peer": peer_trainer}
        self.sessions = [self._session() for _index in range(7)]
        self._decisions_and_attestations()

    def _session(self):
        rng = self.rng
        blocs = rng.choice([self.blocs[:1], self.blocs[1:], self.blocs])
        trainers = rng.choice([["hub"], ["peer"], ["hub", "peer"]])
        status = rng.choice(["published", "held", "closed", "closed", "cancelled", "draft"])
        session = factories.SessionFactory(
            version=self.version,
            status=status,
            structure=rng.choice([*self.structures, None]),
            trainers=[self.trainers[name] for name in trainers],
            competences=[c for bloc in blocs for c in bloc.competences.all()],
        )
        first = TODAY + datetime.timedelta(days=rng.randint(-420, 30))
        begins = [at(first, 9), at(first, 13, 30)]
        if rng.random() < 0.5:  # a late evening and the next day just after midnight
            begins += [at(first, 21), at(first + datetime.timedelta(days=1), 0, 15)]
        if rng.random() < 0.5:  # a slot in the next month
            begins.append(at(first + datetime.timedelta(days=rng.randint(10, 40)), 9))
        slots = [
            Slot.objects.create(
                session=session, starts_at=b, ends_at=b + datetime.timedelta(hours=3)
            )
            for b in begins
        ]
        session.starts_at, session.ends_at = min(begins), max(begins) + datetime.timedelta(hours=3)
        session.save(update_fields=["starts_at", "ends_at"])
        for person in rng.sample(self.people, rng.randint(2, 6)):
            registration = factories.RegistrationFactory(
                session=session,
                user=person,
                status=rng.choice(
                    ["registered", "registered", "registered", "waiting", "cancelled"]
                ),
            )
            if status in ("draft",) or registration.status == "waiting":
                continue
            for slot in slots:
                if rng.random() < 0.2:
                    continue
                if rng.random() < 0.25:  # corrected later: the first mark no longer holds
                    Attendance.objects.create(
                        slot=slot,
                        registration=registration,
                        status=rng.choice(MARKS),
                        method="trainer",
                        is_current=False,
                    )
                Attendance.objects.create(
                    slot=slot, registration=registration, status=rng.choice(MARKS), method="trainer"
                )
            for competence in session.competences.all():
                if rng.random() < 0.5:
                    continue
                role = rng.choice(list(AssessorRole.values))
                assessor = {
                    AssessorRole.SELF: person,
                    AssessorRole.PEER: self.trainers["peer"],
                    AssessorRole.ACCREDITED: self.trainers["hub"],
                }[role]
                Assessment.objects.create(
                    participant=person,
                    competence=competence,
                    level=level_of(self.version, rng.randint(1, 3)),
                    method="self" if role == AssessorRole.SELF else "observation",
                    assessor=assessor,
                    assessor_role=role,
                    session=session,
                    assessed_on=timezone.localdate(rng.choice(slots).starts_at),
                )
        return session

    def _decisions_and_attestations(self):
        rng = self.rng
        rule_set = self.pathway.rule_sets.get()
        for person in self.people:
            if rng.random() < 0.3:
                continue
            enrollment = Enrollment.objects.create(
                user=person,
                pathway=self.pathway,
                rule_set=rule_set,
                enrolled_at=at(TODAY - datetime.timedelta(days=rng.randint(0, 500)), 10),
            )
            subjects = []
            if rng.random() < 0.6:
                subjects.append(("bloc", self._decision(BlocValidation, enrollment)))
            if rng.random() < 0.4:
                subjects.append(("pathway", self._decision(PathwayCertification, enrollment)))
            for kind, decision in subjects:
                n = next(_SERIALS)
                attestation = Attestation.objects.create(
                    kind=kind,
                    holder=person,
                    serial=f"T-{n}",
                    verification_code=f"CODE{n:04d}",
                    template="test",
                    facts={},
                    pdf="attestations/test.pdf",
                    sha256="0" * 64,
                    key_id="test",
                    status_index=n,
                    issued_at=at(decision.decided_on, 23, 30),  # late evening: the day is local
                    **{"bloc_validation" if kind == "bloc" else "certification": decision},
                )
                if rng.random() < 0.3:
                    attestation.status = AttestationStatus.REVOKED
                    attestation.status_changed_at = at(
                        decision.decided_on + datetime.timedelta(days=rng.randint(1, 60)), 0, 30
                    )
                    attestation.save(update_fields=["status", "status_changed_at"])

    def _decision(self, model, enrollment):
        person = enrollment.user
        main = person.main_membership
        structure = main.structure if main else None
        commune = structure.commune if structure else person.commune
        day = TODAY - datetime.timedelta(days=self.rng.randint(0, 450))
        extra = {"bloc": self.blocs[0], "bloc_lineage": self.blocs[0].lineage}
        return model.objects.create(
            enrollment=enrollment,
            rule_set=enrollment.rule_set,
            basis="rules",
            decided_on=day,
            valid_until=day + datetime.timedelta(days=365),
            holder_name=person.get_full_name(),
            holder_function=main.function if main else "",
            holder_structure=structure,
            holder_structure_kind=structure.kind if structure else "",
            holder_commune_code=commune.insee_code if commune else "",
            holder_commune_name=commune.name if commune else "",
            holder_departement_code=commune.departement_id if commune else "",
            holder_region_code=commune.departement.region_id if commune else "",
            **(extra if model is BlocValidation else {}),
        )


# Comparing ---------------------------------------------------------------------------------------


def snapshot(scope, filters, source):
    figures, expiring = statistics.key_figures(scope, filters, today=TODAY, source=source)
    tables = statistics.aggregate_tables(scope, filters, source=source)
    return {
        "figures": [(f.key, f.value, f.previous) for f in figures],
        "expiring": expiring,
        "tables": {table.slug: table.rows for table in tables},
    }


def assert_same(net, scope, filters):
    aggregated = aggregates.figures_source(statistics.LIVE)
    assert isinstance(aggregated, aggregates.AggregatedFigures)
    live, agg = snapshot(scope, filters, statistics.LIVE), snapshot(scope, filters, aggregated)
    assert agg == live, filters


def random_filters(net, rng):
    start = TODAY - datetime.timedelta(days=rng.randint(0, 480))
    return StatisticsFilters(
        start=start,
        end=start + datetime.timedelta(days=rng.choice([0, 1, 20, 45, 200, 400])),
        granularity=rng.choice([Granularity.MONTH, Granularity.QUARTER, Granularity.YEAR]),
        region=rng.choice(["", "", "32", "93"]),
        departement=rng.choice(["", "", "59", "62", "13"]),
        structure_kind=rng.choice(["", "", NO_STRUCTURE, StructureKind.ASSOCIATION]),
        function=rng.choice(["", "", MediatorFunction.AIDANT, MediatorFunction.RESPONSABLE]),
        pathway=rng.choice([None, None, net.pathway]),
        bloc_lineage=rng.choice([None, None, *(str(b.lineage) for b in net.blocs)]),
        trainer_kind=rng.choice(["", "", TrainerKind.PEER, TrainerKind.ACCREDITED]),
    )


def single_filters(net):
    """The default period with each filter alone, each of its values."""
    base = StatisticsFilters(start=TODAY.replace(day=1, year=TODAY.year - 1), end=TODAY)
    yield base
    yield replace(base, start=TODAY - datetime.timedelta(days=500), granularity=Granularity.YEAR)
    for region in ("32", "93"):
        yield replace(base, region=region)
    for departement in ("59", "62", "13"):
        yield replace(base, departement=departement)
    for kind in (NO_STRUCTURE, *StructureKind.values):
        yield replace(base, structure_kind=kind)
    for function in MediatorFunction.values:
        yield replace(base, function=function)
    yield replace(base, pathway=net.pathway)
    for bloc in net.blocs:
        yield replace(base, bloc_lineage=str(bloc.lineage))
    for kind in (TrainerKind.PEER, TrainerKind.ACCREDITED):
        yield replace(base, trainer_kind=kind)


# Five random networks, each a test of its own so that the workers share them (together they
# took 24–40 s in one test).
@pytest.mark.parametrize("seed", [1, 20261130, 424242, 2**31 - 1, 987654321])
def test_aggregated_figures_equal_the_live_selectors_for_every_filter(seed):
    with isolated():
        net = Network(seed)
        aggregates.aggregates_rebuild()
        head = ReportScope(is_hub=False, structure_ids=frozenset({net.structures[0].pk}))
        for filters in single_filters(net):
            assert_same(net, HUB, filters)
        rng = random.Random(seed)
        for _index in range(12):
            filters = random_filters(net, rng)
            assert_same(net, HUB, filters)
            assert_same(net, head, filters)
        # Periods that begin or end on a day someone attended or a session started: the days at
        # the ends of a period are the ones a month's bits must get exactly right.
        days = sorted(set(ParticipationDay.objects.values_list("day", flat=True)))
        for day in rng.sample(days, min(4, len(days))):
            after = day + datetime.timedelta(days=rng.randint(0, 40))
            before = day - datetime.timedelta(days=rng.randint(1, 40))
            for start, end in ((day, after), (before, day), (day, day)):
                assert_same(net, HUB, StatisticsFilters(start=start, end=end))


@pytest.fixture
def net():
    return Network(20261130)


def _default():
    return StatisticsFilters(start=TODAY - datetime.timedelta(days=600), end=TODAY)


def test_a_late_correction_counts_once_its_days_are_recomputed(net):
    aggregates.aggregates_rebuild()
    mark = (
        Attendance.objects.filter(
            is_current=True,
            registration__status="registered",
            slot__session__status__in=("held", "closed"),
            slot__starts_at__lt=timezone.now(),
        )
        .exclude(status="present")
        .select_related("slot")
        .first()
    )
    # The correction, as the attendance service writes it: the old mark kept, no longer current.
    Attendance.objects.filter(pk=mark.pk).update(is_current=False)
    Attendance.objects.create(
        slot=mark.slot, registration=mark.registration, status="present", method="trainer"
    )
    # Not yet recomputed: the aggregates still hold the old mark.
    aggregated = aggregates.figures_source(statistics.LIVE)
    stale = aggregated.period_figures(HUB, _default())
    live = statistics.LIVE.period_figures(HUB, _default())
    assert stale["attended"] == live["attended"] - 1
    day = timezone.localdate(mark.slot.starts_at)
    assert aggregates.days_of_sessions([mark.slot.session_id]) >= {day}
    before = AggregatesState.objects.get().refreshed_at
    aggregates.aggregates_refresh_days([day])
    assert AggregatesState.objects.get().refreshed_at > before
    assert_same(net, HUB, _default())
    assert_same(net, HUB, replace(_default(), start=day, end=day))


def test_recent_days_and_coming_sessions_are_recomputed_from_a_day_on(net):
    aggregates.aggregates_rebuild()
    session = factories.make_session(participants=3, status="published")  # tomorrow
    assert not ParticipationDay.objects.filter(session=session).exists()
    aggregates.aggregates_refresh_days(since=TODAY - datetime.timedelta(days=1))
    assert ParticipationDay.objects.filter(session=session, opens_session=True).count() == 3
    coming = StatisticsFilters(start=TODAY, end=TODAY + datetime.timedelta(days=60))
    assert_same(net, HUB, coming)
    assert_same(net, HUB, _default())


def test_a_change_of_main_structure_counts_once_the_people_are_rewritten(net):
    aggregates.aggregates_rebuild()
    person = next(
        p
        for p in net.people
        if ParticipationMonth.objects.filter(user=p, attended_days__gt=0).exists()
    )
    elsewhere = factories.StructureFactory(commune=Commune.objects.get(insee_code="13201"))
    factories.MembershipFactory(user=person, structure=elsewhere)
    person.refresh_from_db()
    person.main_membership = person.memberships.get(structure=elsewhere)
    person.save(update_fields=["main_membership"])
    marseille = replace(_default(), departement="13")
    live = statistics.LIVE.period_figures(HUB, marseille)
    assert aggregates.figures_source(statistics.LIVE).period_figures(HUB, marseille) != live
    aggregates.aggregates_refresh_people([person.pk])
    assert_same(net, HUB, marseille)
    assert_same(net, HUB, _default())


def test_heads_of_places_read_their_figures_live(client, net):
    aggregates.aggregates_rebuild()
    head = ReportScope(is_hub=False, structure_ids=frozenset({net.structures[0].pk}))
    assert aggregates.figures_source(statistics.LIVE, head) is statistics.LIVE
    assert isinstance(aggregates.figures_source(statistics.LIVE, HUB), aggregates.AggregatedFigures)
    responsable = factories.MembershipFactory(
        structure=net.structures[0], function=MediatorFunction.RESPONSABLE
    ).user
    client.force_login(responsable)
    page = client.get(reverse("reporting:dashboard"))
    assert page.status_code == 200
    assert page.context["aggregates_state"] is None
    assert "calculés le" not in page.content.decode()


def test_nothing_to_refresh_before_the_first_rebuild(net):
    assert aggregates.figures_source(statistics.LIVE) is statistics.LIVE
    assert aggregates.aggregates_refresh_days([TODAY]) is None
    assert aggregates.aggregates_refresh_people([net.people[0].pk]) is None


def test_split_period_into_whole_months_and_ends():
    d = datetime.date
    assert aggregates.split_period(d(2026, 1, 1), d(2026, 3, 31)) == (
        [d(2026, 1, 1), d(2026, 2, 1), d(2026, 3, 1)],
        [],
    )
    assert aggregates.split_period(d(2026, 1, 15), d(2026, 3, 3)) == (
        [d(2026, 2, 1)],
        [(d(2026, 1, 15), d(2026, 1, 31)), (d(2026, 3, 1), d(2026, 3, 3))],
    )
    assert aggregates.split_period(d(2026, 2, 3), d(2026, 2, 5)) == (
        [],
        [(d(2026, 2, 3), d(2026, 2, 5))],
    )


def test_the_command_rebuilds_and_refreshes(net, capsys):
    with pytest.raises(Exception, match="jamais été calculés"):
        call_command("refresh_reporting_aggregates", "--since-days", "1")
    call_command("refresh_reporting_aggregates")
    assert "recalculés" in capsys.readouterr().out
    state = AggregatesState.objects.get()
    call_command("refresh_reporting_aggregates", "--day", TODAY.isoformat(), "--since-days", "3")
    assert AggregatesState.objects.get().refreshed_at > state.refreshed_at
    with pytest.raises(Exception, match="date invalide"):
        call_command("refresh_reporting_aggregates", "--day", "31/12/2026")
    assert_same(net, HUB, _default())


def test_the_task_refreshes_the_days_given(net):
    from reporting.tasks import refresh_reporting_figures

    assert refresh_reporting_figures.call() > 0  # everything, in seconds
    assert refresh_reporting_figures.call(days=[TODAY.isoformat()]) is True
    assert_same(net, HUB, _default())


# The page ----------------------------------------------------------------------------------------


def test_the_page_reads_the_aggregates_and_says_when_they_were_computed(client, net):
    client.force_login(net.hub)
    url = reverse("reporting:dashboard")
    live = client.get(url)
    assert "calculés le" not in live.content.decode()
    aggregates.aggregates_rebuild()
    page = client.get(url)
    assert page.status_code == 200
    assert isinstance(page.context["aggregates_state"], AggregatesState)
    assert "calculés le" in page.content.decode()
    assert [(f.key, f.value) for f in page.context["figures"]] == [
        (f.key, f.value) for f in live.context["figures"]
    ]


def test_the_page_queries_do_not_grow_with_the_data(client, net, django_assert_max_num_queries):
    aggregates.aggregates_rebuild()
    client.force_login(net.hub)
    url = reverse("reporting:dashboard")
    filtered = {"region": "32", "bloc": str(net.blocs[0].lineage)}
    with django_assert_max_num_queries(50) as first:
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(50) as first_filtered:
        assert client.get(url, filtered).status_code == 200
    Network(7)
    aggregates.aggregates_rebuild()
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url)
    with django_assert_max_num_queries(len(first_filtered.captured_queries)):
        client.get(url, filtered)
