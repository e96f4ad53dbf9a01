"""Evidence files of assessments: served through this view only, to those allowed to see them
(trainings.selectors.assessments.evidence_file_for), never from a public media URL."""

from django.http import FileResponse, Http404

from core.audit import log_access

from ..selectors.assessments import evidence_file_for


def evidence_file(request, pk):
    evidence = evidence_file_for(request.user, pk)
    if evidence is None:
        raise Http404
    log_access(
        actor=request.user,
        action="person.view_evidence_file",
        subject=evidence.assessment.participant,
        target=evidence.assessment,
    )
    response = FileResponse(
        evidence.file.open("rb"),
        # Images open in the browser; anything else is downloaded, never rendered as a page.
        as_attachment=not evidence.content_type.startswith("image/"),
        filename=evidence.name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
