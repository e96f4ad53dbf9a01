"""Forms for the hub's accreditation pages."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from competences.models import Bloc, VersionStatus

from ..models import LONG_TEXT_MAX
from ..selectors.people import people_search
from .fields import IdsChoiceField
from .sessions import DateInput


class BlocChoiceField(IdsChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} — {obj.title} ({obj.version})"


class AccreditationGrantForm(forms.Form):
    # One field for both ways of naming the trainer: a name finds an account (the search picker
    # fills in the chosen person's address; without JavaScript, a name matching one account is
    # enough), an address names an account or the person to invite.
    email = forms.CharField(
        label=_("Formateur ou formatrice"),
        max_length=254,
        help_text=_(
            "Tapez un nom ou le début d'une adresse e-mail puis choisissez la personne ; pour "
            "quelqu'un qui n'a pas de compte, saisissez son adresse e-mail complète."
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

    user = None

    def clean_email(self):
        value = " ".join(self.cleaned_data["email"].split())
        if "@" in value:
            validate_email(value)  # raises with the field's usual message
            self.user = get_user_model().objects.filter(email__iexact=value).first()
            return value
        matches = list(people_search(value, limit=2))
        if not matches:
            raise forms.ValidationError(
                _(
                    "Aucun compte ne correspond à « %(name)s » : vérifiez l'orthographe, ou "
                    "saisissez l'adresse e-mail complète de la personne pour l'inviter."
                ),
                code="no_match",
                params={"name": value},
            )
        if len(matches) > 1:
            raise forms.ValidationError(
                _(
                    "Plusieurs comptes correspondent à « %(name)s » : précisez le nom ou "
                    "saisissez l'adresse e-mail de la personne."
                ),
                code="several_matches",
                params={"name": value},
            )
        self.user = matches[0]
        return self.user.email

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email") or ""
        if email and self.user is None and not cleaned.get("invite"):
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
