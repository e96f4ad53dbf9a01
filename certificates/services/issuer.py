"""The hub's identity on documents. Editing it changes only the documents issued afterwards:
each attestation keeps the snapshot it was issued with."""

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import log_action
from core.exceptions import DomainError
from core.permissions import is_hub_coordinator

from ..models import Issuer

ISSUER_FIELDS = (
    "legal_name",
    "siret",
    "nda_number",
    "qualiopi",
    "qualiopi_mention",
    "address",
    "logo",
    "signatory_name",
    "signatory_role",
)


@transaction.atomic
def issuer_update(*, actor, **fields):
    if not is_hub_coordinator(actor):
        raise DomainError(_("Seule la coordination du hub peut le faire."), "not_allowed")
    issuer = Issuer.objects.select_for_update().first() or Issuer()
    for name, value in fields.items():
        if name not in ISSUER_FIELDS:
            raise ValueError(f"Unknown issuer field: {name}")
        if name == "logo" and value is None:
            continue  # no new file: keep the current logo
        setattr(issuer, name, "" if name == "logo" and value is False else value)
    issuer.full_clean()
    issuer.save()
    log_action(actor=actor, action="issuer.update", target=issuer, fields=sorted(fields))
    return issuer
