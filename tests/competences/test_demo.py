"""The demo reference: loaded through the import, published, with two pathways; idempotent."""

from django.urls import reverse

from competences import demo
from competences.models import (
    Bloc,
    Competence,
    Criterion,
    Pathway,
    PathwayRequirement,
    Referential,
    ReferentialVersion,
    VersionStatus,
)
from core.models import AuditLog


def _counts():
    return [
        m.objects.count()
        for m in (
            Referential,
            ReferentialVersion,
            Bloc,
            Competence,
            Criterion,
            Pathway,
            PathwayRequirement,
        )
    ]


def test_demo_builds_a_complete_published_reference_once(hub, client_for, user):
    network = {"hub": hub}
    demo.build(network)
    version = network["referential_version"]
    assert version.referential.code == "mediation-numerique"
    assert version.number == 1 and version.status == VersionStatus.PUBLISHED
    assert version.referential.description
    assert AuditLog.objects.filter(action="version.import").exists()  # loaded by the import

    blocs = list(version.blocs.prefetch_related("competences__criteria"))
    assert len(blocs) >= 4
    for bloc in blocs:
        assert bloc.evaluation_modalities and bloc.description
        competences = list(bloc.competences.all())
        assert 4 <= len(competences) <= 6, bloc.code
        for competence in competences:
            assert competence.code.startswith(bloc.code + ".C")
            assert 2 <= len(competence.criteria.all()) <= 4, competence.code
    assert list(version.levels.values_list("label", flat=True)) == [
        "Découverte",
        "En cours d'acquisition",
        "Acquis",
        "Maîtrisé",
    ]

    pathways = {p.code: p for p in network["pathways"]}
    assert set(pathways) == {"socle-mediateur", "mediateur-confirme"}
    socle, full = pathways["socle-mediateur"], pathways["mediateur-confirme"]
    assert list(socle.blocs.values_list("code", flat=True)) == ["B1", "B2"]
    assert socle.min_attended_hours == 14 and socle.validity_months == 36
    assert full.blocs.count() == len(blocs) and full.min_attended_hours > socle.min_attended_hours
    assert full.validity_months == 36
    assert full.requirements.count() == 2

    before = _counts()
    again = {"hub": hub}
    demo.build(again)
    assert _counts() == before
    assert again["referential_version"] == version
    assert [p.pk for p in again["pathways"]] == [p.pk for p in network["pathways"]]

    # Visible in the site to any mediator.
    html = (
        client_for(user)
        .get(reverse("competences:version_detail", args=["mediation-numerique", 1]))
        .content.decode()
    )
    assert "Accueillir et diagnostiquer les besoins des publics" in html
    assert "FranceConnect" in html and "Aidants Connect" in html
