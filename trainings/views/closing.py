"""Closing a session: a page that says what closing freezes and what is still missing (slots
without any mark, participants never assessed), then the closing itself."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import DomainError

from ..models import SessionStatus
from ..selectors.attendance import closing_summary
from ..selectors.sessions import session_for_trainer
from ..services import sessions as services


def session_close(request, pk):
    """GET (or a POST without the confirmation, from the session page's button): the
    confirmation page. POST with confirm=1: close. The same checks as before: the session's
    trainers and the hub (session_for_trainer), and the service's own."""
    session = session_for_trainer(request.user, pk)
    if request.method == "POST" and request.POST.get("confirm") == "1":
        try:
            services.session_close(actor=request.user, session=session)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("La session est clôturée : l'émargement et les évaluations sont figés."),
            )
        return redirect("trainings:session_manage", pk=session.pk)
    now = timezone.now()
    ended = session.ends_at is not None and session.ends_at <= now
    closable = session.status in (SessionStatus.PUBLISHED, SessionStatus.HELD) and ended
    return render(
        request,
        "trainings/evaluation/session_close.html",
        {
            "session": session,
            "closable": closable,
            "ended": ended,
            "summary": closing_summary(session, now) if closable else None,
        },
    )
