from django import forms
from django.core.validators import validate_slug
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .importing import FORMATS, MAX_BYTES, format_from_filename


def validate_upload_size(upload):
    """Refuse an upload past the import's limit before it is read (the hub's page and the
    admin's import)."""
    if upload.size > MAX_BYTES:
        raise forms.ValidationError(
            _("Le fichier pèse %(size)s ; la limite est de %(max)s.")
            % {"size": filesizeformat(upload.size), "max": filesizeformat(MAX_BYTES)}
        )
    return upload


class ReferentialImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier"),
        help_text=_("CSV (séparateur « ; » ou « , », UTF-8 ou Windows-1252), XLSX ou JSON."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.json"}),
    )
    code = forms.CharField(
        label=_("Code du référentiel"),
        max_length=40,
        validators=[validate_slug],
        help_text=_(
            "Un référentiel existant reçoit une nouvelle version en brouillon ; un nouveau code "
            "crée le référentiel. Exemple : mediation-numerique."
        ),
    )
    title = forms.CharField(
        label=_("Intitulé du référentiel"),
        max_length=200,
        required=False,
        help_text=_("Obligatoire seulement pour un nouveau référentiel."),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[("", _("Déduit de l'extension du fichier"))]
        + [(fmt, fmt.upper()) for fmt in FORMATS],
    )

    def clean_file(self):
        return validate_upload_size(self.cleaned_data["file"])

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None and not cleaned.get("format"):
            detected = format_from_filename(upload.name)
            if detected is None:
                self.add_error(
                    "file",
                    _("Extension non reconnue : utilisez un fichier .csv, .xlsx ou .json."),
                )
            cleaned["format"] = detected
        return cleaned


class PublishForm(forms.Form):
    retire_previous = forms.BooleanField(
        label=_("Retirer les versions publiées précédentes"),
        required=False,
        help_text=_(
            "Sinon elles restent publiées : les sessions et parcours qui s'y rattachent "
            "continuent de fonctionner."
        ),
    )


class CompareForm(forms.Form):
    old = forms.TypedChoiceField(label=_("Version de départ"), coerce=int)
    new = forms.TypedChoiceField(label=_("Version d'arrivée"), coerce=int)

    def __init__(self, *args, versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (
                v.number,
                _("Version %(n)s — %(status)s") % {"n": v.number, "status": v.get_status_display()},
            )
            for v in versions
        ]
        self.fields["old"].choices = choices
        self.fields["new"].choices = choices


# The hub's editing of a draft version ---------------------------------------------------------
# The forms check what a person can get wrong (required, lengths, code characters); the
# services keep the rules that need the database (unique codes, frozen versions) and answer
# with a DomainError naming the field.

CODE_HELP = _("Lettres, chiffres, points, tirets ou soulignés, sans espace. Exemple : B2.C3.")
ORDER_HELP = _("Position dans la liste : les plus petits nombres viennent en premier.")


def _code_field(max_length):
    return forms.RegexField(
        label=_("Code"),
        max_length=max_length,
        regex=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        error_messages={
            "invalid": _(
                "Le code ne peut contenir que des lettres, chiffres, points, tirets ou "
                "soulignés, sans espace."
            )
        },
        help_text=CODE_HELP,
    )


def _order_field():
    return forms.IntegerField(
        label=_("Ordre"), min_value=0, max_value=100000, required=False, help_text=ORDER_HELP
    )


class DraftVersionForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes de version"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Ce qui change dans cette version : affiché en tête de la page de la version."),
    )
    peer_assessment_needs_confirmation = forms.BooleanField(
        label=_("Les évaluations d'un formateur pair doivent être confirmées"),
        required=False,
        help_text=_(
            "Cochée, une évaluation faite par un formateur pair ne compte qu'une fois confirmée "
            "par un formateur habilité."
        ),
    )


class DraftBlocForm(forms.Form):
    code = _code_field(20)
    title = forms.CharField(label=_("Intitulé"), max_length=255)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    evaluation_modalities = forms.CharField(
        label=_("Modalités d'évaluation"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    national_code = forms.CharField(
        label=_("Code France Compétences"),
        required=False,
        max_length=20,
        help_text=_("Facultatif. Exemple : RNCP37274BC01."),
    )
    order = _order_field()


class DraftCompetenceForm(forms.Form):
    code = _code_field(20)
    title = forms.CharField(label=_("Intitulé"), max_length=255)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    bloc = forms.TypedChoiceField(label=_("Bloc"), coerce=int)
    order = _order_field()
    substantially_changed = forms.BooleanField(
        label=_("Modifiée en profondeur"),
        required=False,
        help_text=_(
            "Cochée, les évaluations faites sur les versions précédentes ne comptent plus pour "
            "cette compétence."
        ),
    )

    def __init__(self, *args, blocs=(), with_lineage=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bloc"].choices = [(b.pk, f"{b.code} — {b.title}") for b in blocs]
        if not with_lineage:
            # A new competence, or a first version: nothing earlier to stop counting.
            del self.fields["substantially_changed"]


class DraftCriterionForm(forms.Form):
    code = _code_field(24)
    text = forms.CharField(
        label=_("Critère observable"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    competence = forms.TypedChoiceField(label=_("Compétence"), coerce=int)
    order = _order_field()

    def __init__(self, *args, competences=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competence"].choices = [(c.pk, f"{c.code} — {c.title}") for c in competences]


class DraftLevelForm(forms.Form):
    label = forms.CharField(label=_("Libellé"), max_length=80)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
