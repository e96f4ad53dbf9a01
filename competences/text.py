"""The text of the reference: one newline convention and no control characters.

What is stored must come back unchanged from an export followed by an import. The import strips
each cell and reads "\\r\\n" as "\\n" (a browser's textarea sends "\\r\\n"), and an XLSX file
cannot hold control characters (openpyxl refuses to write them; Word's line break is one).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Tab, line feed and carriage return are the only control characters a text may hold.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalize_text(value):
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


class CleanTextMixin:
    """Normalize the model's `text_fields` and refuse control characters in them, as part of
    full_clean() (so in the services, the import and the admin's forms alike)."""

    text_fields = ()

    def clean_fields(self, exclude=None):
        errors = {}
        for name in self.text_fields:
            value = getattr(self, name)
            if (exclude and name in exclude) or not isinstance(value, str):
                continue
            value = normalize_text(value)
            setattr(self, name, value)
            if CONTROL_CHARACTERS.search(value):
                errors[name] = [
                    ValidationError(
                        _(
                            "Le texte contient un caractère de contrôle invisible (saut de ligne "
                            "de traitement de texte, tabulation verticale…) : retapez-le ou "
                            "collez-le sans mise en forme."
                        ),
                        code="control_characters",
                    )
                ]
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
