"""A believable Hauts-de-France network for the demo site. Idempotent: reruns reuse what exists."""

import random

from django.db import transaction

from .models import Commune, MediatorFunction, Membership, Structure, StructureKind, User
from .services import main_membership_refresh, user_create, user_set_hub_coordinator

DEMO_PASSWORD = "socle-demo-2026"
DEMO_DOMAIN = "demo.socle.test"

# (name, kind, INSEE code, postal code, SIRET or "")
STRUCTURES = [
    ("Espace numérique de Wazemmes", StructureKind.ASSOCIATION, "59350", "59000", ""),
    ("CCAS de Roubaix", StructureKind.CCAS, "59512", "59100", ""),
    ("France Services Maubeuge", StructureKind.FRANCE_SERVICES, "59392", "59600", ""),
    ("Tiers-lieu La Fabrique Dunkerquoise", StructureKind.TIERS_LIEU, "59183", "59140", ""),
    (
        "Ville de Valenciennes — médiation numérique",
        StructureKind.COLLECTIVITE,
        "59606",
        "59300",
        "",
    ),
    ("Centre social de Lens", StructureKind.CCAS, "62498", "62300", ""),
    ("Médiathèque d'Arras", StructureKind.COLLECTIVITE, "62041", "62000", ""),
    ("France Services Boulogne-sur-Mer", StructureKind.FRANCE_SERVICES, "62160", "62200", ""),
    ("Association Clic & Lien (Saint-Quentin)", StructureKind.ASSOCIATION, "02691", "02100", ""),
    ("France Services Laon", StructureKind.FRANCE_SERVICES, "02408", "02000", ""),
    ("Tiers-lieu La Grange (Beauvais)", StructureKind.TIERS_LIEU, "60057", "60000", ""),
    ("Communauté de communes du Clermontois", StructureKind.COLLECTIVITE, "60157", "60600", ""),
    ("Amiens Métropole — Point numérique", StructureKind.COLLECTIVITE, "80021", "80000", ""),
    ("Coopérative Numéri'Somme (Abbeville)", StructureKind.ENTREPRISE, "80001", "80100", ""),
    ("Bus numérique de l'Avesnois", StructureKind.AUTRE, "59036", "59440", ""),
]

HUB_COORDINATOR = ("Claire", "Dumont")
TRAINERS = [
    ("Karim", "Benali"),
    ("Sophie", "Lefebvre"),
    ("Julien", "Martin"),
    ("Nadia", "Haddad"),
    ("Thomas", "Leroy"),
]
FIRST_NAMES = [
    "Camille",
    "Léa",
    "Hugo",
    "Manon",
    "Lucas",
    "Inès",
    "Nathan",
    "Chloé",
    "Yanis",
    "Sarah",
    "Mathis",
    "Emma",
    "Rayan",
    "Jade",
    "Enzo",
    "Lina",
    "Louis",
    "Zoé",
    "Adam",
    "Alice",
    "Noah",
    "Anaïs",
    "Théo",
    "Mélanie",
    "Bastien",
    "Fatou",
    "Kevin",
    "Océane",
    "Dylan",
    "Aurélie",
    "Mehdi",
    "Pauline",
]
LAST_NAMES = [
    "Petit",
    "Durand",
    "Moreau",
    "Lambert",
    "Dubois",
    "Delattre",
    "Vasseur",
    "Lemaire",
    "Caron",
    "Duhamel",
    "Boulanger",
    "Carpentier",
    "Dufour",
    "Leclercq",
    "Mercier",
    "Dupuis",
    "Fontaine",
    "Roussel",
    "Lecomte",
    "Bernard",
    "Masson",
    "Hamel",
    "Deprez",
    "Lemoine",
    "Gosselin",
    "Poulain",
    "Delannoy",
    "Lebrun",
    "Debruyne",
    "Wallet",
    "Coulon",
    "Platel",
]
N_MEDIATORS = 30


def _user(email, first_name, last_name):
    user = User.objects.filter(email=email).first()
    if user is None:
        user = user_create(
            email=email,
            password=DEMO_PASSWORD,
            first_name=first_name,
            last_name=last_name,
            verified=True,
        )
    return user


@transaction.atomic
def build(stdout=None):
    rng = random.Random(2026)
    structures = []
    for name, kind, insee, postal, siret in STRUCTURES:
        commune = Commune.objects.get(insee_code=insee)
        structure, _created = Structure.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "commune": commune,
                "postal_code": postal,
                "siret": siret,
                "verified": True,
            },
        )
        structures.append(structure)

    hub = _user(f"coordination@{DEMO_DOMAIN}", *HUB_COORDINATOR)
    user_set_hub_coordinator(actor=None, user=hub)

    trainers = []
    for index, (first, last) in enumerate(TRAINERS, start=1):
        trainer = _user(f"formateur{index}@{DEMO_DOMAIN}", first, last)
        trainers.append(trainer)
        Membership.objects.get_or_create(
            user=trainer,
            structure=structures[(index * 3) % len(structures)],
            defaults={"function": MediatorFunction.RESPONSABLE, "status": "approved"},
        )

    mediators = []
    functions = [
        MediatorFunction.AIDANT,
        MediatorFunction.AIDANT,
        MediatorFunction.MOBILE,
        MediatorFunction.RESPONSABLE,
        MediatorFunction.AUTRE,
    ]
    for index in range(1, N_MEDIATORS + 1):
        first = FIRST_NAMES[index % len(FIRST_NAMES)]
        last = LAST_NAMES[(index * 7) % len(LAST_NAMES)]
        mediator = _user(f"mediateur{index}@{DEMO_DOMAIN}", first, last)
        mediators.append(mediator)
        Membership.objects.get_or_create(
            user=mediator,
            structure=structures[index % len(structures)],
            defaults={"function": functions[rng.randrange(len(functions))], "status": "approved"},
        )
    # A request waiting for formateur1, the head of that structure, to approve it.
    Membership.objects.get_or_create(
        user=mediators[1],
        structure=structures[3 % len(structures)],
        defaults={"function": MediatorFunction.AIDANT, "status": "pending"},
    )
    for person in [*trainers, *mediators]:
        main_membership_refresh(user=person)
    return {"hub": hub, "trainers": trainers, "mediators": mediators, "structures": structures}
