import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

LA_POSTE_SIREN = "356000000"


def luhn_valid(digits):
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def validate_siret(value):
    """A SIRET is 14 digits passing the Luhn checksum (La Poste: digit sum divisible by 5)."""
    siret = re.sub(r"\s", "", value or "")
    if not re.fullmatch(r"\d{14}", siret):
        raise ValidationError(_("Un SIRET compte exactement 14 chiffres."), code="siret_format")
    if siret.startswith(LA_POSTE_SIREN) and siret != LA_POSTE_SIREN + "00012":
        valid = sum(int(c) for c in siret) % 5 == 0
    else:
        valid = luhn_valid(siret)
    if not valid:
        raise ValidationError(
            _("Ce SIRET n'est pas valide (la clé de contrôle ne correspond pas)."),
            code="siret_checksum",
        )


def validate_postal_code(value):
    if not re.fullmatch(r"\d{5}", value or ""):
        raise ValidationError(_("Un code postal compte exactement 5 chiffres."), code="postal_code")


def postal_code_problem(commune, postal_code):
    """Why `postal_code` cannot be the postal code of `commune` (None when it can)."""
    if postal_code in commune.postal_code_list:
        return None
    return _("Le code postal %(postal)s n'est pas celui de %(commune)s (%(known)s).") % {
        "postal": postal_code,
        "commune": commune.name,
        "known": commune.postal_codes_display,
    }


# Invisible characters that have no place in a name: control characters (line breaks included,
# they break exports and calendar files) and the bidirectional overrides that make a name read
# differently from what it is (U+202E turns "exe.txt" around).
UNSAFE_NAME_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def validate_person_name(value):
    if UNSAFE_NAME_CHARACTERS.search(value or ""):
        raise ValidationError(
            _("Le nom contient un caractère invisible (saut de ligne, caractère de contrôle…)."),
            code="unsafe_characters",
        )
    if not any(char.isalpha() for char in value or ""):
        raise ValidationError(_("Le nom doit contenir au moins une lettre."), code="no_letter")
