"""Demo trainings: accreditations of the five demo trainers and nine sessions around today —
three past (one closed, two held, so attendance can still be taken on those), two running (from
an earlier day to tomorrow), four upcoming (one full with a waiting list) — plus a draft, with
mediators registered. Everything goes through the services; past slots use `allow_past`, which
exists for imports and this demo.

Idempotent: a session whose title already exists for its trainer is reused as it is, and an
accreditation already held is not granted twice. `build(network)` reads the network of
accounts.demo and the published version set by competences.demo
(`network["referential_version"]`), and sets `network["sessions"]`.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from . import demo_evaluation
from .models import Session, SessionFormat, SessionStatus
from .permissions import accreditations_valid_on
from .services import accreditations as accreditation_services
from .services import registrations as registration_services
from .services import sessions as session_services

# Bloc positions (0 = first bloc of the version) each trainer is accredited on.
TRAINER_BLOCS = [(0, 1), (1, 2), (0, 3), (2, 3), (0, 1, 2, 3)]
MORNING = datetime.time(9, 0)
HALF_DAY = datetime.timedelta(hours=3, minutes=30)
LUNCH_SHIFT = datetime.timedelta(hours=4, minutes=30)


@dataclass(frozen=True)
class DemoSession:
    key: str  # past, running, upcoming or draft
    title: str
    trainer: int
    bloc: int
    day: int  # first day, relative to today
    slots: int
    capacity: int
    structure: int | None
    format: str = SessionFormat.ONSITE
    registered: int = 0
    waiting: int = 0
    end_status: str = SessionStatus.PUBLISHED
    description: str = ""


SESSIONS = [
    DemoSession(
        "past",
        "Accueillir et diagnostiquer les besoins numériques",
        trainer=0,
        bloc=0,
        day=-30,
        slots=2,
        capacity=10,
        structure=0,
        registered=8,
        end_status=SessionStatus.CLOSED,
        description="Conduire l'entretien d'accueil et repérer ce que la personne sait déjà faire.",
    ),
    DemoSession(
        "past",
        "Accompagner les démarches administratives en ligne",
        trainer=1,
        bloc=1,
        day=-14,
        slots=4,
        capacity=12,
        structure=5,
        registered=10,
        end_status=SessionStatus.HELD,
        description="Impots.gouv, CAF, ANTS : accompagner sans faire à la place.",
    ),
    DemoSession(
        "past",
        "Sécuriser ses comptes et ses données",
        trainer=4,
        bloc=1,
        day=-5,
        slots=2,
        capacity=8,
        structure=12,
        format=SessionFormat.HYBRID,
        registered=6,
        end_status=SessionStatus.HELD,
        description="Mots de passe, double authentification, arnaques : les gestes qui protègent.",
    ),
    DemoSession(
        "running",
        "Animer un atelier collectif",
        trainer=3,
        bloc=2,
        # From yesterday to tomorrow: running whatever the hour the demo is built (a session
        # starting this morning would not have started yet at night).
        day=-1,
        slots=6,
        capacity=10,
        structure=3,
        registered=7,
        description="Préparer, animer et évaluer un atelier de groupe, sur trois jours.",
    ),
    DemoSession(
        "running",
        "Parcours intensif : médiation numérique en itinérance",
        trainer=2,
        bloc=3,
        day=-2,
        slots=8,
        capacity=12,
        structure=14,
        registered=9,
        description="Trois jours dans le bus numérique de l'Avesnois.",
    ),
    DemoSession(
        "upcoming",
        "Diagnostic numérique : mises en situation",
        trainer=0,
        bloc=0,
        day=3,
        slots=2,
        capacity=6,
        structure=1,
        registered=6,
        waiting=3,
        description="Jeux de rôle entre pairs sur des situations d'accueil réelles.",
    ),
    DemoSession(
        "upcoming",
        "Démarches CAF et France Travail",
        trainer=1,
        bloc=1,
        day=10,
        slots=2,
        capacity=12,
        structure=8,
        format=SessionFormat.HYBRID,
        registered=5,
        description="Les démarches les plus demandées, pas à pas.",
    ),
    DemoSession(
        "upcoming",
        "Travailler en réseau sur son territoire",
        trainer=2,
        bloc=3,
        day=21,
        slots=1,
        capacity=20,
        structure=None,
        format=SessionFormat.REMOTE,
        registered=3,
        description="Cartographier les acteurs et orienter les personnes au bon endroit.",
    ),
    DemoSession(
        "upcoming",
        "Accueillir les publics éloignés du numérique",
        trainer=4,
        bloc=0,
        day=35,
        slots=4,
        capacity=10,
        structure=10,
        description="Lever les freins, rassurer, donner envie.",
    ),
    DemoSession(
        "draft",
        "Atelier smartphone pour débutants",
        trainer=0,
        bloc=0,
        day=49,
        slots=1,
        capacity=8,
        structure=0,
        description="Prendre en main son téléphone : appels, messages, photos.",
    ),
]


def _slots(day, count, today):
    start = timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=day), MORNING)
    )
    local = timezone.localtime(start).replace(tzinfo=None)
    slots = []
    for index in range(count):
        begins = timezone.make_aware(
            local + datetime.timedelta(days=index // 2) + LUNCH_SHIFT * (index % 2)
        )
        slots.append((begins, begins + HALF_DAY))
    return slots


def _accredit(hub, trainers, blocs, today):
    valid_from = today - datetime.timedelta(days=2 * 365)
    valid_until = today + datetime.timedelta(days=365)
    for trainer, positions in zip(trainers, TRAINER_BLOCS, strict=False):
        held = set(accreditations_valid_on(trainer, today).values_list("bloc__code", flat=True))
        missing = [
            blocs[p % len(blocs)] for p in positions if blocs[p % len(blocs)].code not in held
        ]
        # A bloc listed twice (fewer blocs than positions) is granted once.
        missing = list({bloc.pk: bloc for bloc in missing}.values())
        if missing:
            accreditation_services.accreditation_grant(
                actor=hub,
                user=trainer,
                blocs=missing,
                valid_from=valid_from,
                valid_until=valid_until,
                note="Habilitation de démonstration.",
            )


def _create(spec, *, trainer, version, blocs, structures, today):
    bloc = blocs[spec.bloc % len(blocs)]
    structure = structures[spec.structure % len(structures)] if spec.structure is not None else None
    remote = spec.format in (SessionFormat.REMOTE, SessionFormat.HYBRID)
    session = session_services.session_create(
        actor=trainer,
        version=version,
        title=spec.title,
        description=spec.description,
        objectives=f"Mettre en pratique les compétences du bloc {bloc.code} — {bloc.title}.",
        competences=list(bloc.competences.order_by("order", "code")[:3]),
        format=spec.format,
        structure=structure,
        video_url=f"https://visio.demo.socle.test/{bloc.code.lower()}-{spec.day + 100}"
        if remote
        else "",
        capacity=spec.capacity,
        slots=_slots(spec.day, spec.slots, today),
        allow_past=True,
    )
    if spec.key == "draft":
        return session
    session = session_services.session_publish(actor=trainer, session=session, allow_past=True)
    return session


def _register(session, spec, *, trainer, mediators, offset):
    """Mediators join: trainer-added for sessions already started, self-registered (with the
    waiting list when full) for upcoming ones."""
    chosen = [
        mediators[(offset + i) % len(mediators)] for i in range(spec.registered + spec.waiting)
    ]
    started = session.starts_at <= timezone.now()
    for mediator in chosen:
        if started:
            if session.registrations.filter(status="registered").count() >= session.capacity:
                break
            registration_services.registration_add_by_trainer(
                actor=trainer, session=session, user=mediator, notify=False
            )
        else:
            registration_services.registration_register(actor=mediator, session=session)


@transaction.atomic
def build(network):
    version = network["referential_version"]
    hub = network["hub"]
    trainers = network["trainers"]
    mediators = network["mediators"]
    structures = network["structures"]
    blocs = list(version.blocs.order_by("order", "code"))
    today = timezone.localdate()
    _accredit(hub, trainers, blocs, today)

    result = {"past": [], "running": [], "upcoming": []}
    for index, spec in enumerate(SESSIONS):
        trainer = trainers[spec.trainer % len(trainers)]
        session = Session.objects.filter(title=spec.title, trainers=trainer).first()
        if session is None:
            session = _create(
                spec,
                trainer=trainer,
                version=version,
                blocs=blocs,
                structures=structures,
                today=today,
            )
            if spec.key != "draft":
                _register(session, spec, trainer=trainer, mediators=mediators, offset=index * 7)
            if spec.end_status in (SessionStatus.HELD, SessionStatus.CLOSED):
                session = session_services.session_mark_held(actor=trainer, session=session)
            if spec.end_status == SessionStatus.CLOSED:
                # Attendance and assessments first: a closed session refuses them.
                demo_evaluation.fill_session(session)
                session = session_services.session_close(actor=trainer, session=session)
        if spec.key in result:
            result[spec.key].append(session)
    network["sessions"] = result
    return result
