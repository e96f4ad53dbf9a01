import csv
import io

import pytest

from competences.importing import COLUMNS
from competences.models import (
    Bloc,
    Competence,
    Criterion,
    ProficiencyLevel,
    Referential,
    ReferentialVersion,
)
from tests import factories


@pytest.fixture
def hub(db):
    """A hub coordinator who may also use the admin site."""
    user = factories.HubCoordinatorFactory()
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def published(db):
    return factories.make_reference(blocs=2, competences=3, criteria=2)


@pytest.fixture
def draft(db):
    return factories.make_reference(blocs=2, competences=2, criteria=2, status="draft")


def make_csv(rows, *, header=COLUMNS, delimiter=";", encoding="utf-8", newline="\r\n"):
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode(encoding)


def row(bloc="B1", competence="B1.C1", criterion="B1.C1.1", **overrides):
    """One valid row (as a list in COLUMNS order) with readable defaults."""
    values = {
        "bloc_code": bloc,
        "bloc_title": f"Bloc {bloc}",
        "bloc_description": "",
        "competence_code": competence,
        "competence_title": f"Compétence {competence}",
        "competence_description": "",
        "criterion_code": criterion,
        "criterion_text": f"Critère {criterion}",
    }
    values.update(overrides)
    return [values[column] for column in COLUMNS]


def counts():
    """Row counts of every table the import writes to (to assert nothing was written)."""
    return {
        model.__name__: model.objects.count()
        for model in (
            Referential,
            ReferentialVersion,
            ProficiencyLevel,
            Bloc,
            Competence,
            Criterion,
        )
    }
