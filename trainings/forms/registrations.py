"""Forms for registrations: a trainer adds a participant by e-mail."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _


class AddParticipantForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail de la personne"),
        help_text=_("La personne doit déjà avoir un compte sur Socle."),
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise forms.ValidationError(
                _(
                    "Aucun compte n'utilise l'adresse %(email)s : la personne doit d'abord "
                    "créer son compte sur Socle."
                )
                % {"email": email}
            )
        self.user = user
        return email
