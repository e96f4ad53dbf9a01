"""The hub's editing of a draft version: one page per object, back to the version's page.

Every write goes through `competences.services`, which re-reads the version under a lock and
refuses a published or retired one; the checks here only spare the hub a form it cannot use.
"""

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.exceptions import DomainError, DomainErrors
from core.permissions import hub_coordinator_required

from . import selectors, services
from .forms import (
    DraftBlocForm,
    DraftCompetenceForm,
    DraftCriterionForm,
    DraftLevelForm,
    DraftVersionForm,
)
from .models import Bloc, Competence, Criterion, ProficiencyLevel

FROZEN = "version_frozen"


def _version(code, number):
    version = selectors.version_by_number(code, number)
    if version is None:
        raise Http404
    return version


def _back(version, anchor=""):
    url = reverse(
        "competences:version_detail",
        kwargs={"code": version.referential.code, "number": version.number},
    )
    return redirect(f"{url}#{anchor}" if anchor else url)


def _refuse_frozen(request, version, message=None):
    messages.error(request, message or services.frozen_error().message)
    return _back(version)


def _add_domain_error(form, error):
    for each in error.errors if isinstance(error, DomainErrors) else [error]:
        form.add_error(each.field if each.field in form.fields else None, each.message)


def _add_validation_error(form, error):
    for name, errors in error.message_dict.items():
        field = name if name in form.fields and name != NON_FIELD_ERRORS else None
        form.add_error(field, errors)


def _changes(obj, cleaned, names):
    """The fields whose value differs from the object's: only those are written and logged."""
    changed = {}
    for name in names:
        value = cleaned.get(name)
        if name == "order" and value is None:
            continue  # left empty: the item keeps its place
        if getattr(obj, name) != value:
            changed[name] = value
    return changed


def _form_page(request, version, form, save, *, title, intro="", submit, anchor=""):
    """GET shows the form; a valid POST calls `save(cleaned_data)`, which returns the success
    message and the anchor to go back to, or None when nothing changed."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except DomainError as error:
            if error.code == FROZEN:
                return _refuse_frozen(request, version, error.message)
            _add_domain_error(form, error)
        except ValidationError as error:
            _add_validation_error(form, error)
        else:
            if saved is None:
                if version.is_frozen:
                    return _refuse_frozen(request, version)
                messages.info(request, _("Aucune modification : rien n'a été enregistré."))
                return _back(version, anchor)
            message, anchor = saved
            messages.success(request, message)
            return _back(version, anchor)
    elif version.is_frozen:
        return _refuse_frozen(request, version)
    return render(
        request,
        "competences/draft_form.html",
        {
            "version": version,
            "referential": version.referential,
            "form": form,
            "page_title": title,
            "intro": intro,
            "submit": submit,
            "anchor": anchor,
        },
        status=400 if form.errors else 200,
    )


def _delete_page(request, version, delete, *, title, consequence, done, anchor):
    """GET asks for confirmation; POST deletes through the service (which refuses a frozen
    version or an item in use) and goes back to the version's page."""
    if request.method == "POST":
        try:
            delete()
        except DomainError as error:
            messages.error(request, error.message)
            return _back(version, "" if error.code == FROZEN else anchor)
        messages.success(request, done)
        return _back(version)
    if version.is_frozen:
        return _refuse_frozen(request, version)
    return render(
        request,
        "competences/draft_confirm_delete.html",
        {
            "version": version,
            "referential": version.referential,
            "page_title": title,
            "consequence": consequence,
            "anchor": anchor,
        },
    )


# The version itself ---------------------------------------------------------------------------


@hub_coordinator_required
def version_update(request, code, number):
    version = _version(code, number)
    fields = ("notes", "peer_assessment_needs_confirmation")
    form = DraftVersionForm(
        request.POST or None, initial={name: getattr(version, name) for name in fields}
    )

    def save(cleaned):
        changed = _changes(version, cleaned, fields)
        if not changed:
            return None
        services.version_update(actor=request.user, version=version, **changed)
        return _("Le brouillon %(n)s est modifié.") % {"n": version.number}, ""

    return _form_page(
        request,
        version,
        form,
        save,
        title=_("Modifier la version %(n)s") % {"n": version.number},
        submit=_("Enregistrer"),
    )


# Blocs ---------------------------------------------------------------------------------------

BLOC_FIELDS = ("code", "title", "description", "evaluation_modalities", "national_code", "order")


@hub_coordinator_required
def bloc_create(request, code, number):
    version = _version(code, number)
    form = DraftBlocForm(request.POST or None)

    def save(cleaned):
        bloc = services.bloc_create(
            actor=request.user, version=version, **{name: cleaned[name] for name in BLOC_FIELDS}
        )
        return _("Le bloc %(code)s est ajouté.") % {"code": bloc.code}, bloc.code

    return _form_page(
        request, version, form, save, title=_("Ajouter un bloc"), submit=_("Ajouter le bloc")
    )


@hub_coordinator_required
def bloc_update(request, code, number, pk):
    version = _version(code, number)
    bloc = get_object_or_404(Bloc, pk=pk, version=version)
    form = DraftBlocForm(
        request.POST or None, initial={name: getattr(bloc, name) for name in BLOC_FIELDS}
    )

    def save(cleaned):
        changed = _changes(bloc, cleaned, BLOC_FIELDS)
        if not changed:
            return None
        services.bloc_update(actor=request.user, bloc=bloc, **changed)
        return _("Le bloc %(code)s est modifié.") % {"code": bloc.code}, bloc.code

    return _form_page(
        request,
        version,
        form,
        save,
        title=_("Modifier le bloc %(code)s") % {"code": bloc.code},
        submit=_("Enregistrer"),
        anchor=bloc.code,
    )


@hub_coordinator_required
def bloc_delete(request, code, number, pk):
    version = _version(code, number)
    bloc = get_object_or_404(Bloc, pk=pk, version=version)
    return _delete_page(
        request,
        version,
        lambda: services.bloc_delete(actor=request.user, bloc=bloc),
        title=_("Supprimer le bloc %(code)s — %(title)s")
        % {"code": bloc.code, "title": bloc.title},
        consequence=_(
            "Ses compétences et leurs critères sont supprimés avec lui. La suppression est "
            "définitive."
        ),
        done=_("Le bloc %(code)s est supprimé.") % {"code": bloc.code},
        anchor=bloc.code,
    )


# Competences ---------------------------------------------------------------------------------

COMPETENCE_FIELDS = ("code", "title", "description", "order")


def _competence_form(request, version, *, initial, with_lineage):
    blocs = list(version.blocs.order_by("order", "code"))
    form = DraftCompetenceForm(
        request.POST or None, initial=initial, blocs=blocs, with_lineage=with_lineage
    )
    return form, {bloc.pk: bloc for bloc in blocs}


@hub_coordinator_required
def competence_create(request, code, number, bloc_pk):
    version = _version(code, number)
    bloc = get_object_or_404(Bloc, pk=bloc_pk, version=version)
    form, blocs = _competence_form(request, version, initial={"bloc": bloc.pk}, with_lineage=False)

    def save(cleaned):
        competence = services.competence_create(
            actor=request.user,
            bloc=blocs[cleaned["bloc"]],
            **{name: cleaned[name] for name in COMPETENCE_FIELDS},
        )
        return (
            _("La compétence %(code)s est ajoutée.") % {"code": competence.code},
            competence.code,
        )

    return _form_page(
        request,
        version,
        form,
        save,
        title=_("Ajouter une compétence au bloc %(code)s") % {"code": bloc.code},
        submit=_("Ajouter la compétence"),
        anchor=bloc.code,
    )


@hub_coordinator_required
def competence_update(request, code, number, pk):
    version = _version(code, number)
    competence = get_object_or_404(Competence, pk=pk, version=version)
    # The flag only makes sense when earlier versions hold evidence for the competence.
    with_lineage = competence.substantially_changed or (
        services.lineage_source(version) is not None
    )
    initial = {name: getattr(competence, name) for name in COMPETENCE_FIELDS}
    initial.update(bloc=competence.bloc_id, substantially_changed=competence.substantially_changed)
    form, blocs = _competence_form(request, version, initial=initial, with_lineage=with_lineage)

    def save(cleaned):
        changed = _changes(competence, cleaned, COMPETENCE_FIELDS)
        if cleaned["bloc"] != competence.bloc_id:
            changed["bloc"] = blocs[cleaned["bloc"]]
        flag = cleaned.get("substantially_changed", competence.substantially_changed)
        if flag != competence.substantially_changed:
            changed["substantially_changed"] = flag
        if not changed:
            return None
        services.competence_update(actor=request.user, competence=competence, **changed)
        return (
            _("La compétence %(code)s est modifiée.") % {"code": competence.code},
            competence.code,
        )

    return _form_page(
        request,
        version,
        form,
        save,
        title=_("Modifier la compétence %(code)s") % {"code": competence.code},
        submit=_("Enregistrer"),
        anchor=competence.code,
    )


@hub_coordinator_required
def competence_delete(request, code, number, pk):
    version = _version(code, number)
    competence = get_object_or_404(Competence, pk=pk, version=version)
    return _delete_page(
        request,
        version,
        lambda: services.competence_delete(actor=request.user, competence=competence),
        title=_("Supprimer la compétence %(code)s — %(title)s")
        % {"code": competence.code, "title": competence.title},
        consequence=_("Ses critères sont supprimés avec elle. La suppression est définitive."),
        done=_("La compétence %(code)s est supprimée.") % {"code": competence.code},
        anchor=competence.code,
    )


# Criteria ------------------------------------------------------------------------------------

CRITERION_FIELDS = ("code", "text", "order")


def _criterion_form(request, version, *, initial):
    competences = list(version.competences.order_by("bloc__order", "order", "code"))
    form = DraftCriterionForm(request.POST or None, initial=initial, competences=competences)
    return form, {competence.pk: competence for competence in competences}


@hub_coordinator_required
def criterion_create(request, code, number, competence_pk):
    version = _version(code, number)
    competence = get_object_or_404(Competence, pk=competence_pk, version=version)
    form, competences = _criterion_form(request, version, initial={"competence": competence.pk})

    def save(cleaned):
        criterion = services.criterion_create(
            actor=request.user,
            competence=competences[cleaned["competence"]],
            **{name: cleaned[name] for name in CRITERION_FIELDS},
        )
        return _("Le critère %(code)s est ajouté.") % {"code": criterion.code}, criterion.code

    return _form_page(
        request,
        version,
        form,
        save,
        title=_("Ajouter un critère à la compétence %(code)s") % {"code": competence.code},
        submit=_("Ajouter le critère"),
        anchor=competence.code,
    )


@hub_coordinator_required
def criterion_update(request, code, number, pk):
    version = _version(code, number)
    criterion = get_object_or_404(Criterion, pk=pk, version=version)
    initial = {name: getattr(criterion, name) for name in CRITERION_FIELDS}
    initial["competence"] = criterion.competence_id
    form, competences = _criterion_form(request, version, initial=initial)

    def save(cleaned):
        changed = _changes(criterion, cleaned, CRITERION_FIELDS)
        if cleaned["competence"] != criterion.competence_id:
            changed["competence"] = competences[cleaned["competence"]]
        if not changed:
            return None
        services.criterion_update(actor=request.user, criterion=criterion, **changed)
        return _("Le critère %(code)s est modifié.") % {"code": criterion.code}, criterion.code

    return _form_page(
        request,
        version,
        form,
        save,
        title=_("Modifier le critère %(code)s") % {"code": criterion.code},
        submit=_("Enregistrer"),
        anchor=criterion.code,
    )


@hub_coordinator_required
def criterion_delete(request, code, number, pk):
    version = _version(code, number)
    criterion = get_object_or_404(Criterion, pk=pk, version=version)
    return _delete_page(
        request,
        version,
        lambda: services.criterion_delete(actor=request.user, criterion=criterion),
        title=_("Supprimer le critère %(code)s") % {"code": criterion.code},
        consequence=criterion.text,
        done=_("Le critère %(code)s est supprimé.") % {"code": criterion.code},
        anchor=criterion.competence.code,
    )


# The proficiency scale -------------------------------------------------------------------------

LEVEL_FIELDS = ("label", "description")


@hub_coordinator_required
def level_update(request, code, number, pk):
    version = _version(code, number)
    level = get_object_or_404(ProficiencyLevel, pk=pk, version=version)
    form = DraftLevelForm(
        request.POST or None, initial={name: getattr(level, name) for name in LEVEL_FIELDS}
    )

    def save(cleaned):
        changed = _changes(level, cleaned, LEVEL_FIELDS)
        if not changed:
            return None
        services.level_update(actor=request.user, level=level, **changed)
        return _("Le niveau %(rank)s est modifié.") % {"rank": level.rank}, "echelle"

    return _form_page(
        request,
        version,
        form,
        save,
        title=_("Modifier le niveau %(rank)s de l'échelle") % {"rank": level.rank},
        submit=_("Enregistrer"),
        anchor="echelle",
    )
