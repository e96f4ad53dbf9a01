"""The filters every statistics page and export shares. They live in the URL (a GET form), so a
view can be shared by its address; anything unknown or inconsistent is refused with a message
naming the field, never a 500 and never a wider result."""

import datetime
from dataclasses import dataclass, replace

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Departement, MediatorFunction, Region, StructureKind
from competences.models import Bloc, Pathway, VersionStatus

# Monthly buckets over more than ten years make a chart nobody can read; coarser buckets can.
MAX_BUCKETS = 120
MAX_YEARS = 15


class Granularity:
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CHOICES = [
        (MONTH, pgettext_lazy("period", "Mois")),
        (QUARTER, _("Trimestre")),
        (YEAR, _("Année")),
    ]


class TrainerKind:
    PEER = "peer"
    ACCREDITED = "trainer"
    CHOICES = [(PEER, _("Formateur pair")), (ACCREDITED, _("Formateur habilité par le hub"))]


NO_STRUCTURE = "none"


@dataclass(frozen=True)
class StatisticsFilters:
    start: datetime.date
    end: datetime.date
    granularity: str = Granularity.MONTH
    region: str = ""
    departement: str = ""
    structure_kind: str = ""
    function: str = ""
    pathway: object = None
    bloc_lineage: object = None
    trainer_kind: str = ""

    @property
    def days(self):
        return (self.end - self.start).days + 1

    def previous(self):
        """The period of the same length just before, for the trend."""
        end = self.start - datetime.timedelta(days=1)
        return replace(self, start=end - datetime.timedelta(days=self.days - 1), end=end)

    def bucket_starts(self):
        """The first day of each month, quarter or year that meets [start, end], in order."""
        day = self.start.replace(day=1)
        if self.granularity == Granularity.QUARTER:
            day = day.replace(month=(day.month - 1) // 3 * 3 + 1)
        elif self.granularity == Granularity.YEAR:
            day = day.replace(month=1)
        step = {Granularity.MONTH: 1, Granularity.QUARTER: 3, Granularity.YEAR: 12}[
            self.granularity
        ]
        starts = []
        while day <= self.end:
            starts.append(day)
            month = day.month - 1 + step
            day = day.replace(year=day.year + month // 12, month=month % 12 + 1)
        return starts

    def bucket_count(self):
        return len(self.bucket_starts())


def default_period(today=None):
    """The last twelve whole months and the current one."""
    today = today or timezone.localdate()
    start = today.replace(day=1)
    start = start.replace(year=start.year - 1)
    return start, today


def _bloc_choices():
    # One choice per lineage (a bloc across versions), named by its newest published code.
    seen = {}
    for bloc in (
        Bloc.objects.exclude(version__status=VersionStatus.DRAFT)
        .select_related("version__referential")
        .order_by("-version__number", "order")
    ):
        seen.setdefault(str(bloc.lineage), f"{bloc.code} — {bloc.title}")
    return sorted(seen.items(), key=lambda item: item[1])


class StatisticsFilterForm(forms.Form):
    start = forms.DateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    granularity = forms.ChoiceField(
        label=_("Regrouper par"), choices=Granularity.CHOICES, required=False
    )
    region = forms.ChoiceField(label=_("Région"), required=False)
    departement = forms.ChoiceField(label=_("Département"), required=False)
    structure_kind = forms.ChoiceField(
        label=_("Type de structure"),
        required=False,
        choices=[("", _("Tous")), *StructureKind.choices, (NO_STRUCTURE, _("Sans structure"))],
    )
    function = forms.ChoiceField(
        label=_("Fonction"),
        required=False,
        choices=[("", _("Toutes")), *MediatorFunction.choices],
    )
    pathway = forms.ModelChoiceField(
        label=_("Parcours"),
        required=False,
        queryset=Pathway.objects.none(),
        empty_label=_("Tous"),
    )
    bloc = forms.ChoiceField(label=_("Bloc de compétences"), required=False)
    trainer_kind = forms.ChoiceField(
        label=_("Formateur"), required=False, choices=[("", _("Tous")), *TrainerKind.CHOICES]
    )

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.fields["region"].choices = [("", _("Toutes"))] + [
            (r.code, r.name) for r in Region.objects.order_by("name")
        ]
        self.fields["departement"].choices = [("", _("Tous"))] + [
            (d.code, f"{d.code} — {d.name}") for d in Departement.objects.order_by("code")
        ]
        self.fields["pathway"].queryset = (
            Pathway.objects.exclude(version__status=VersionStatus.DRAFT)
            .select_related("version__referential")
            .order_by("title", "-version__number")
        )
        self.fields["pathway"].label_from_instance = lambda p: f"{p.title} (v{p.version.number})"
        self.fields["bloc"].choices = [("", _("Tous")), *_bloc_choices()]

    def clean(self):
        cleaned = super().clean()
        default_start, default_end = default_period(self.today)
        start = cleaned.get("start") or default_start
        end = cleaned.get("end") or default_end
        if "start" in self.errors or "end" in self.errors:
            return cleaned
        if end < start:
            self.add_error("end", _("La fin de la période précède son début."))
        elif (end - start).days > MAX_YEARS * 366:
            self.add_error(
                "start", _("La période ne peut dépasser %(years)s ans.") % {"years": MAX_YEARS}
            )
        cleaned["start"], cleaned["end"] = start, end
        if not self.errors:
            filters = self._build(cleaned)
            if filters.bucket_count() > MAX_BUCKETS:
                self.add_error(
                    "granularity",
                    _(
                        "Cette période compte plus de %(n)s mois : regroupez par trimestre ou "
                        "par année."
                    )
                    % {"n": MAX_BUCKETS},
                )
            region, departement = cleaned.get("region"), cleaned.get("departement")
            if (
                region
                and departement
                and not Departement.objects.filter(code=departement, region_id=region).exists()
            ):
                self.add_error("departement", _("Ce département n'est pas dans la région choisie."))
        return cleaned

    def _build(self, cleaned):
        bloc = cleaned.get("bloc") or None
        return StatisticsFilters(
            start=cleaned["start"],
            end=cleaned["end"],
            granularity=cleaned.get("granularity") or Granularity.MONTH,
            region=cleaned.get("region") or "",
            departement=cleaned.get("departement") or "",
            structure_kind=cleaned.get("structure_kind") or "",
            function=cleaned.get("function") or "",
            pathway=cleaned.get("pathway"),
            bloc_lineage=bloc,
            trainer_kind=cleaned.get("trainer_kind") or "",
        )

    def filters(self):
        """The validated filters (call after is_valid())."""
        return self._build(self.cleaned_data)


FILTER_KEYS = frozenset(StatisticsFilterForm.base_fields)


def filters_from(query, *, today=None):
    """(form, filters or None) from a request's GET."""
    # Bound even when empty: no filter means the defaults, validated like any other choice.
    form = StatisticsFilterForm(query or {}, today=today)
    if form.is_valid():
        return form, form.filters()
    return form, None
