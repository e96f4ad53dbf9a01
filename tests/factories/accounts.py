import factory
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group

from accounts.models import Commune, MediatorFunction, Membership, Structure, StructureKind, User

__all__ = [
    "DEFAULT_PASSWORD",
    "HubCoordinatorFactory",
    "MembershipFactory",
    "StructureFactory",
    "UserFactory",
]

DEFAULT_PASSWORD = "un-mot-de-passe-solide-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.test")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, primary=True, verified=True)


class HubCoordinatorFactory(UserFactory):
    @factory.post_generation
    def hub_group(obj, create, extracted, **kwargs):
        if create:
            group, _ = Group.objects.get_or_create(name=settings.SOCLE_HUB_COORDINATOR_GROUP)
            obj.groups.add(group)


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Structure

    name = factory.Sequence(lambda n: f"Espace numérique n°{n}")
    kind = StructureKind.ASSOCIATION
    commune = factory.LazyFunction(lambda: Commune.objects.get(insee_code="59350"))  # Lille
    postal_code = "59000"
    verified = True


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    structure = factory.SubFactory(StructureFactory)
    function = MediatorFunction.AIDANT
    status = "approved"

    @factory.post_generation
    def main(obj, create, extracted, **kwargs):
        # As accounts.services does: the first approved attachment is where the person counts.
        if create and obj.status == "approved":
            from accounts.services import main_membership_refresh

            main_membership_refresh(user=obj.user)
            obj.user.refresh_from_db(fields=["main_membership"])
