"""Attendance pages: the trainer's grid (htmx cells, or one whole-grid form without JavaScript),
a cell's history, the printable sheet, the sign code screen, and the participant's signing."""

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.exceptions import DomainError
from core.ratelimit import allow

from ..forms.attendance import AllPresentForm, AttendanceGridForm, SignCodeForm, cell_field_name
from ..models import AttendanceStatus, Registration, RegistrationStatus, Slot
from ..pdf import SHEET_BLANK, SHEET_MODES, claim_build, default_mode, stored_sheet
from ..qr import qr_svg
from ..selectors import attendance as selectors
from ..selectors.sessions import session_for_trainer
from ..services import attendance as services
from ..tasks import build_attendance_sheet
from .common import is_htmx


def attendance_grid(request, pk):
    session = session_for_trainer(request.user, pk)
    if request.method == "POST" and "all_present" in request.POST:
        return _mark_all_present(request, session)
    grid = selectors.attendance_grid(session)
    form = AttendanceGridForm(request.POST or None, grid=grid)
    if request.method == "POST" and not form.is_valid():
        messages.error(request, _("Un statut de présence envoyé n'existe pas : rien n'a changé."))
    if request.method == "POST" and form.is_valid():
        try:
            created = services.attendance_record_many(
                actor=request.user, session=session, marks=form.changed_marks()
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Feuille de présence enregistrée (%(count)s modification(s)).")
                % {"count": created},
            )
            return redirect("trainings:attendance_grid", pk=session.pk)
    return _grid_page(request, session, grid, status=400 if request.method == "POST" else 200)


def _grid_page(request, session, grid, *, status=200, notice=None):
    now = timezone.now()
    return render(
        request,
        "trainings/evaluation/attendance_grid.html",
        {
            "session": session,
            "grid": grid,
            "statuses": AttendanceStatus.choices,
            "frozen": session.is_frozen,
            "now": now,
            "all_present_slots": []
            if session.is_frozen
            else selectors.slots_to_mark_all_present(grid, now),
            "notice": notice,
        },
        status=status,
    )


def _mark_all_present(request, session):
    """« Tous présent·es » for one slot: one POST, from a plain form or htmx (which swaps the
    grid in place; the outcome is then shown inside it, not as a message of the next page)."""
    form = AllPresentForm(request.POST, slots=session.slots.all())
    level, text = "error", None
    if not form.is_valid():
        text = " ".join(form.errors["slot"])
    else:
        slot = form.cleaned_data["slot"]
        try:
            count = services.attendance_mark_all_present(actor=request.user, slot=slot)
        except DomainError as error:
            text = error.message
        else:
            level = "success"
            label = selectors.slot_label(slot)
            text = (
                ngettext(
                    "%(count)s personne sans saisie marquée présente (%(slot)s).",
                    "%(count)s personnes sans saisie marquées présentes (%(slot)s).",
                    count,
                )
                % {"count": count, "slot": label}
                if count
                else _("Tout le monde avait déjà une saisie pour le créneau du %(slot)s.")
                % {"slot": label}
            )
    if is_htmx(request):
        grid = selectors.attendance_grid(session)
        notice = {"level": level, "text": text}
        return _grid_page(request, session, grid, notice=notice)
    getattr(messages, level)(request, text)
    return redirect("trainings:attendance_grid", pk=session.pk)


def _cell_objects(session, slot_pk, registration_pk):
    slot = get_object_or_404(Slot, pk=slot_pk, session=session)
    registration = get_object_or_404(
        Registration.objects.select_related("user"), pk=registration_pk, session=session
    )
    return slot, registration


@require_POST
def attendance_cell(request, pk, slot_pk, registration_pk):
    """htmx: save one cell and return it (with the participant's refreshed hours)."""
    session = session_for_trainer(request.user, pk)
    slot, registration = _cell_objects(session, slot_pk, registration_pk)
    status = request.POST.get(cell_field_name(slot.pk, registration.pk)) or request.POST.get(
        "status", ""
    )
    error, saved = None, False
    try:
        _mark, saved = services.attendance_record(
            actor=request.user, slot=slot, registration=registration, status=status
        )
    except DomainError as exc:
        error = exc.message
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Présence enregistrée."))
        return redirect("trainings:attendance_grid", pk=session.pk)
    return render(
        request,
        "trainings/evaluation/_attendance_cell_response.html",
        {
            "session": session,
            "slot": slot,
            "registration": registration,
            "mark": selectors.current_mark(slot, registration),
            "statuses": AttendanceStatus.choices,
            "frozen": session.is_frozen,
            "now": timezone.now(),
            "error": error,
            "saved": saved,
            "hours": selectors.registration_hours(registration),
        },
    )


def attendance_history(request, pk, slot_pk, registration_pk):
    session = session_for_trainer(request.user, pk)
    slot, registration = _cell_objects(session, slot_pk, registration_pk)
    return render(
        request,
        "trainings/evaluation/attendance_history.html",
        {
            "session": session,
            "slot": slot,
            "registration": registration,
            "marks": selectors.mark_history(slot, registration),
        },
    )


def attendance_sheet(request, pk):
    """The printed sheet: blank (to sign on paper) or the completed record (each mark with how,
    by whom and when it was recorded). Without a choice: blank until the first slot starts,
    then the record. A task builds it (slow for big sessions); until it is ready the page says
    so and reloads itself."""
    session = session_for_trainer(request.user, pk)
    mode = request.GET.get("version")
    if mode not in SHEET_MODES:
        mode = default_mode(session)
    document, key = stored_sheet(session, mode)
    if document is None:
        if claim_build(key):
            # Enqueued at once, not on commit: this request writes nothing the task reads.
            build_attendance_sheet.enqueue(session_id=session.pk, mode=mode)
        # With an immediate task backend (tests, a small install) it is there already.
        document = cache.get(key)
    if document is None:
        return render(
            request,
            "trainings/evaluation/attendance_sheet_pending.html",
            {"session": session, "mode": mode, "record": mode != SHEET_BLANK},
        )
    response = HttpResponse(document, content_type="application/pdf")
    name = "emargement" if mode == SHEET_BLANK else "releve-presences"
    response["Content-Disposition"] = f'inline; filename="{name}-session-{session.pk}.pdf"'
    return response


def sign_code(request, pk, slot_pk=None):
    """The screen a trainer shows during a slot: the code in big letters and its QR code."""
    session = session_for_trainer(request.user, pk)
    if slot_pk is not None:
        slot = get_object_or_404(Slot, pk=slot_pk, session=session)
    else:
        slot = selectors.current_or_next_slot(session)
    code, error = None, None
    if slot is not None:
        if request.method == "POST":
            # Creating the code is a write: a button, never a page load (a link preview or a
            # prefetch would otherwise create codes).
            try:
                services.slot_sign_code_get_or_create(actor=request.user, slot=slot)
            except DomainError as exc:
                error = exc.message
            else:
                return redirect(request.path)
        code = selectors.sign_code_of(slot)
    context = {
        "session": session,
        "slot": slot,
        "code": code,
        "error": error,
        "slots": session.slots.order_by("starts_at"),
    }
    if code is not None:
        opens, closes = selectors.sign_window(slot)
        url = request.build_absolute_uri(reverse("trainings:attendance_sign_qr", args=[code.token]))
        context.update(
            {
                "opens": opens,
                "closes": closes,
                "qr_url": url,
                "qr": qr_svg(url, title=_("QR code d'émargement")),
                "signed_count": selectors.signed_count(slot),
                "registered_count": session.registrations.filter(
                    status=RegistrationStatus.REGISTERED
                ).count(),
            }
        )
    return render(request, "trainings/evaluation/sign_code.html", context)


def attendance_sign(request):
    """ "Signer ma présence": the participant types the code shown by the trainer."""
    form = SignCodeForm(request.POST or None)
    limited = request.method == "POST" and not allow(request, "sign_code")
    if limited:
        # Six characters are few: trying them one after another must be slow.
        form.is_valid()
        form.add_error(None, _("Trop d'essais de code : réessayez dans une minute."))
    elif request.method == "POST" and form.is_valid():
        try:
            mark = services.attendance_sign_with_code(
                actor=request.user, code=form.cleaned_data["code"]
            )
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            _signed_message(request, mark)
            return redirect("trainings:attendance_sign")
    return render(
        request,
        "trainings/evaluation/attendance_sign.html",
        {
            "form": form,
            "marks": selectors.my_marks(request.user)[:10],
            "hours": selectors.attended_hours(request.user),
        },
        status=429 if limited else (400 if form.errors else 200),
    )


def _signed_message(request, mark):
    messages.success(
        request,
        _("Votre présence est enregistrée : %(session)s, créneau du %(slot)s.")
        % {"session": mark.slot.session.title, "slot": selectors.slot_label(mark.slot)},
    )


def attendance_sign_qr(request, token):
    """The page the QR code opens: one click confirms the participant's presence."""
    sign_code = selectors.sign_code_for_token(token)
    if sign_code is None:
        raise Http404
    error = None
    if request.method == "POST":
        try:
            mark = services.attendance_sign_with_token(actor=request.user, token=token)
        except DomainError as exc:
            error = exc.message
        else:
            _signed_message(request, mark)
            return redirect("trainings:attendance_sign")
    return render(
        request,
        "trainings/evaluation/attendance_sign_qr.html",
        {"sign_code": sign_code, "slot": sign_code.slot, "error": error},
        status=400 if error else 200,
    )
