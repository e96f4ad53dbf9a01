"""Form fields shared by the trainings forms."""

from django import forms

# The largest primary key a database column holds (BigAutoField).
MAX_ID = 2**63 - 1


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField that refuses ids no database column can hold.

    Django filters the queryset with the posted values before checking them, and SQLite raises
    OverflowError (a 500) on an integer past 64 bits; such a value is an invalid choice.
    """

    def _check_values(self, value):
        if self.to_field_name is None:
            for pk in value if isinstance(value, (list, tuple)) else [value]:
                text = str(pk).strip()
                if text.isdecimal() and int(text) > MAX_ID:
                    raise forms.ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)
