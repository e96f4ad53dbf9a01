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


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern): a list of uploads."""

    def __init__(self, *args, check_each=None, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)
        self.check_each = check_each  # a callable raising ValidationError for a bad file

    def clean(self, data, initial=None):
        items = [item for item in data if item] if isinstance(data, (list, tuple)) else [data]
        files, errors = [], []
        for item in items:
            if not item:
                continue
            try:
                files.append(super().clean(item, initial))
                if self.check_each is not None:
                    self.check_each(item)
            except forms.ValidationError as error:
                # Every file's refusal at once, each naming its file.
                name = getattr(item, "name", "")
                errors += [
                    message if name in message else f"« {name} » : {message}"
                    for message in error.messages
                ]
        if errors:
            raise forms.ValidationError(errors)
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return files
