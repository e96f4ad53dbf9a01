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
