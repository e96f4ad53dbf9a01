"""Forms for registrations: a mediator registers (saying how they attend a hybrid session), a
trainer adds a participant by e-mail."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ..models import AttendanceMode, SessionFormat


class AddParticipantForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail de la personne"),
        help_text=_(
            "Si la personne n'a pas encore de compte sur Socle, vous pourrez l'inviter par "
            "e-mail à le créer et à s'inscrire."
        ),
    )
    # The address with no account, offered to the invitation form below the error.
    invite_email = ""
    invite_form = None

    @property
    def invitation_address(self):
        if self.invite_form is not None:
            return self.invite_form.data.get("email", "")[:254]
        return self.invite_email

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            self.invite_email = email
            raise forms.ValidationError(
                _(
                    "Aucun compte n'utilise l'adresse %(email)s. Vous pouvez inviter la "
                    "personne : elle recevra un lien pour créer son compte et s'inscrire."
                )
                % {"email": email}
            )
        self.user = user
        return email


class InviteParticipantForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail à inviter"))


class RegisterForm(forms.Form):
    """Registering oneself. A hybrid session asks how the person will attend (radio buttons:
    two choices, both visible)."""

    attendance_mode = forms.ChoiceField(
        label=_("Comment participerez-vous ?"),
        choices=AttendanceMode.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _(
                "Indiquez si vous viendrez sur place ou si vous suivrez la session à distance."
            ),
            "invalid_choice": _("Choisissez « Sur place » ou « À distance »."),
        },
    )

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        if session.format != SessionFormat.HYBRID:
            del self.fields["attendance_mode"]
