"""Comparing two versions of a referential, item by item.

Blocs and competences are matched on their lineage (so a renamed code is a change, not a
removal and an addition), then on their code; criteria and levels on their code and rank.
A competence matched on its code only was marked substantially changed: evidence from the older
version does not count for it.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import DomainError

from .selectors import version_with_content

FIELD_LABELS = {
    "title": gettext_lazy("intitulé"),
    "description": gettext_lazy("description"),
    "evaluation_modalities": gettext_lazy("modalités d'évaluation"),
    "order": gettext_lazy("ordre"),
    "parent": gettext_lazy("rattachement"),
    "text": gettext_lazy("texte"),
    "label": gettext_lazy("libellé"),
    "counts_as_acquired": gettext_lazy("seuil « acquis »"),
    "national_code": gettext_lazy("code France Compétences"),
}
CODE_LABEL = gettext_lazy("code")
EVIDENCE_LABEL = gettext_lazy("évaluations de la version de départ")


@dataclass
class Item:
    code: str
    label: str  # title or text
    parent: str = ""
    values: dict = field(default_factory=dict)
    ref: object = None  # the row's primary key
    parent_ref: object = None  # the parent row's primary key (a competence's bloc...)
    lineage: object = None  # blocs and competences: what evidence is kept by


@dataclass
class Change:
    code: str  # the code in the newer version
    old: Item
    new: Item
    fields: list  # [(field name, label, old value, new value)]

    @property
    def renamed(self):
        return self.old.code != self.new.code

    @property
    def evidence_lost(self):
        """Matched by code but not by lineage: the hub marked it substantially changed (here or
        in a version between the two), so what was assessed on the older one does not count."""
        return self.old.lineage is not None and self.old.lineage != self.new.lineage


@dataclass
class KindDiff:
    name: str
    title: str
    # Headings agreeing with the kind's gender and number ("Compétences modifiées").
    added_title: str = ""
    removed_title: str = ""
    changed_title: str = ""
    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    matches: dict = field(default_factory=dict)  # {old row pk: new row pk}

    @property
    def is_empty(self):
        return not (self.added or self.removed or self.changed)

    @property
    def renamed(self):
        return [change for change in self.changed if change.renamed]

    @property
    def evidence_lost(self):
        return [change for change in self.changed if change.evidence_lost]


@dataclass
class VersionDiff:
    old: object
    new: object
    kinds: list

    @property
    def is_empty(self):
        return all(kind.is_empty for kind in self.kinds)

    def totals(self):
        return {
            "added": sum(len(k.added) for k in self.kinds),
            "removed": sum(len(k.removed) for k in self.kinds),
            "changed": sum(len(k.changed) for k in self.kinds),
        }

    def by_name(self, name):
        return next(kind for kind in self.kinds if kind.name == name)

    @property
    def renamed(self):
        """Blocs and competences whose code changed: the same items, evidence still counts."""
        return [change for kind in self.kinds for change in kind.renamed]

    @property
    def substantially_changed(self):
        """Competences for which evidence from the older version does not count."""
        return self.by_name("competences").evidence_lost


def _items(version):
    blocs, competences, criteria = [], [], []
    for bloc in version.blocs.all():
        blocs.append(
            Item(
                bloc.code,
                bloc.title,
                values={
                    "title": bloc.title,
                    "description": bloc.description,
                    "evaluation_modalities": bloc.evaluation_modalities,
                    "national_code": bloc.national_code,
                    "order": bloc.order,
                },
                ref=bloc.pk,
                lineage=bloc.lineage,
            )
        )
        for competence in bloc.competences.all():
            competences.append(
                Item(
                    competence.code,
                    competence.title,
                    parent=bloc.code,
                    values={
                        "title": competence.title,
                        "description": competence.description,
                        "order": competence.order,
                        "parent": bloc.code,
                    },
                    ref=competence.pk,
                    parent_ref=bloc.pk,
                    lineage=competence.lineage,
                )
            )
            for criterion in competence.criteria.all():
                criteria.append(
                    Item(
                        criterion.code,
                        criterion.text,
                        parent=competence.code,
                        values={
                            "text": criterion.text,
                            "order": criterion.order,
                            "parent": competence.code,
                        },
                        ref=criterion.pk,
                        parent_ref=competence.pk,
                    )
                )
    levels = [
        Item(
            str(level.rank),
            level.label,
            values={
                "label": level.label,
                "description": level.description,
                "counts_as_acquired": _("oui") if level.counts_as_acquired else _("non"),
            },
            ref=level.pk,
        )
        for level in version.levels.all()
    ]
    return {"blocs": blocs, "competences": competences, "criteria": criteria, "levels": levels}


def _pairs(old_items, new_items):
    """Match each old item to its new counterpart: by lineage first (a renamed code is still
    the same item), then by code among the rest (a competence marked substantially changed
    keeps its code but not its lineage). Returns {old ref: new item}, in the old order."""
    new_by_lineage = {item.lineage: item for item in new_items if item.lineage is not None}
    matched, taken = {}, set()
    for item in old_items:
        new = new_by_lineage.get(item.lineage) if item.lineage is not None else None
        if new is not None:
            matched[item.ref] = new
            taken.add(new.ref)
    new_by_code = {item.code: item for item in new_items if item.ref not in taken}
    for item in old_items:
        if item.ref not in matched and item.code in new_by_code:
            matched[item.ref] = new_by_code.pop(item.code)
    return {item.ref: matched[item.ref] for item in old_items if item.ref in matched}


def _titles(name):
    """The headings of a kind's added, removed and changed items, in the kind's gender."""
    return {
        "blocs": (_("Blocs ajoutés"), _("Blocs supprimés"), _("Blocs modifiés")),
        "competences": (
            _("Compétences ajoutées"),
            _("Compétences supprimées"),
            _("Compétences modifiées"),
        ),
        "criteria": (_("Critères ajoutés"), _("Critères supprimés"), _("Critères modifiés")),
        "levels": (_("Niveaux ajoutés"), _("Niveaux supprimés"), _("Niveaux modifiés")),
    }[name]


def _compare(name, title, old_items, new_items, parents=None):
    """`parents` is the parent kind's {old pk: new pk}: an item stays under "the same" parent
    when its parent was matched to its new parent, even if that parent's code changed."""
    added_title, removed_title, changed_title = _titles(name)
    kind = KindDiff(
        name=name,
        title=title,
        added_title=added_title,
        removed_title=removed_title,
        changed_title=changed_title,
    )
    pairs = _pairs(old_items, new_items)
    kind.matches = {ref: new.ref for ref, new in pairs.items()}
    matched_new = set(kind.matches.values())
    kind.added = [item for item in new_items if item.ref not in matched_new]
    for item in old_items:
        new = pairs.get(item.ref)
        if new is None:
            kind.removed.append(item)
            continue
        fields = []
        if item.code != new.code:
            fields.append(("code", CODE_LABEL, item.code, new.code))
        for key, value in item.values.items():
            if key == "parent" and parents is not None:
                same = parents.get(item.parent_ref) == new.parent_ref
            else:
                same = value == new.values[key]
            if not same:
                fields.append((key, FIELD_LABELS[key], value, new.values[key]))
        change = Change(code=new.code, old=item, new=new, fields=fields)
        if change.evidence_lost:
            change.fields.append(("evidence", EVIDENCE_LABEL, _("comptent"), _("ne comptent plus")))
        if change.fields:
            kind.changed.append(change)
    return kind


def diff_versions(old, new):
    """What changed from version `old` to version `new` of the same referential."""
    if old.referential_id != new.referential_id:
        raise DomainError(
            _("On ne compare que deux versions d'un même référentiel."), "diff_other_referential"
        )
    old = version_with_content(old)
    new = version_with_content(new)
    old_items, new_items = _items(old), _items(new)
    blocs = _compare("blocs", _("Blocs"), old_items["blocs"], new_items["blocs"])
    competences = _compare(
        "competences",
        _("Compétences"),
        old_items["competences"],
        new_items["competences"],
        parents=blocs.matches,
    )
    criteria = _compare(
        "criteria",
        _("Critères d'évaluation"),
        old_items["criteria"],
        new_items["criteria"],
        parents=competences.matches,
    )
    levels = _compare("levels", _("Échelle de maîtrise"), old_items["levels"], new_items["levels"])
    kinds = [blocs, competences, criteria, levels]
    return VersionDiff(old=old, new=new, kinds=kinds)
