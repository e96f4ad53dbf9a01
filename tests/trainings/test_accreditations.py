"""Trainer accreditations: the hub grants and revokes them; rules and pages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.exceptions import DomainError
from core.models import AuditLog
from tests import factories
from trainings.models import TrainerAccreditation
from trainings.permissions import can_train_bloc, is_trainer, trainer_candidates
from trainings.services import accreditations as services

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _grant(hub_user, user, blocs, **kwargs):
    kwargs.setdefault("valid_from", TODAY())
    kwargs.setdefault("valid_until", TODAY() + datetime.timedelta(days=365))
    return services.accreditation_grant(actor=hub_user, user=user, blocs=blocs, **kwargs)


def test_hub_grants_several_blocs(hub_user, user, reference):
    blocs = list(reference.blocs.all())
    granted = _grant(hub_user, user, blocs)
    assert len(granted) == 2
    assert all(can_train_bloc(user, bloc) for bloc in blocs)
    assert is_trainer(user)
    assert AuditLog.objects.filter(action="accreditation.grant").count() == 2
    assert user in trainer_candidates(reference)


def test_only_the_hub_grants(user, reference):
    with pytest.raises(DomainError) as error:
        _grant(user, user, list(reference.blocs.all()))
    assert error.value.code == "not_hub"
    assert not TrainerAccreditation.objects.exists()


def test_dates_must_be_ordered(hub_user, user, bloc1):
    with pytest.raises(DomainError) as error:
        _grant(hub_user, user, [bloc1], valid_until=TODAY() - datetime.timedelta(days=1))
    assert error.value.code == "dates_unordered"
    assert not TrainerAccreditation.objects.exists()


def test_overlap_is_refused_and_nothing_written(hub_user, user, bloc1, bloc2):
    _grant(hub_user, user, [bloc1])
    with pytest.raises(DomainError) as error:
        _grant(hub_user, user, [bloc2, bloc1])
    assert error.value.code == "already_accredited"
    # The whole grant is refused: bloc2 was not written either.
    assert TrainerAccreditation.objects.count() == 1


def test_draft_version_blocs_are_refused(hub_user, user):
    draft = factories.make_reference(status="draft")
    with pytest.raises(DomainError) as error:
        _grant(hub_user, user, list(draft.blocs.all()))
    assert error.value.code == "version_not_published"


def test_accreditation_covers_the_same_bloc_in_a_later_version(hub_user, user, reference, bloc1):
    _grant(hub_user, user, [bloc1])
    later = factories.make_reference(referential=reference.referential)
    assert can_train_bloc(user, later.blocs.get(code="B1"))
    assert not can_train_bloc(user, factories.make_reference().blocs.get(code="B1"))


def test_validity_window(hub_user, user, bloc1):
    start = TODAY() + datetime.timedelta(days=10)
    _grant(
        hub_user, user, [bloc1], valid_from=start, valid_until=start + datetime.timedelta(days=5)
    )
    assert not can_train_bloc(user, bloc1)
    assert can_train_bloc(user, bloc1, start)
    assert not can_train_bloc(user, bloc1, start + datetime.timedelta(days=6))


def test_revoke(hub_user, user, bloc1):
    (accreditation,) = _grant(hub_user, user, [bloc1])
    services.accreditation_revoke(actor=hub_user, accreditation=accreditation, reason="Départ")
    accreditation.refresh_from_db()
    assert accreditation.revoked_at and "Départ" in accreditation.note
    assert not can_train_bloc(user, bloc1)
    with pytest.raises(DomainError) as error:
        services.accreditation_revoke(actor=hub_user, accreditation=accreditation)
    assert error.value.code == "already_revoked"


# Pages ---------------------------------------------------------------------------------------


def test_pages_are_for_the_hub_only(client_for, user, trainer):
    for url in (
        reverse("trainings:accreditation_list"),
        reverse("trainings:accreditation_grant"),
        reverse("trainings:trainer_history", args=[trainer.pk]),
    ):
        assert client_for(user).get(url).status_code == 403
        assert client_for(trainer).get(url).status_code == 403
    accreditation = trainer.accreditations.get()
    url = reverse("trainings:accreditation_revoke", args=[accreditation.pk])
    assert client_for(trainer).post(url).status_code == 403
    accreditation.refresh_from_db()
    assert accreditation.revoked_at is None


def test_grant_page(client_for, hub_user, user, bloc1, bloc2):
    client = client_for(hub_user)
    assert client.get(reverse("trainings:accreditation_grant")).status_code == 200
    data = {
        "email": user.email,
        "blocs": [bloc1.pk, bloc2.pk],
        "valid_from": TODAY().isoformat(),
        "valid_until": (TODAY() + datetime.timedelta(days=30)).isoformat(),
    }
    response = client.post(reverse("trainings:accreditation_grant"), data, follow=True)
    assert "est habilité·e sur 2 blocs" in response.content.decode()
    assert user.accreditations.count() == 2
    data["valid_until"] = (TODAY() - datetime.timedelta(days=3)).isoformat()
    data["email"] = factories.UserFactory().email
    response = client.post(reverse("trainings:accreditation_grant"), data)
    assert response.status_code == 400
    assert "doit suivre le début" in response.content.decode()


def test_list_filters_and_revoke(client_for, hub_user, trainer, bloc2):
    other = factories.AccreditationFactory(bloc=bloc2)
    client = client_for(hub_user)
    url = reverse("trainings:accreditation_list")
    content = client.get(url, {"bloc": "B2"}).content.decode()
    assert other.user.email in content and trainer.email not in content
    content = client.get(url, {"q": "Benali"}).content.decode()
    assert trainer.email in content and other.user.email not in content
    client.post(reverse("trainings:accreditation_revoke", args=[other.pk]), {"reason": "Fin"})
    other.refresh_from_db()
    assert other.revoked_at is not None
    content = client.get(url, {"state": "revoked"}).content.decode()
    assert other.user.email in content and trainer.email not in content


@pytest.mark.parametrize("count", [2, 20])
def test_list_constant_queries(
    client_for, hub_user, reference, django_assert_max_num_queries, count
):
    for bloc in reference.blocs.all():
        factories.AccreditationFactory.create_batch(count // 2, bloc=bloc)
    client = client_for(hub_user)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("trainings:accreditation_list"))
    assert len(response.context["page"]) == count


def test_trainer_history_shows_who_trained_whom(client_for, hub_user):
    session = factories.make_session(participants=2, status="closed")
    trainer = session.trainers.get()
    content = (
        client_for(hub_user)
        .get(reverse("trainings:trainer_history", args=[trainer.pk]))
        .content.decode()
    )
    assert session.title in content
    for registration in session.registrations.all():
        assert registration.user.get_full_name() in content


def test_trainer_history_is_paginated_with_constant_queries(
    client_for, hub_user, django_assert_max_num_queries
):
    from trainings.selectors.sessions import TRAINER_HISTORY_PER_PAGE

    trainer = factories.UserFactory()
    for _ in range(TRAINER_HISTORY_PER_PAGE + 1):
        factories.make_session(trainer=trainer, participants=2, status="closed")
    client = client_for(hub_user)
    url = reverse("trainings:trainer_history", args=[trainer.pk])
    client.get(url)  # the first read of another person's history is logged once
    with django_assert_max_num_queries(16):
        first = client.get(url).context["sessions"]
    assert len(first) == TRAINER_HISTORY_PER_PAGE and first.has_next()
    assert len(client.get(url, {"page": 2}).context["sessions"]) == 1


def test_a_revocation_keeps_the_days_before_it(db):
    """Revoking set revoked_at and the accreditation vanished from every date, so an assessment
    made while accredited looked as if it had been made by someone who was not."""
    import datetime

    from django.utils import timezone

    from trainings.permissions import trainer_role_for
    from trainings.services.accreditations import accreditation_revoke

    accreditation = factories.AccreditationFactory()
    hub = factories.HubCoordinatorFactory()
    bloc, user = accreditation.bloc, accreditation.user
    last_month = timezone.localdate() - datetime.timedelta(days=30)
    accreditation_revoke(actor=hub, accreditation=accreditation, reason="Départ")
    assert trainer_role_for(user, bloc, last_month) == "accredited"
    assert trainer_role_for(user, bloc, timezone.localdate()) is None
