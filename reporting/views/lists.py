from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from certificates.models import AttestationKind, AttestationStatus
from trainings.models import SessionStatus

from ..filters import FILTER_KEYS, filters_from
from ..scope import require_scope
from ..selectors import lists
from ..selectors import quality as quality_selectors

PAGE_SIZE = 50


class SessionListForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[("", _("Tous")), *SessionStatus.choices],
        help_text=_("« Réalisée » : sessions à clôturer."),
    )
    trainer = forms.CharField(label=_("Formateur (nom ou e-mail)"), required=False, max_length=100)


class DecisionListForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Décisions"),
        required=False,
        choices=[("pathway", _("Parcours certifiés")), ("bloc", _("Blocs validés"))],
    )
    expiring = forms.BooleanField(label=_("Expirant dans les 90 jours"), required=False)


class AttestationListForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Tous")), *AttestationKind.choices]
    )
    status = forms.ChoiceField(
        label=_("Statut"), required=False, choices=[("", _("Tous")), *AttestationStatus.choices]
    )


def _list_page(request, *, template, extra_form_class, rows, extra_context=None):
    """Shared by the three lists: the statistics filters and the list's own, both from the URL;
    bad input is answered with the form's messages and an empty list (status 400)."""
    scope = require_scope(request.user)
    form, filters = filters_from({k: v for k, v in request.GET.items() if k in FILTER_KEYS})
    extra = extra_form_class(request.GET)
    context = {"form": form, "extra": extra, "scope": scope, "query": request.GET.urlencode()}
    if filters is None or not extra.is_valid():
        return render(request, template, context, status=400)
    page = Paginator(rows(scope, filters, **extra.cleaned_data), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context.update(filters=filters, page=page)
    if extra_context is not None:
        context.update(extra_context(scope, filters, page))
    return render(request, template, context)


def session_list(request):
    return _list_page(
        request,
        template="reporting/session_list.html",
        extra_form_class=SessionListForm,
        rows=lists.session_rows,
    )


def decision_list(request):
    def rows(scope, filters, *, kind, expiring):
        return lists.decision_rows(scope, filters, kind=kind or "pathway", expiring=expiring)

    return _list_page(
        request,
        template="reporting/decision_list.html",
        extra_form_class=DecisionListForm,
        rows=rows,
    )


def attestation_list(request):
    return _list_page(
        request,
        template="reporting/attestation_list.html",
        extra_form_class=AttestationListForm,
        rows=lists.attestation_rows,
    )


class NoExtraFilters(forms.Form):
    pass


def quality(request):
    def rows(scope, filters):
        return quality_selectors.quality_sessions(scope, filters)

    response = _list_page(
        request,
        template="reporting/quality.html",
        extra_form_class=NoExtraFilters,
        rows=rows,
        extra_context=lambda scope, filters, page: {
            "pathways": quality_selectors.pathway_indicators(scope, filters),
            "sessions": quality_selectors.attach_indicators(list(page)),
        },
    )
    return response
