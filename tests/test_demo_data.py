import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Membership, Structure, User
from certificates.models import (
    BlocValidation,
    Enrollment,
    EnrollmentStatus,
    PathwayCertification,
)
from competences.models import Pathway, ReferentialVersion
from core.permissions import is_hub_coordinator
from trainings.models import Assessment, Attendance, Registration, Session, SessionStatus
from trainings.services.status import competence_status_rebuild


def _counts():
    models = [
        User,
        Structure,
        Membership,
        ReferentialVersion,
        Pathway,
        Session,
        Registration,
        Attendance,
        Assessment,
        Enrollment,
        BlocValidation,
        PathwayCertification,
    ]
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
def test_demo_data_builds_a_network_and_is_idempotent(capsys):
    call_command("demo_data")
    output = capsys.readouterr().out
    assert "coordination@demo.socle.test" in output
    counts = _counts()
    assert User.objects.filter(email__startswith="mediateur").count() == 30
    departements = set(Structure.objects.values_list("commune__departement_id", flat=True))
    assert departements == {"02", "59", "60", "62", "80"}
    kinds = set(Structure.objects.values_list("kind", flat=True))
    assert len(kinds) == 7
    assert is_hub_coordinator(User.objects.get(email="coordination@demo.socle.test"))

    assert ReferentialVersion.objects.filter(status="published").count() == 1
    assert Pathway.objects.count() == 2
    statuses = set(Session.objects.values_list("status", flat=True))
    assert {SessionStatus.CLOSED, SessionStatus.HELD, SessionStatus.PUBLISHED} <= statuses
    closed = Session.objects.get(status=SessionStatus.CLOSED)
    assert Attendance.objects.filter(slot__session=closed).exists()
    assert Assessment.objects.filter(session=closed).exists()
    assert Assessment.objects.filter(assessor_role="self").exists()

    _assert_certification_situations()

    call_command("demo_data")
    assert _counts() == counts


def _assert_certification_situations():
    def enrollment(n, code="socle-mediateur"):
        return Enrollment.objects.get(
            user__email=f"mediateur{n}@demo.socle.test", pathway__code=code
        )

    assert enrollment(26).status == EnrollmentStatus.CERTIFIED
    assert enrollment(26, "mediateur-confirme").status == EnrollmentStatus.IN_PROGRESS
    one_bloc = enrollment(27)
    assert list(
        BlocValidation.objects.filter(enrollment=one_bloc).values_list("bloc__code", flat=True)
    ) == ["B1"]
    short = enrollment(28)
    assert short.status == EnrollmentStatus.IN_PROGRESS
    assert BlocValidation.objects.filter(enrollment=short).count() == 2
    expiring = PathwayCertification.objects.get(enrollment=enrollment(29), is_current=True)
    assert 0 < (expiring.valid_until - timezone.localdate()).days <= 31
    manual = BlocValidation.objects.get(enrollment=enrollment(30))
    assert manual.basis == "manual" and manual.proof
    # The status table the services kept equals its rebuild.
    assert competence_status_rebuild() == (0, 0)
