"""Personal-data exports: asked for by the person, built in the background (ZIP of JSON files
and the attestation PDFs), downloadable for EXPORT_DAYS days."""

import datetime
import io
import json
import zipfile

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from certificates.models import Attestation
from core.audit import log_action
from core.exceptions import DomainError
from core.storage import orphan_files_purge
from trainings.services.evidence import evidence_files_of_person

from .. import collect
from ..models import PersonalDataExport

EXPORT_DAYS = 7
MAX_PER_DAY = 3


def personal_data_export_request(*, actor):
    """Ask for an export of one's own data. Refused while one is being prepared, and beyond
    MAX_PER_DAY a day (each one reads everything and writes a file)."""
    with transaction.atomic():
        # One request at a time per person: the checks below would race otherwise.
        get_user_model().objects.select_for_update().only("pk").get(pk=actor.pk)
        mine = PersonalDataExport.objects.filter(user=actor)
        if mine.filter(ready_at__isnull=True).exists():
            raise DomainError(
                _("Un export est déjà en préparation : vous recevrez un e-mail quand il sera prêt"),
                "export_pending",
            )
        since = timezone.now() - datetime.timedelta(days=1)
        if mine.filter(requested_at__gte=since).count() >= MAX_PER_DAY:
            raise DomainError(
                _("Vous avez demandé %(n)s exports en 24 heures : réessayez demain.")
                % {"n": MAX_PER_DAY},
                "too_many_exports",
            )
        export = PersonalDataExport.objects.create(user=actor)
        log_action(actor=actor, action="personal_data.export_request", target=export)
        pk = export.pk

        def enqueue():
            from ..tasks import build_personal_data_export

            build_personal_data_export.enqueue(export_id=pk)

        transaction.on_commit(enqueue)
    return export


def _archive(user):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with translation.override("fr"):
            archive.writestr(
                "LISEZ-MOI.txt",
                render_to_string(
                    "privacy/export_readme.txt", {"user": user, "now": timezone.now()}
                ),
            )
            for name, section in collect.SECTIONS.items():
                archive.writestr(
                    name, json.dumps(section(user), ensure_ascii=False, indent=2, default=str)
                )
        for attestation in Attestation.objects.filter(holder=user).order_by("pk"):
            with attestation.pdf.open("rb") as handle:
                # PDFs are compressed already.
                archive.writestr(
                    f"attestations/{attestation.serial}.pdf",
                    handle.read(),
                    compress_type=zipfile.ZIP_STORED,
                )
        for evidence in evidence_files_of_person(user).exclude(file="").order_by("pk"):
            with evidence.file.open("rb") as handle:
                archive.writestr(
                    f"preuves/{evidence.pk}-{evidence.name}",
                    handle.read(),
                    compress_type=zipfile.ZIP_STORED,
                )
    return buffer.getvalue()


def personal_data_export_build(*, export_id):
    """Build the archive of an export (idempotent: a built one is left as it is)."""
    export = PersonalDataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.ready_at is not None:
        return export
    data = _archive(export.user)
    export.archive.save(
        f"donnees-socle-{timezone.localdate():%Y-%m-%d}.zip", ContentFile(data), save=False
    )
    export.size = len(data)
    export.ready_at = timezone.now()
    export.save(update_fields=["archive", "size", "ready_at"])
    log_action(actor=None, action="personal_data.export_ready", target=export, size=len(data))
    return export


def is_downloadable(export, now=None):
    now = now or timezone.now()
    return (
        export.ready_at is not None
        and bool(export.archive)
        and export.ready_at >= now - datetime.timedelta(days=EXPORT_DAYS)
    )


EXPORTS_DIR = "exports"  # models.export_path: exports/<random>/<name>
# An archive stored by a worker killed before its row was saved is deleted after this.
ORPHAN_ARCHIVE_AGE = datetime.timedelta(hours=6)


def orphan_archives_purge(*, now=None):
    """Delete the archives no export points at (a worker killed between storing the file and
    saving its row leaves one: everything about a person). Returns how many."""
    return orphan_files_purge(
        PersonalDataExport._meta.get_field("archive"),
        EXPORTS_DIR,
        older_than=(now or timezone.now()) - ORPHAN_ARCHIVE_AGE,
    )


def personal_data_exports_purge(*, now=None):
    """Delete the archives older than EXPORT_DAYS (the nightly sweep calls it), and those no
    export points at."""
    now = now or timezone.now()
    old = PersonalDataExport.objects.filter(
        ready_at__lt=now - datetime.timedelta(days=EXPORT_DAYS)
    ).exclude(archive="")
    count = 0
    for export in old:
        export.archive.delete(save=False)
        export.archive = ""
        export.save(update_fields=["archive"])
        count += 1
    return count + orphan_archives_purge(now=now)
