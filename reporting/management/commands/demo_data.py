from django.core.management.base import BaseCommand

from accounts import demo as accounts_demo
from certificates import demo as certificates_demo
from competences import demo as competences_demo
from trainings import demo as trainings_demo
from trainings import demo_evaluation


class Command(BaseCommand):
    help = "Build (or reuse) the Hauts-de-France demo network and print the demo logins."

    def handle(self, *args, **options):
        network = accounts_demo.build()
        competences_demo.build(network)
        trainings_demo.build(network)
        demo_evaluation.build(network)
        certificates_demo.build(network)
        password = accounts_demo.DEMO_PASSWORD
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))
        self.stdout.write(f"Mot de passe de tous les comptes : {password}")
        self.stdout.write(f"  coordination du hub : {network['hub'].email}")
        for trainer in network["trainers"]:
            self.stdout.write(f"  formateur·rice      : {trainer.email}")
        self.stdout.write(
            f"  médiateur·rices     : {network['mediators'][0].email} … "
            f"{network['mediators'][-1].email}"
        )
