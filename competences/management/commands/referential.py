"""`manage.py referential import|export`: the reference file on the command line.

referential import FILE --code CODE [--title TITLE] [--format csv|xlsx|json]
    creates a new draft version (and the referential, when new), prints its number;
    a refused file exits with status 1 and every issue listed on standard error.
referential export CODE [--version N] [--format csv|xlsx|json] [-o FILE]
    writes a version (default: the latest published, else the latest draft).
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from competences import selectors
from competences.exporting import export_reference
from competences.importing import (
    FORMATS,
    ImportRefused,
    format_from_filename,
    import_reference_file,
)
from competences.models import Referential


class Command(BaseCommand):
    help = (
        "Importe un fichier de référentiel (nouvelle version en brouillon) ou exporte une version."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)

        importing = sub.add_parser("import", help="Importer un fichier en brouillon.")
        importing.add_argument("file", help="Fichier CSV, XLSX ou JSON.")
        importing.add_argument("--code", required=True, help="Code du référentiel.")
        importing.add_argument("--title", default="", help="Intitulé (nouveau référentiel).")
        importing.add_argument("--format", choices=FORMATS, help="Par défaut : l'extension.")

        exporting = sub.add_parser("export", help="Exporter une version.")
        exporting.add_argument("code", help="Code du référentiel.")
        exporting.add_argument("--version", type=int, dest="number", help="Numéro de version.")
        exporting.add_argument(
            "--format", choices=FORMATS, help="Par défaut : celui de -o, sinon csv."
        )
        exporting.add_argument(
            "-o", "--output", help="Fichier de sortie (défaut : sortie standard)."
        )

    def handle(self, *args, **options):
        if options["action"] == "import":
            return self.handle_import(options)
        return self.handle_export(options)

    def handle_import(self, options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("Fichier introuvable : %(path)s") % {"path": path})
        fmt = options["format"] or format_from_filename(path.name)
        if fmt is None:
            raise CommandError(_("Format non reconnu : précisez --format csv, xlsx ou json."))
        try:
            with path.open("rb") as handle:
                version = import_reference_file(
                    actor=None,
                    fileobj=handle,
                    code=options["code"],
                    title=options["title"],
                    fmt=fmt,
                    filename=path.name,
                )
        except ImportRefused as refused:
            for issue in refused.issues:
                self.stderr.write(f"  - {issue}")
            raise CommandError(
                _("Fichier refusé, rien n'a été enregistré : %(n)s problème(s) listé(s) ci-dessus.")
                % {"n": len(refused.issues)}
            ) from None
        self.stderr.write(
            self.style.SUCCESS(
                _("Version %(n)s de « %(title)s » créée en brouillon.")
                % {"n": version.number, "title": version.referential.title}
            )
        )
        self.stdout.write(str(version.number))

    def handle_export(self, options):
        referential = Referential.objects.filter(code=options["code"]).first()
        if referential is None:
            raise CommandError(_("Référentiel inconnu : %(code)s") % {"code": options["code"]})
        if options["number"] is not None:
            version = selectors.version_by_number(referential.code, options["number"])
            if version is None:
                raise CommandError(_("Version inconnue : %(n)s") % {"n": options["number"]})
        else:
            version = selectors.default_export_version(referential)
            if version is None:
                raise CommandError(_("Ce référentiel n'a ni version publiée ni brouillon."))
        output = options["output"]
        fmt = options["format"] or (format_from_filename(output) if output else None) or "csv"
        exported = export_reference(version, fmt)
        if output:
            Path(output).write_bytes(exported.content)
            self.stderr.write(
                self.style.SUCCESS(
                    _("%(version)s exportée dans %(path)s.") % {"version": version, "path": output}
                )
            )
        else:
            stream = getattr(self.stdout, "_out", sys.stdout)
            buffer = getattr(stream, "buffer", None)
            if buffer is not None:
                stream.flush()
                buffer.write(exported.content)
                buffer.flush()
            elif fmt == "xlsx":
                raise CommandError(_("Le format XLSX est binaire : indiquez un fichier avec -o."))
            else:
                stream.write(exported.content.decode("utf-8"))
