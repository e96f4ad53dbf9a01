"""Erase (pseudonymise) a person on their written request, when they cannot do it themselves
from « Mes données ». Shows what would block it and does nothing unless --wet-run is given.

    .venv/bin/python manage.py erase_person personne@example.org --wet-run
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from privacy.models import ErasureRequest
from privacy.services.erasure import erasure_blockers, person_erase


class Command(BaseCommand):
    help = "Efface (pseudonymise) les données d'une personne, à sa demande."

    def add_arguments(self, parser):
        parser.add_argument("email", help="L'adresse e-mail du compte.")
        parser.add_argument(
            "--wet-run",
            action="store_true",
            help="Effacer vraiment ; sans cette option, la commande vérifie seulement.",
        )

    def handle(self, *args, email, wet_run=False, **options):
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"Aucun compte n'a l'adresse {email}.")
        if user.anonymised_at is not None:
            self.stdout.write("Ce compte est déjà anonymisé.")
            return
        blockers = erasure_blockers(user)
        if blockers:
            raise CommandError(" ".join(str(b) for b in blockers))
        if not wet_run:
            self.stdout.write("Ce compte peut être effacé. Relancez avec --wet-run pour l'effacer.")
            return
        with transaction.atomic():
            # The request is kept as the proof that it was honoured.
            ErasureRequest.objects.get_or_create(user=user)
            counts = person_erase(user=user)
        details = ", ".join(f"{key} : {value}" for key, value in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Compte anonymisé ({details})."))
