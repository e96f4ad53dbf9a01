"""Forms for the hub's accreditation pages."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from competences.models import Bloc, VersionStatus

from ..models import LONG_TEXT_MAX
from .fields import IdsChoiceField
from .sessions import DateInput


class BlocChoiceField(IdsChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} — {obj.title} ({obj.version})"


class AccreditationGrantForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail du formateur ou de la formatrice"),
        help_text=_(
            "Sans compte sur Socle, la personne reçoit une invitation si vous cochez la case "
            "ci-dessous."
        ),
    )
    blocs = BlocChoiceField(
        label=_("Blocs"),
        queryset=Bloc.objects.filter(version__status=VersionStatus.PUBLISHED)
        .select_related("version__referential")
        .order_by("version__referential__code", "-version__number", "order"),
        widget=forms.CheckboxSelectMultiple,
    )
    valid_from = forms.DateField(label=_("Valable à partir du"), widget=DateInput())
    valid_until = forms.DateField(label=_("Valable jusqu'au"), widget=DateInput())
    note = forms.CharField(
        label=_("Remarque"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=LONG_TEXT_MAX,
    )

    invite = forms.BooleanField(
        label=_("Si cette adresse n'a pas de compte, envoyer une invitation par e-mail"),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        email = (cleaned.get("email") or "").strip()
        if not email:
            return cleaned
        self.user = get_user_model().objects.filter(email__iexact=email).first()
        if self.user is None and not cleaned.get("invite"):
            self.add_error(
                "email",
                _(
                    "Aucun compte n'utilise l'adresse %(email)s. Cochez « envoyer une "
                    "invitation » pour l'inviter."
                )
                % {"email": email},
            )
        return cleaned


class AccreditationRevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du retrait"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=LONG_TEXT_MAX,
    )


class AccreditationFilterForm(forms.Form):
    q = forms.CharField(label=_("Nom ou e-mail"), required=False)
    bloc = forms.ChoiceField(label=_("Bloc"), required=False)
    state = forms.ChoiceField(
        label=_("État"),
        required=False,
        choices=[
            ("", _("Tous")),
            ("valid", _("En cours de validité")),
            ("future", _("À venir")),
            ("expired", _("Expirées")),
            ("revoked", _("Retirées")),
        ],
    )

    def __init__(self, *args, blocs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bloc"].choices = [("", _("Tous"))] + [
            (bloc.code, f"{bloc.code} — {bloc.title}") for bloc in blocs
        ]
