from django import forms
from django.utils.translation import gettext_lazy as _


class ErasureForm(forms.Form):
    """Erasure is final: the person confirms with their password and says they understood."""

    password = forms.CharField(
        label=_("Votre mot de passe"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    understood = forms.BooleanField(
        label=_(
            "J'ai compris que l'effacement est définitif : je ne pourrai plus me connecter ni "
            "télécharger mes attestations depuis Socle."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Ce mot de passe n'est pas le bon."))
        return password
