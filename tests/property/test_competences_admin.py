"""Competences admin (the hub's own forms on a draft version): referential, bloc, competence,
criterion and pathway add forms with hostile values."""

import pytest
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from competences.models import Bloc, Competence, Criterion, Pathway, Referential
from tests import factories

from .helpers import assert_escaped, counts, hostile_text, ids, isolated, maybe_hostile, status_of

pytestmark = pytest.mark.django_db

HUGE = "9" * 25
WRITTEN = (Referential, Bloc, Competence, Criterion, Pathway)


@pytest.fixture
def hub(hostile_client):
    user = factories.HubCoordinatorFactory(is_staff=True)
    hostile_client.force_login(user)
    return user


@pytest.fixture
def versions(db):
    return {
        "draft": factories.make_reference(blocs=1, competences=1, criteria=1, status="draft"),
        "published": factories.make_reference(blocs=1, competences=1, criteria=1),
    }


def _management(*prefixes):
    data = {}
    for prefix in prefixes:
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data


def _forms(versions):
    draft, published = versions["draft"], versions["published"]
    bloc = draft.blocs.get()
    competence = draft.competences.get()
    return {
        "referential": (
            {"code": "nouveau", "title": "Nouveau", "description": ""},
            ["code", "title", "description"],
        ),
        "bloc": (
            {
                "version": draft.pk,
                "code": "B9",
                "national_code": "",
                "title": "Bloc neuf",
                "description": "",
                "evaluation_modalities": "",
                "order": "9",
            }
            | _management("competences"),
            [
                "version",
                "code",
                "national_code",
                "title",
                "description",
                "evaluation_modalities",
                "order",
            ],
        ),
        "competence": (
            {
                "bloc": bloc.pk,
                "code": "B1.C9",
                "title": "Compétence neuve",
                "description": "",
                "order": "9",
            }
            | _management("criteria"),
            ["bloc", "code", "title", "description", "order", "substantially_changed"],
        ),
        "criterion": (
            {"competence": competence.pk, "code": "B1.C1.9", "text": "Critère neuf", "order": "9"},
            ["competence", "code", "text", "order"],
        ),
        "pathway": (
            {
                "version": published.pk,
                "code": "socle",
                "title": "Socle",
                "description": "",
                "audience": "novice",
                "min_attended_hours": "14",
                "validity_months": "36",
                "national_code": "",
                "is_active": "on",
                "pathway_blocs-TOTAL_FORMS": "1",
                "pathway_blocs-INITIAL_FORMS": "0",
                "pathway_blocs-0-bloc": str(published.blocs.get().pk),
                "pathway_blocs-0-order": "1",
            }
            | _management("requirements"),
            [
                "version",
                "code",
                "title",
                "description",
                "audience",
                "min_attended_hours",
                "validity_months",
                "national_code",
                "pathway_blocs-0-bloc",
                "pathway_blocs-0-order",
                "pathway_blocs-TOTAL_FORMS",
            ],
        ),
    }


VALUE = st.one_of(maybe_hostile(), ids(), hostile_text(max_size=300))


@example(model="pathway", overrides={10: ":"})  # the inline's count was read with int(): a 500
@example(model="pathway", overrides={8: "²"})
@example(model="pathway", overrides={10: "9" * 25})  # and looped over that many rows
@given(
    model=st.sampled_from(["referential", "bloc", "competence", "criterion", "pathway"]),
    overrides=st.dictionaries(st.integers(0, 10), VALUE, max_size=3),
)
def test_admin_add_forms(hostile_client, hub, versions, model, overrides):
    data, fields = _forms(versions)[model]
    data = dict(data)
    for index, value in overrides.items():
        data[fields[index % len(fields)]] = value
    url = reverse(f"admin:competences_{model}_add")
    with isolated():
        before = counts(*WRITTEN)
        response = hostile_client.post(url, data)
        status_of(response, (200, 302))
        hostile = [str(v) for v in data.values()]
        if response.status_code == 302:
            listing = hostile_client.get(reverse(f"admin:competences_{model}_changelist"))
            status_of(listing, (200,))
            assert_escaped(listing.content, *hostile)
        else:
            assert counts(*WRITTEN) == before
            assert_escaped(response.content, *hostile)
