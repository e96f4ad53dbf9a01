"""Forms for sessions: the session itself, its slots (a formset), duplication, cancellation,
and the filters of the browse page. Rules are checked by the services; these forms only parse."""

import datetime

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accounts.forms import StructurePickerForm
from accounts.models import Departement
from accounts.selectors import place_choices, structure_label
from competences.models import Competence, ReferentialVersion, VersionStatus
from core.permissions import is_hub_coordinator

from ..models import LONG_TEXT_MAX, SessionFormat
from ..permissions import trainable_bloc_codes, trainer_candidates
from ..selectors.trainers import co_trainer_search
from ..services.session_rules import MAX_CAPACITY
from .fields import MAX_ID, IdsChoiceField

MAX_SLOTS = 60


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def published_versions():
    return ReferentialVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related(
        "referential"
    )


class UserChoiceField(IdsChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_full_name()} ({obj.email})"


class SessionForm(StructurePickerForm):
    title = forms.CharField(label=_("Intitulé"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ce que les participants vont faire, pour qui la session est pensée."),
        max_length=LONG_TEXT_MAX,
    )
    objectives = forms.CharField(
        label=_("Objectifs pédagogiques"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Repris sur les attestations de fin de formation."),
        max_length=LONG_TEXT_MAX,
    )
    version = forms.ModelChoiceField(
        label=_("Version du référentiel"), queryset=published_versions(), empty_label=None
    )
    competences = IdsChoiceField(
        label=_("Compétences visées"),
        queryset=Competence.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    format = forms.ChoiceField(label=_("Format"), choices=SessionFormat.choices)
    address = forms.CharField(label=_("Lieu : adresse"), max_length=255, required=False)
    video_url = forms.URLField(
        label=_("Lien de visioconférence"),
        required=False,
        assume_scheme="https",
        help_text=_("Pour une session à distance ou hybride."),
    )
    capacity = forms.IntegerField(label=_("Nombre de places"), min_value=1, max_value=MAX_CAPACITY)
    co_trainers = UserChoiceField(
        label=_("Co-formateurs"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.MultipleHiddenInput,
    )
    # The co-trainer search picker (htmx, trainings:co_trainer_search): a list of every
    # accredited person took 2.9 MB at national scale. Without JavaScript, a typed name or
    # e-mail that designates one person adds them.
    co_trainer_search = forms.CharField(
        label=_("Ajouter un co-formateur ou une co-formatrice"),
        required=False,
        max_length=200,
        help_text=_(
            "Parmi les personnes habilitées sur ce référentiel : tapez un nom ou une adresse "
            "e-mail, puis choisissez dans la liste."
        ),
    )

    # Service errors about these names belong to the fields that show them.
    domain_error_fields = {"structure": "structure_search", "trainers": "co_trainer_search"}

    def __init__(self, *args, actor, session=None, **kwargs):
        self.actor = actor
        self.session = session
        if session is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": session.title,
                "description": session.description,
                "objectives": session.objectives,
                "version": session.version_id,
                "competences": [c.pk for c in session.competences.all()],
                "format": session.format,
                "structure": session.structure_id,
                "structure_search": structure_label(session.structure)
                if session.structure_id
                else "",
                "address": session.address,
                "video_url": session.video_url,
                "capacity": session.capacity,
                "co_trainers": [t.pk for t in session.trainers.all() if t.pk != actor.pk],
            }
        super().__init__(*args, **kwargs)
        self.fields["structure_search"].label = _("Lieu : structure")
        self.fields["structure_search"].help_text = _(
            "Pour une session en présentiel ou hybride : une structure ou une adresse. Tapez le "
            "nom, la commune ou le code postal, puis choisissez dans la liste."
        )
        self.version = self._chosen_version()
        # Choosing another version reloads its competences and co-trainers in place (htmx).
        self.fields["version"].widget.attrs.update(
            {
                "hx-get": reverse("trainings:session_competence_choices"),
                "hx-target": "#version-fields",
                "hx-trigger": "change",
            }
        )
        if session is not None and session.status != "draft":
            self.fields["version"].disabled = True
        if self.version is not None:
            self.fields["competences"].queryset = Competence.objects.filter(
                version=self.version
            ).select_related("bloc")
            # Current trainers stay listed even when no longer accredited: the service then
            # says why they cannot stay, instead of the form dropping them silently.
            current = [t.pk for t in session.trainers.all()] if session is not None else []
            candidates = trainer_candidates(self.version).values("pk")
            self.fields["co_trainers"].queryset = (
                get_user_model()
                .objects.filter(Q(pk__in=candidates) | Q(pk__in=current))
                .exclude(pk=actor.pk)
                .order_by("last_name", "first_name")
            )
            self.fields["competences"].queryset = self._offered_competences(current)

    structure_required = False
    structure_scope = "places"

    def structure_choices(self):
        # Places: the structures the hub verified, and the trainer's own (a structure a
        # mediator added is not offered to every trainer until the hub has checked it).
        current = self.session.structure_id if self.session is not None else None
        return place_choices(self.actor, current=current)

    def _chosen_version(self):
        versions = published_versions()
        if self.session is not None and self.session.status != "draft":
            return self.session.version
        raw = self.data.get("version") if self.is_bound else self.initial.get("version")
        if raw:
            found = versions.filter(pk=raw).first() if str(raw).isdecimal() else None
            if found is not None:
                return found
        return versions.order_by("-published_at", "-pk").first()

    def _offered_competences(self, current_trainers):
        """The version's competences in the blocs the actor may train (all of them for the
        hub), plus those the session already targets."""
        competences = Competence.objects.filter(version=self.version).select_related("bloc")
        if is_hub_coordinator(self.actor):
            return competences
        codes = trainable_bloc_codes(self.actor, self.version.referential_id)
        chosen = [c.pk for c in self.session.competences.all()] if self.session is not None else []
        return competences.filter(Q(bloc__code__in=codes) | Q(pk__in=chosen))

    def chosen_co_trainers(self):
        """The co-trainers to show as chosen: posted ones that may be, or the initial ones."""
        if self.version is None:
            return []
        if self.is_bound:
            raw = self.data.getlist("co_trainers")
        else:
            raw = self.initial.get("co_trainers", [])
        ids = [int(pk) for pk in map(str, raw) if pk.isdecimal() and int(pk) <= MAX_ID]
        chosen = list(self.fields["co_trainers"].queryset.filter(pk__in=ids)) if ids else []
        # A co-trainer added by typing their name, when the form is shown again.
        extra = self.cleaned_data.get("co_trainers", []) if hasattr(self, "cleaned_data") else []
        return chosen + [user for user in extra if user not in chosen]

    def clean_co_trainer_search(self):
        """Typed without picking (or without JavaScript): the one candidate the text names."""
        search = (self.cleaned_data.get("co_trainer_search") or "").strip()
        if not search or self.version is None:
            return ""
        chosen = {user.pk for user in self.cleaned_data.get("co_trainers", [])}
        found = list(co_trainer_search(self.version, search, actor=self.actor, limit=3))
        matches = [user for user in found if user.pk not in chosen]
        if not matches and len(found) == 1:
            return ""  # the one person it names is already chosen (the form shown again)
        if len(matches) != 1:
            raise forms.ValidationError(
                _(
                    "« %(text)s » ne désigne pas une seule personne habilitée : choisissez-la "
                    "dans la liste, ou tapez son adresse e-mail."
                )
                % {"text": search}
            )
        self.cleaned_data["co_trainers"] = [*self.cleaned_data.get("co_trainers", []), matches[0]]
        return ""

    def competence_groups(self):
        """[(bloc, [(competence, checked)])] for checkboxes grouped by bloc."""
        if self.version is None:
            return []
        if self.is_bound:
            chosen = set(self.data.getlist("competences"))
        else:
            chosen = {str(pk) for pk in self.initial.get("competences", [])}
        groups = {}
        for competence in self.fields["competences"].queryset.order_by("bloc__order", "order"):
            groups.setdefault(competence.bloc, []).append(
                (competence, str(competence.pk) in chosen)
            )
        return list(groups.items())

    def service_fields(self):
        data = self.cleaned_data
        fields = {
            key: data[key]
            for key in (
                "title",
                "description",
                "objectives",
                "format",
                "structure",
                "address",
                "video_url",
                "capacity",
            )
        }
        fields["competences"] = list(data["competences"])
        co_trainers = list(data["co_trainers"])
        if self.session is not None:
            # The hub edits without becoming a trainer; a trainer stays one.
            me = [t for t in self.session.trainers.all() if t.pk == self.actor.pk]
        elif is_hub_coordinator(self.actor) and co_trainers:
            me = []  # the hub schedules a session for the trainers it names
        else:
            me = [self.actor]
        fields["trainers"] = me + co_trainers or [self.actor]
        return fields


class HalfDay(models.TextChoices):
    MORNING = "morning", _("Matin")
    AFTERNOON = "afternoon", _("Après-midi")


def half_day_hours(half):
    """The hub's usual (start, end) times of a half-day, from SOCLE_MORNING_HOURS and
    SOCLE_AFTERNOON_HOURS ("09:00-12:30")."""
    raw = (
        settings.SOCLE_MORNING_HOURS if half == HalfDay.MORNING else settings.SOCLE_AFTERNOON_HOURS
    )
    try:
        start, end = (datetime.time.fromisoformat(part.strip()) for part in raw.split("-"))
    except ValueError as error:
        raise ImproperlyConfigured(
            f"SOCLE_MORNING_HOURS / SOCLE_AFTERNOON_HOURS: {raw!r} is not HH:MM-HH:MM"
        ) from error
    return start, end


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class SlotForm(forms.Form):
    """A half-day: a date, « matin » or « après-midi », and its times (the hub's usual hours
    when left empty). cleaned_data holds the aware starts_at and ends_at the service checks."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    day = forms.DateField(label=_("Date"), widget=DateInput())
    half = forms.ChoiceField(
        label=_("Demi-journée"), choices=HalfDay.choices, initial=HalfDay.MORNING
    )
    start_time = forms.TimeField(label=_("De"), required=False, widget=TimeInput())
    end_time = forms.TimeField(label=_("À"), required=False, widget=TimeInput())

    def clean(self):
        data = super().clean()
        day, half = data.get("day"), data.get("half")
        if day is None or not half:
            return data
        if not FILTER_DATE_MIN <= day <= FILTER_DATE_MAX:
            self.add_error("day", _("Cette date n'est pas valide."))
            return data
        usual_start, usual_end = half_day_hours(half)
        start = data.get("start_time") or usual_start
        end = data.get("end_time") or usual_end
        data["starts_at"] = timezone.make_aware(datetime.datetime.combine(day, start))
        data["ends_at"] = timezone.make_aware(datetime.datetime.combine(day, end))
        return data


def slot_initial(slot):
    starts_at, ends_at = timezone.localtime(slot.starts_at), timezone.localtime(slot.ends_at)
    return {
        "id": slot.pk,
        "day": starts_at.date(),
        "half": HalfDay.MORNING if starts_at.hour < 12 else HalfDay.AFTERNOON,
        "start_time": starts_at.time(),
        "end_time": ends_at.time(),
    }


def slot_formset(data=None, *, session=None, extra=None):
    initial = []
    if session is not None:
        initial = [
            slot_initial(slot) for slot in sorted(session.slots.all(), key=lambda s: s.starts_at)
        ]
    formset_class = forms.formset_factory(
        SlotForm,
        extra=extra if extra is not None else (2 if session is None else 1),
        can_delete=True,
        # A blank half-day is left empty to be ignored: only saved ones offer « Supprimer ».
        can_delete_extra=False,
        max_num=MAX_SLOTS,
        # Without it max_num only limits the blank rows shown: a POST could create any number.
        validate_max=True,
        # And a forged TOTAL_FORMS builds no more forms than that (1,060 forms took 3.7 s).
        absolute_max=MAX_SLOTS,
    )
    return formset_class(data, initial=initial, prefix="slots")


def slots_from_formset(formset):
    slots = []
    for form in formset.forms:
        if not form.has_changed() and not form.initial:
            continue
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        slots.append(
            {"id": data.get("id"), "starts_at": data["starts_at"], "ends_at": data["ends_at"]}
        )
    return slots


class DuplicateForm(forms.Form):
    weeks = forms.IntegerField(
        label=_("Décaler les créneaux de (semaines)"), min_value=0, max_value=104, initial=1
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de l'annulation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Envoyé par e-mail aux personnes inscrites et en liste d'attente."),
        max_length=LONG_TEXT_MAX,
    )


# Filter dates become aware datetimes converted to UTC in the query: the calendar's first and
# last days overflow there, so the filters accept a wide but finite range.
FILTER_DATE_MIN = datetime.date(2000, 1, 1)
FILTER_DATE_MAX = datetime.date(2999, 12, 31)


def validate_filter_date(value):
    if value is not None and not FILTER_DATE_MIN <= value <= FILTER_DATE_MAX:
        raise forms.ValidationError(
            _("Indiquez une date entre le %(min)s et le %(max)s.")
            % {
                "min": formats.date_format(FILTER_DATE_MIN, "SHORT_DATE_FORMAT"),
                "max": formats.date_format(FILTER_DATE_MAX, "SHORT_DATE_FORMAT"),
            },
            code="date_out_of_range",
        )


class SessionFilterForm(forms.Form):
    bloc = forms.ChoiceField(label=_("Bloc"), required=False)
    competence = forms.ModelChoiceField(
        label=_("Compétence"), queryset=Competence.objects.none(), required=False
    )
    departement = forms.ModelChoiceField(
        label=_("Département"),
        queryset=Departement.objects.order_by("code"),
        required=False,
        to_field_name="code",
        empty_label=_("Tous"),
    )
    date_from = forms.DateField(
        label=_("À partir du"),
        required=False,
        widget=DateInput(),
        validators=[validate_filter_date],
    )
    date_to = forms.DateField(
        label=_("Jusqu'au"), required=False, widget=DateInput(), validators=[validate_filter_date]
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=[("", _("Tous"))] + SessionFormat.choices, required=False
    )
    places = forms.BooleanField(label=_("Seulement les sessions avec des places"), required=False)

    def __init__(self, *args, blocs=(), competences=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bloc"].choices = [("", _("Tous"))] + [
            (bloc.code, f"{bloc.code} — {bloc.title}") for bloc in blocs
        ]
        competence_field = self.fields["competence"]
        competence_field.queryset = Competence.objects.filter(pk__in=[c.pk for c in competences])
        competence_field.choices = [("", _("Toutes"))] + [
            (c.pk, f"{c.code} — {c.title}") for c in competences
        ]
        self.fields["departement"].label_from_instance = lambda d: f"{d.code} — {d.name}"

    def filters(self):
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "bloc_code": data["bloc"],
            "competence": data["competence"],
            "departement": data["departement"].code if data["departement"] else "",
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "format": data["format"],
            "places_only": data["places"],
        }
