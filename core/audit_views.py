"""The hub's view of the audit log: who did what to which record, searchable, newest first.
Names are read from the accounts at display time (the log keeps ids), so they follow a person's
current name."""

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from .models import AuditLog
from .permissions import hub_coordinator_required

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Auteur (nom ou e-mail)"), required=False, max_length=100)
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=80,
        help_text=_("Par exemple : attestation, assessment.record, decision."),
    )
    target = forms.CharField(
        label=_("Objet ou personne concernée"),
        required=False,
        max_length=100,
        help_text=_("Un nom, un e-mail, ou un objet comme « Session » ou « n° 12 »."),
    )
    since = forms.DateField(
        label=_("Depuis le"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Jusqu'au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def audit_entries(*, actor="", action="", target="", since=None, until=None):
    qs = AuditLog.objects.select_related("actor", "subject")
    if actor:
        qs = qs.filter(
            Q(actor__email__icontains=actor)
            | Q(actor__last_name__icontains=actor)
            | Q(actor__first_name__icontains=actor)
        )
    if action:
        qs = qs.filter(action__startswith=action)
    if target:
        number = target.removeprefix("n°").strip()
        qs = qs.filter(
            Q(target_repr__icontains=target)
            | Q(subject__email__icontains=target)
            | Q(subject__last_name__icontains=target)
            | Q(subject__first_name__icontains=target)
            | (Q(target_id=number) if number.isdigit() else Q(pk__in=[]))
        )
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    return qs.order_by("-created_at", "-pk")


@hub_coordinator_required
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    filters = {k: v for k, v in (form.cleaned_data if form.is_valid() else {}).items() if v}
    for key in ("actor", "action", "target"):
        if key in filters:
            filters[key] = filters[key].strip()
    page = Paginator(audit_entries(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"form": form, "page": page})
