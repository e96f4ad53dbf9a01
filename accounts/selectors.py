import csv
import functools
import re
import unicodedata
from dataclasses import dataclass

from django.db.models import Case, Count, Q, Value, When

from .models import Commune, Departement, Membership, MembershipStatus, Structure
from .territories import DATA


def structures_list(*, search="", departement_code="", kind=""):
    qs = Structure.objects.select_related("commune__departement__region").annotate(
        member_count=Count("memberships")
    )
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(commune__name__icontains=search))
    if departement_code:
        qs = qs.filter(commune__departement_id=departement_code)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("name")


def memberships_for_user(user):
    return (
        Membership.objects.filter(user=user)
        .select_related("structure__commune__departement__region")
        .order_by("structure__name")
    )


def structure_members(structure):
    """The structure's approved members."""
    return (
        Membership.objects.filter(structure=structure, status=MembershipStatus.APPROVED)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )


def pending_members(structure):
    """Requests to join the structure, oldest first (for its head and the hub)."""
    return (
        Membership.objects.filter(structure=structure, status=MembershipStatus.PENDING)
        .select_related("user")
        .order_by("created_at", "pk")
    )


def is_approved_member(user, structure):
    return Membership.objects.filter(
        user=user, structure=structure, status=MembershipStatus.APPROVED
    ).exists()


# The start of a postal code or of an INSEE code (Corsica's are 2A… and 2B…).
CODE_START = re.compile(r"\d(?:\d|[ABab](?=\d*$))?\d{0,3}")


@functools.cache
def postal_main_communes():
    """{postal code: INSEE code of its main commune}, for the postal codes that several
    communes share (accounts/data/postal_main_communes.csv, the most populous one)."""
    with open(DATA / "postal_main_communes.csv", encoding="utf-8", newline="") as handle:
        return {row["code_postal"]: row["code_insee"] for row in csv.DictReader(handle)}


def communes_search(query, *, limit=15):
    """Communes matching a name prefix, a postal code or an INSEE code. By postal code, the
    main commune of each matching code comes first (« 80200 » lists Péronne before the villages
    it serves), and each commune lists its matching postal codes first (`shown_postal_codes`)."""
    query = (query or "").strip()
    if len(query) < 2 or "\x00" in query:  # PostgreSQL refuses NUL bytes in a query
        return []
    qs = Commune.objects.select_related("departement__region")
    if not CODE_START.fullmatch(query):
        return list(
            qs.filter(name__iregex=name_start_pattern(query)).order_by("name", "insee_code")[:limit]
        )
    code = query.upper()
    # The start of one of the commune's postal codes (space-separated), or of its INSEE code.
    qs = qs.filter(
        Q(postal_codes__startswith=code)
        | Q(postal_codes__contains=" " + code)
        | Q(insee_code__startswith=code)
    )
    mains = [insee for postal, insee in postal_main_communes().items() if postal.startswith(code)]
    main_first = Case(When(insee_code__in=mains, then=Value(0)), default=Value(1))
    communes = list(qs.order_by(main_first, "name", "insee_code")[:limit])
    for commune in communes:
        codes = commune.postal_code_list
        commune.shown_postal_codes = [c for c in codes if c.startswith(code)] + [
            c for c in codes if not c.startswith(code)
        ]
    return communes


# Letters people type without their accent. Both cases are listed: a database whose collation is
# "C" only folds the case of ASCII letters.
_ACCENTED = {
    "a": "aàâäAÀÂÄ",
    "c": "cçCÇ",
    "e": "eéèêëEÉÈÊË",
    "i": "iîïIÎÏ",
    "o": "oôöOÔÖ",
    "u": "uùûüUÙÛÜ",
    "y": "yÿYŸ",
}
_SEPARATORS = re.compile(r"[\s\-'’]+")


def fold(text):
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def name_start_pattern(query):
    """A regular expression matching the names that start with `query` typed the easy way:
    without accents, with spaces for hyphens and apostrophes, "st"/"ste" for Saint/Sainte
    (« st etienne » finds Saint-Étienne, « l ile d yeu » L'Île-d'Yeu, « coeuvres » Cœuvres)."""
    words = [word for word in _SEPARATORS.split(fold(query)) if word]
    parts = []
    for position, word in enumerate(words):
        last = position == len(words) - 1
        if not last and word in ("st", "ste"):
            parts.append("saint" if word == "st" else "sainte")
            continue
        pattern = ""
        index = 0
        while index < len(word):
            if word.startswith("oe", index):
                pattern += "(?:o[eE]|œ|Œ)"
                index += 2
                continue
            if word.startswith("ae", index):
                pattern += "(?:a[eE]|æ|Æ)"
                index += 2
                continue
            char = word[index]
            pattern += f"[{_ACCENTED[char]}]" if char in _ACCENTED else re.escape(char)
            index += 1
        parts.append(pattern)
    return "^" + "[-\\s'’]+".join(parts)


def departements_choices():
    return Departement.objects.select_related("region").order_by("code")


def territory_of_record(user):
    """Where a person is counted, as a TerritoryOfRecord: the structure of their main attachment
    (an approved membership they chose, by default the first approved one) or, without one, their
    own commune. Decisions snapshot it so that past figures do not move when people move."""
    membership = None
    if user.main_membership_id:
        membership = (
            Membership.objects.select_related("structure__commune__departement")
            .filter(pk=user.main_membership_id, status=MembershipStatus.APPROVED)
            .first()
        )
    if membership is not None:
        return TerritoryOfRecord(
            membership=membership,
            structure=membership.structure,
            function=membership.function,
            commune=membership.structure.commune,
        )
    commune = None
    if user.commune_id:
        commune = Commune.objects.select_related("departement").get(pk=user.commune_id)
    return TerritoryOfRecord(membership=None, structure=None, function="", commune=commune)


@dataclass(frozen=True)
class TerritoryOfRecord:
    membership: Membership | None
    structure: Structure | None
    function: str
    commune: Commune | None


def first_approved_membership(user):
    return (
        user.memberships.filter(status=MembershipStatus.APPROVED)
        .order_by("created_at", "pk")
        .first()
    )


def structure_label(structure):
    return f"{structure.name} — {structure.commune.name}"


def structures_search(query, queryset=None, *, limit=15):
    """Structures (among `queryset`) whose name contains `query`, or whose commune starts with
    it, or whose postal code starts with it: the structure picker's answers."""
    query = (query or "").strip()
    queryset = Structure.objects.all() if queryset is None else queryset
    if len(query) < 2 or "\x00" in query:
        return queryset.none()
    condition = Q(name__icontains=query) | Q(commune__name__iregex=name_start_pattern(query))
    if query.isdigit():
        condition |= Q(postal_code__startswith=query)
    return queryset.filter(condition).select_related("commune").order_by("name", "pk")[:limit]


def place_choices(user, *, current=None):
    """The structures a trainer may name as a session's place: those the hub verified, the
    trainer's own (approved attachments), and the session's current one."""
    own = Membership.objects.filter(user=user, status=MembershipStatus.APPROVED).values(
        "structure_id"
    )
    extra = Q(pk=current) if current else Q(pk__in=[])
    return Structure.objects.filter(Q(verified=True) | Q(pk__in=own) | extra)
