"""Public verification (no login): by code, by the QR link, or by uploading the PDF, whose
signature and fingerprint are checked against the record. Rate-limited; an unknown code reveals
nothing but "unknown"."""

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from core.audit import log_action
from core.ratelimit import allow

from .. import badges, codes, facts, selectors
from ..models import Attestation, AttestationStatus
from ..pdf import verification_url
from ..signing import sha256_hex, verify_pdf
from ..verification import (
    allowed_attestation_state,
    as_json,
    attestation_for_page,
    cached_verdict_html,
    is_shared_view,
    shared_page,
    should_log,
    state_key,
    verdict_for,
)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code de vérification"),
        max_length=40,
        help_text=_("12 caractères, imprimés sous le QR code (par exemple ABCD-EFGH-JKMN)."),
    )


class UploadForm(forms.Form):
    document = forms.FileField(label=_("Le PDF de l'attestation"), help_text=_("10 Mo au plus."))

    def clean_document(self):
        document = self.cleaned_data["document"]
        if document.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("Le fichier dépasse 10 Mo : ce n'est pas une attestation.")
            )
        return document


def _lookup(code):
    """(the code as stored, its attestation) — None for a malformed code or an unknown one."""
    normalized = codes.normalize(code)
    if normalized is None or not codes.is_well_formed(normalized):
        return None, None
    return normalized, selectors.attestation_by_code(normalized)


def _too_many(request):
    return render(request, "certificates/verify_limited.html", status=429)


def _log(request, attestation, how, *, target=None):
    """The audit entry of a verification: the first of each half-hour per attestation, whatever
    the way (certificates.verification.should_log). `target`: what the entry names, when
    `attestation` is only its state."""
    if should_log(attestation):
        log_action(
            actor=request.user, action="attestation.verify", target=target or attestation, how=how
        )


@login_not_required
@require_http_methods(["GET", "POST"])
def verify_home(request):
    code_form, upload_form = CodeForm(prefix="c"), UploadForm(prefix="u")
    if request.method == "POST":
        if not allow(request, "verify"):
            return _too_many(request)

        if "u-document" in request.FILES or request.POST.get("kind") == "upload":
            upload_form = UploadForm(request.POST, request.FILES, prefix="u")
            if upload_form.is_valid():
                return _verify_upload(request, upload_form.cleaned_data["document"])
        else:
            code_form = CodeForm(request.POST, prefix="c")
            if code_form.is_valid():
                code = codes.normalize(code_form.cleaned_data["code"])
                if code is None or not codes.is_well_formed(code):
                    code_form.add_error(
                        "code",
                        _("Ce code contient une faute de frappe : vérifiez chaque caractère."),
                    )
                else:
                    return redirect("certificates:verify", code=code)
    return render(
        request,
        "certificates/verify_home.html",
        {"code_form": code_form, "upload_form": upload_form},
    )


def _verify_upload(request, document):
    data = document.read()
    check = verify_pdf(data)
    attestation = selectors.attestation_by_sha256(sha256_hex(data))
    verdict = verdict_for(attestation)
    if attestation is not None:
        _log(request, attestation, "upload")
    return render(
        request,
        "certificates/verify_result.html",
        {"verdict": verdict, "signature": check, "uploaded": True},
    )


@login_not_required
def verify(request, code):
    normalized = codes.normalize(code)
    if normalized == code and is_shared_view(request) and codes.is_well_formed(code):
        return _verify_shared(request, code)
    if not allow(request, "verify"):
        return _too_many(request)
    if normalized is None or not codes.is_well_formed(normalized):
        return render(
            request,
            "certificates/verify_result.html",
            {"verdict": verdict_for(None), "typo": True},
            status=404,
        )
    if normalized != code:
        return redirect("certificates:verify", code=normalized)
    attestation = attestation_for_page(normalized)
    if attestation is None:
        return _unknown(request)
    # The verdict's HTML is rendered once per state of the attestation (status and dates in the
    # cache key: a revocation is seen at once, by every process).
    verdict, html = cached_verdict_html(
        attestation,
        lambda verdict: render_to_string("certificates/verify_verdict.html", {"verdict": verdict}),
    )
    _log(request, attestation, "code")
    return render(
        request, "certificates/verify_result.html", {"verdict": verdict, "verdict_html": html}
    )


def _unknown(request):
    return render(
        request, "certificates/verify_result.html", {"verdict": verdict_for(None)}, status=404
    )


def _verify_shared(request, code):
    """A visitor without a session (a scanned QR code, mostly): the attestation's state names
    the whole page, rendered once per state in this process. The rate limit's count and the
    state are one round trip to the database, the only one of most requests."""
    allowed, state = allowed_attestation_state(request, code)
    if not allowed:
        return _too_many(request)
    if state is None:
        return _unknown(request)
    _log(request, state, "code", target=state.audit_target())
    today = timezone.localdate()

    def render_page():
        verdict = verdict_for(attestation_for_page(code), today=today)
        return render_to_string(
            "certificates/verify_result.html", {"verdict": verdict}, request=request
        )

    return shared_page(state_key(state, today=today, language=get_language()), render_page)


@login_not_required
def verify_json(request, code):
    if not allow(request, "verify"):
        return JsonResponse({"status": "rate_limited"}, status=429)
    normalized, attestation = _lookup(code)
    verdict = verdict_for(attestation)
    if attestation is not None:
        _log(request, attestation, "json")
    return JsonResponse(
        as_json(verdict, verification_url(normalized) if attestation else None),
        status=200 if attestation is not None else 404,
        json_dumps_params={"ensure_ascii": False},
    )


# Open Badges: what third parties need to verify without Socle's help. --------------------------


@login_not_required
def badge_keys(request):
    """The public keys that signed Open Badges credentials (JWKS), current and retired."""
    if not allow(request, "status_list"):
        return JsonResponse({"status": "rate_limited"}, status=429)
    return JsonResponse(badges.jwks())


@login_not_required
def badge_issuer(request):
    if not allow(request, "status_list"):
        return JsonResponse({"status": "rate_limited"}, status=429)
    return JsonResponse(badges.issuer_profile(facts.issuer_facts()))


@login_not_required
def status_list(request, purpose):
    if purpose not in badges.STATUS_PURPOSES:
        raise Http404
    if not allow(request, "status_list"):  # each answer is built and signed anew
        return JsonResponse({"status": "rate_limited"}, status=429)
    status = AttestationStatus.REVOKED if purpose == "revocation" else AttestationStatus.SUSPENDED
    indexes = Attestation.objects.filter(status=status).values_list("status_index", flat=True)
    token = badges.status_list_credential(
        purpose, list(indexes), issuer=facts.issuer_facts(), now=timezone.now()
    )
    return HttpResponse(token, content_type="application/vc+jwt")


@login_not_required
def verify_credential(request, code):
    """The attestation's Open Badges credential (VC-JWT), as embedded in its PDF."""
    if not allow(request, "verify"):
        return JsonResponse({"status": "rate_limited"}, status=429)
    normalized, attestation = _lookup(code)
    if attestation is None or not attestation.credential:
        raise Http404
    return HttpResponse(attestation.credential, content_type="application/vc+jwt")
