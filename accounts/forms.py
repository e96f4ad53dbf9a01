from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import (
    Commune,
    Departement,
    MediatorFunction,
    MembershipStatus,
    Structure,
    StructureKind,
)
from .selectors import communes_search, fold, structure_label, structures_search
from .validators import (
    postal_code_problem,
    validate_person_name,
    validate_postal_code,
    validate_siret,
)


class SignupForm(forms.Form):
    """Extra sign-up fields; allauth adds e-mail and passwords and calls signup()."""

    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=150,
        validators=[validate_person_name],
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=pgettext_lazy("family name", "Nom"),
        max_length=150,
        validators=[validate_person_name],
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )

    field_order = ["first_name", "last_name", "email", "password1", "password2"]

    def signup(self, request, user):
        user.first_name = self.cleaned_data["first_name"]
        user.last_name = self.cleaned_data["last_name"]
        user.save(update_fields=["first_name", "last_name"])


class ProfileForm(forms.Form):
    first_name = forms.CharField(
        label=_("Prénom"), max_length=150, validators=[validate_person_name]
    )
    last_name = forms.CharField(
        label=pgettext_lazy("family name", "Nom"), max_length=150, validators=[validate_person_name]
    )


class TerritoryForm(forms.Form):
    """Where the person is counted in the hub's figures, and whether they appear by name in the
    exports the hub hands to its partners."""

    main_membership = forms.ModelChoiceField(
        label=_("Ma structure principale"),
        queryset=None,
        required=False,
        empty_label=None,
        widget=forms.RadioSelect,
        help_text=_("Vos certifications sont comptées sur le territoire de cette structure."),
    )
    commune_search = forms.CharField(
        label=_("Ma commune d'exercice"),
        required=False,
        help_text=_(
            "Comptée seulement si vous n'êtes rattaché·e à aucune structure. Tapez le nom ou le "
            "code postal puis choisissez dans la liste ; videz le champ pour l'effacer."
        ),
    )
    insee_code = forms.CharField(label=_("Code INSEE de la commune"), max_length=5, required=False)
    statistics_opt_out = forms.BooleanField(
        label=_("Ne pas figurer par mon nom dans les exports remis aux partenaires du hub"),
        required=False,
        help_text=_("Vos certifications restent comptées dans les totaux anonymes."),
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "main_membership": user.main_membership_id,
                "commune_search": user.commune.name if user.commune_id else "",
                "insee_code": user.commune_id or "",
                "statistics_opt_out": user.statistics_opt_out,
            },
        )
        super().__init__(*args, **kwargs)
        approved = user.memberships.filter(status=MembershipStatus.APPROVED).select_related(
            "structure__commune"
        )
        self.fields["main_membership"].queryset = approved
        self.fields["main_membership"].label_from_instance = lambda m: (
            f"{m.structure.name} — {m.structure.commune.name}"
        )
        if not approved.exists():
            del self.fields["main_membership"]

    def clean(self):
        cleaned = super().clean()
        cleaned["commune"] = None
        search = (cleaned.get("commune_search") or "").strip()
        if not search:
            return cleaned
        code = (cleaned.get("insee_code") or "").strip().upper()
        commune = Commune.objects.filter(insee_code=code).first() if code else None
        if commune is None or fold(commune.name) != fold(search):
            # Typed without picking (or without JavaScript): take the one commune it names.
            matches = list(communes_search(search, limit=2))
            commune = matches[0] if len(matches) == 1 else None
        if commune is None:
            self.add_error(
                "commune_search",
                _("« %(text)s » ne désigne pas une seule commune : choisissez-la dans la liste.")
                % {"text": search},
            )
        cleaned["commune"] = commune
        return cleaned

    def service_fields(self):
        data = self.cleaned_data
        return {
            "main_membership": data.get("main_membership"),
            "commune": data["commune"],
            "statistics_opt_out": data["statistics_opt_out"],
        }


class StructureForm(forms.Form):
    """A structure, its commune chosen with the picker that fills INSEE code, postal code and
    département; every value is checked again here against the reference data."""

    name = forms.CharField(label=_("Nom de la structure"), max_length=200)
    kind = forms.ChoiceField(label=_("Type de structure"), choices=StructureKind.choices)
    commune_search = forms.CharField(
        label=_("Commune"),
        required=False,
        help_text=_("Tapez le nom ou le code postal puis choisissez dans la liste."),
    )
    insee_code = forms.CharField(label=_("Code INSEE de la commune"), max_length=5)
    postal_code = forms.CharField(label=_("Code postal"), max_length=5)
    departement = forms.CharField(label=_("Département (code)"), max_length=3)
    address = forms.CharField(label=_("Adresse"), max_length=255, required=False)
    siret = forms.CharField(
        label=_("SIRET"), max_length=20, required=False, help_text=_("14 chiffres, facultatif.")
    )

    def __init__(self, *args, instance=None, **kwargs):
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name,
                "kind": instance.kind,
                "commune_search": instance.commune.name,
                "insee_code": instance.commune_id,
                "postal_code": instance.postal_code,
                "departement": instance.commune.departement_id,
                "address": instance.address,
                "siret": instance.siret,
            }
        super().__init__(*args, **kwargs)

    def clean_postal_code(self):
        value = self.cleaned_data["postal_code"].strip()
        validate_postal_code(value)
        return value

    def clean_siret(self):
        value = "".join(self.cleaned_data["siret"].split())
        if value:
            validate_siret(value)
            duplicates = Structure.objects.filter(siret=value)
            if self.instance is not None:
                duplicates = duplicates.exclude(pk=self.instance.pk)
            if duplicates.exists():
                raise forms.ValidationError(_("Une structure porte déjà ce SIRET."))
        return value

    def clean_departement(self):
        code = self.cleaned_data["departement"].strip().upper()
        if not Departement.objects.filter(code=code).exists():
            raise forms.ValidationError(
                _("Département inconnu : « %(code)s ».") % {"code": code},
                code="unknown_departement",
            )
        return code

    def clean_insee_code(self):
        code = self.cleaned_data["insee_code"].strip().upper()
        commune = Commune.objects.select_related("departement").filter(insee_code=code).first()
        if commune is None:
            raise forms.ValidationError(
                _("Aucune commune ne porte le code INSEE « %(code)s ».") % {"code": code}
            )
        self.commune = commune
        return code

    def clean(self):
        cleaned = super().clean()
        commune = getattr(self, "commune", None)
        departement = cleaned.get("departement")
        if commune and departement and commune.departement_id != departement:
            self.add_error(
                "departement",
                _("La commune %(commune)s est dans le département %(code)s.")
                % {"commune": commune.name, "code": commune.departement_id},
            )
        postal_code = cleaned.get("postal_code")
        problem = postal_code_problem(commune, postal_code) if commune and postal_code else None
        if problem:
            self.add_error("postal_code", problem)
        return cleaned

    def service_fields(self):
        data = self.cleaned_data
        return {
            "name": data["name"],
            "kind": data["kind"],
            "commune": self.commune,
            "postal_code": data["postal_code"],
            "address": data["address"],
            "siret": data["siret"],
        }


class StructurePickerForm(forms.Form):
    """A structure chosen with the search picker (htmx, accounts:structure_search) instead of a
    <select> of every structure: `structure_search` is the text typed, `structure` the id the
    picker filled in. Without JavaScript, typed text that names one structure is enough.
    Subclasses say which structures may be chosen (`structure_choices`)."""

    structure_required = True
    structure_scope = "all"  # what the picker lists: "all", or "places" (session places)

    # `structure` first: its id is read when the text is checked.
    structure = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)
    structure_search = forms.CharField(
        label=_("Structure"),
        max_length=200,
        required=False,
        help_text=_("Tapez le nom, la commune ou le code postal, puis choisissez dans la liste."),
    )

    def structure_choices(self):
        return Structure.objects.all()

    def clean_structure(self):
        raw = (self.cleaned_data.get("structure") or "").strip()
        return int(raw) if raw.isdecimal() else None  # isdigit() lets "²" through to int()

    def clean_structure_search(self):
        search = (self.cleaned_data.get("structure_search") or "").strip()
        picked = self.cleaned_data.get("structure")
        self.cleaned_data["structure"] = None
        allowed = self.structure_choices().select_related("commune")
        structure = allowed.filter(pk=picked).first() if picked else None
        if (
            structure is not None
            and search
            and fold(search)
            not in {
                fold(structure.name),
                fold(structure_label(structure)),
            }
        ):
            structure = None  # the text was changed after picking: the text wins
        if structure is None and search:
            # Typed without picking (or without JavaScript): the one structure it names.
            exact = list(allowed.filter(name__iexact=search)[:2])
            matches = exact or list(structures_search(search, allowed, limit=2))
            structure = matches[0] if len(matches) == 1 else None
            if structure is None:
                raise forms.ValidationError(
                    _(
                        "« %(text)s » ne désigne pas une seule structure : choisissez-la dans "
                        "la liste."
                    )
                    % {"text": search}
                )
        if structure is None:
            if picked:
                raise forms.ValidationError(_("Cette structure n'est pas proposée ici."))
            if self.structure_required:
                raise forms.ValidationError(_("Choisissez une structure."))
            return ""
        self.cleaned_data["structure"] = structure
        return structure_label(structure)


class MembershipForm(StructurePickerForm):
    function = forms.ChoiceField(label=_("Votre fonction"), choices=MediatorFunction.choices)


class StructureFilterForm(forms.Form):
    """The structure list's filters, read from the query string. A value that is not valid
    (a NUL byte, which PostgreSQL refuses, an unknown kind...) is ignored, not an error page."""

    q = forms.CharField(required=False, max_length=200)
    departement = forms.CharField(required=False, max_length=3)
    kind = forms.ChoiceField(required=False, choices=StructureKind.choices)

    def filters(self):
        self.is_valid()
        return {
            "search": self.cleaned_data.get("q", "").strip(),
            "departement_code": self.cleaned_data.get("departement", ""),
            "kind": self.cleaned_data.get("kind", ""),
        }
