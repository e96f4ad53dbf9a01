from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import AttendanceStatus


def cell_field_name(slot_id, registration_id):
    return f"mark-{slot_id}-{registration_id}"


class SignCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code d'émargement"),
        max_length=12,
        help_text=_("Les 6 caractères affichés par le formateur pendant le créneau."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
                "class": "sign-code-input",
            }
        ),
    )


class AttendanceGridForm(forms.Form):
    """The whole grid posted at once (without JavaScript): one optional choice per cell."""

    def __init__(self, *args, grid, **kwargs):
        super().__init__(*args, **kwargs)
        self.grid = grid
        choices = [("", "—"), *AttendanceStatus.choices]
        for row in grid["rows"]:
            for slot, _mark in row["cells"]:
                self.fields[cell_field_name(slot.pk, row["registration"].pk)] = forms.ChoiceField(
                    choices=choices, required=False
                )

    def changed_marks(self):
        """(slot, registration, status) for every cell whose posted status differs."""
        changes = []
        for row in self.grid["rows"]:
            registration = row["registration"]
            for slot, mark in row["cells"]:
                status = self.cleaned_data.get(cell_field_name(slot.pk, registration.pk))
                if status and (mark is None or mark.status != status):
                    changes.append((slot, registration, status))
        return changes


class AllPresentForm(forms.Form):
    """« Tous présent·es » for one half-day of the session (posted by one button per slot)."""

    slot = forms.TypedChoiceField(
        label=_("Demi-journée"),
        coerce=int,
        error_messages={
            "required": _("Demi-journée : choisissez un créneau de la session."),
            "invalid_choice": _("Demi-journée : ce créneau n'appartient pas à la session."),
        },
    )

    def __init__(self, *args, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = {slot.pk: slot for slot in slots}
        self.fields["slot"].choices = [(pk, str(slot)) for pk, slot in self.slots.items()]

    def clean_slot(self):
        return self.slots[self.cleaned_data["slot"]]
