"""Comparing two versions of a referential, item by item, matched on their codes."""

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
}


@dataclass
class Item:
    code: str
    label: str  # title or text
    parent: str = ""
    values: dict = field(default_factory=dict)


@dataclass
class Change:
    code: str
    old: Item
    new: Item
    fields: list  # [(field name, label, old value, new value)]


@dataclass
class KindDiff:
    name: str
    title: str
    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    changed: list = field(default_factory=list)

    @property
    def is_empty(self):
        return not (self.added or self.removed or self.changed)


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


def _items(version):
    blocs, competences, criteria = {}, {}, {}
    for bloc in version.blocs.all():
        blocs[bloc.code] = Item(
            bloc.code,
            bloc.title,
            values={
                "title": bloc.title,
                "description": bloc.description,
                "evaluation_modalities": bloc.evaluation_modalities,
                "order": bloc.order,
            },
        )
        for competence in bloc.competences.all():
            competences[competence.code] = Item(
                competence.code,
                competence.title,
                parent=bloc.code,
                values={
                    "title": competence.title,
                    "description": competence.description,
                    "order": competence.order,
                    "parent": bloc.code,
                },
            )
            for criterion in competence.criteria.all():
                criteria[criterion.code] = Item(
                    criterion.code,
                    criterion.text,
                    parent=competence.code,
                    values={
                        "text": criterion.text,
                        "order": criterion.order,
                        "parent": competence.code,
                    },
                )
    levels = {
        str(level.rank): Item(
            str(level.rank),
            level.label,
            values={
                "label": level.label,
                "description": level.description,
                "counts_as_acquired": _("oui") if level.counts_as_acquired else _("non"),
            },
        )
        for level in version.levels.all()
    }
    return {"blocs": blocs, "competences": competences, "criteria": criteria, "levels": levels}


def _compare(name, title, old_items, new_items):
    kind = KindDiff(name=name, title=title)
    for code, item in new_items.items():
        if code not in old_items:
            kind.added.append(item)
    for code, item in old_items.items():
        if code not in new_items:
            kind.removed.append(item)
            continue
        new = new_items[code]
        fields = [
            (key, FIELD_LABELS[key], value, new.values[key])
            for key, value in item.values.items()
            if value != new.values[key]
        ]
        if fields:
            kind.changed.append(Change(code=code, old=item, new=new, fields=fields))
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
    kinds = [
        _compare("blocs", _("Blocs"), old_items["blocs"], new_items["blocs"]),
        _compare(
            "competences", _("Compétences"), old_items["competences"], new_items["competences"]
        ),
        _compare(
            "criteria", _("Critères d'évaluation"), old_items["criteria"], new_items["criteria"]
        ),
        _compare("levels", _("Échelle de maîtrise"), old_items["levels"], new_items["levels"]),
    ]
    return VersionDiff(old=old, new=new, kinds=kinds)
