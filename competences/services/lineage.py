"""Lineages: "the same bloc or competence" across the versions of a referential.

Evidence (assessments, bloc validations, peer-trainer rights) is kept by lineage, so a row of a
new version must carry the lineage of the row it continues. A version inherits from its lineage
source: the version it was cloned from, else the previous version of the referential. Rows are
matched there by code; a row that has no counterpart (or whose counterpart's lineage is already
taken in the version, by a row renamed meanwhile) starts a lineage of its own.
"""

from ..models import ReferentialVersion
from ..models.reference import new_lineage


def lineage_source(version):
    """The version `version` inherits its lineages from, or None (a referential's first)."""
    if version.cloned_from_id:
        return ReferentialVersion.objects.filter(pk=version.cloned_from_id).first()
    return (
        ReferentialVersion.objects.filter(
            referential_id=version.referential_id, number__lt=version.number
        )
        .exclude(pk=version.pk)
        .order_by("-number")
        .first()
    )


class LineageAllocator:
    """Hands out the lineages of new rows of one kind (Bloc or Competence) in a version.

    Built once per write (one query for the source's codes, one for the lineages already in the
    version), so a bulk insert costs the same whatever its size. Callers hold the version's lock.
    """

    def __init__(self, model, version, source):
        self.inherited = (
            dict(model.objects.filter(version=source).values_list("code", "lineage"))
            if source is not None
            else {}
        )
        self.used = set(model.objects.filter(version=version).values_list("lineage", flat=True))

    def take(self, lineage):
        self.used.add(lineage)
        return lineage

    def for_code(self, code):
        """The source's lineage for `code` when it is free in the version, else a new one."""
        lineage = self.inherited.get(code)
        if lineage is None or lineage in self.used:
            lineage = new_lineage()
        return self.take(lineage)

    def inherited_for(self, code):
        """The source's lineage for `code` when it is free in the version, else None."""
        lineage = self.inherited.get(code)
        return None if lineage is None or lineage in self.used else lineage
