"""Certificates: public verification (code, QR link, uploaded PDF), the hub's follow-up
(filters, enrolling a list, manual validation with its proof file, withdrawal, rule sets,
simulation), the issuer form with its logo, attestation status changes, and attestation PDFs
built from hostile stored text."""

import datetime
import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from accounts.models import User
from certificates.models import (
    Attestation,
    BlocValidation,
    Enrollment,
    Issuer,
    PathwayCertification,
)
from certificates.services import attestations as issuing
from competences import services as competence_services
from competences.models import Competence
from core import pdf as core_pdf
from tests import factories
from trainings.models import Session, SessionStatus

from .helpers import (
    CONTENT_TYPES,
    FILENAMES,
    GARBAGE,
    HTML_PAYLOADS,
    PAYLOADS,
    assert_escaped,
    counts,
    hostile_text,
    ids,
    isolated,
    maybe_hostile,
    media_files,
    post_multipart,
    slow,
    status_of,
)

pytestmark = pytest.mark.django_db

HUGE = "9" * 25
DECISIONS = (Enrollment, BlocValidation, PathwayCertification, Attestation)


@pytest.fixture
def world(db):
    """A session on bloc B1 that started a week ago, its participant assessed and present, and a
    pathway requiring B1 that the participant follows."""
    hub = factories.HubCoordinatorFactory()
    start = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate() - datetime.timedelta(days=7), datetime.time(9)
        )
    )
    session = factories.make_session(participants=1, slots=2, competences=3, start=start)
    version = session.version
    bloc = version.blocs.get(code="B1")
    pathway = competence_services.pathway_create(
        actor=hub,
        version=version,
        code="socle",
        title="Socle",
        audience="novice",
        blocs=[bloc],
        min_attended_hours=7,
        validity_months=12,
    )
    registration = session.registrations.get()
    person = registration.user
    enrollment = (
        Enrollment.objects.create(
            user=person, pathway=pathway, rule_set=pathway.rule_sets.order_by("-number").first()
        )
        if not hasattr(pathway, "_enroll")
        else None
    )
    return SimpleNamespace(
        hub=hub,
        session=session,
        version=version,
        bloc=bloc,
        pathway=pathway,
        registration=registration,
        person=person,
        enrollment=enrollment,
        trainer=session.trainers.get(),
    )


@pytest.fixture
def issuer(db):
    return Issuer.objects.create(
        legal_name="Hub numérique Hauts-de-France",
        nda_number="32590000059",
        address="1 place du Théâtre\n59000 Lille",
        signatory_name="Claire Dumont",
        signatory_role="Directrice",
    )


@pytest.fixture
def as_hub(hostile_client, world):
    hostile_client.force_login(world.hub)
    return hostile_client


# Public verification -------------------------------------------------------------------------


@given(
    code=st.one_of(
        st.sampled_from(["ABCD-EFGH-JKMN", "abcd efgh jkmn", "ABCD-EFGH-JKM0", "ＡＢＣＤ"]),
        hostile_text(max_size=80),
    ),
    kind=st.sampled_from(["", "upload", "code", "<script>"]),
    logged_in=st.booleans(),
)
def test_verification_by_code(hostile_client, world, code, kind, logged_in):
    if logged_in:
        hostile_client.force_login(world.person)
    with isolated():
        response = hostile_client.post(
            reverse("certificates:verify_home"), {"c-code": code, "kind": kind}
        )
        status_of(response, (200, 302, 429))
        assert_escaped(response.content, code)
        segment = code.replace("/", "").strip() or "x"
        for name in ("verify", "verify_json", "verify_credential"):
            answer = hostile_client.get(reverse(f"certificates:{name}", args=[segment]))
            status_of(answer, (200, 301, 302, 404, 429))
            assert_escaped(answer.content, segment)
        answer = hostile_client.get(reverse("certificates:status_list", args=["revocation"]))
        status_of(answer, (200, 429))


@given(data=GARBAGE, filename=FILENAMES, content_type=CONTENT_TYPES)
def test_verification_by_uploaded_file(hostile_client, world, data, filename, content_type):
    with isolated():
        response = post_multipart(
            hostile_client,
            reverse("certificates:verify_home"),
            {"kind": "upload"},
            [("u-document", filename, content_type, data)],
        )
        status_of(response, (200, 429))
        assert_escaped(response.content, filename)


# The hub's follow-up ------------------------------------------------------------------------


@given(
    params=st.dictionaries(
        st.sampled_from(["q", "pathway", "status", "departement", "structure", "page"]),
        ids(),
    ),
    simulate=st.lists(ids(), max_size=3),
)
def test_follow_up_filters_and_simulation(as_hub, world, params, simulate):
    with isolated():
        response = as_hub.get(reverse("certificates:enrollment_list"), params)
        status_of(response, (200,))
        assert_escaped(response.content, *params.values())
        response = as_hub.get(
            reverse("certificates:enrollment_detail", args=[world.enrollment.pk]),
            {"competences": simulate},
        )
        status_of(response, (200,))
        assert_escaped(response.content, *simulate)


@given(
    emails=st.one_of(
        st.just(" {hub}\r\n\n"),
        st.lists(
            st.one_of(st.sampled_from(["{person}", "{hub}", "X@exemple.test"]), hostile_text(300)),
            max_size=4,
        ).map("\n".join),
    ),
    pathway=st.one_of(st.just("{pathway}"), ids()),
)
def test_enroll_many(as_hub, world, emails, pathway):
    emails = emails.replace("{person}", world.person.email).replace("{hub}", world.hub.email)
    pathway = pathway.replace("{pathway}", str(world.pathway.pk))
    with isolated():
        before = counts(*DECISIONS)
        response = as_hub.post(
            reverse("certificates:enroll_many"), {"emails": emails, "pathway": pathway}
        )
        status_of(response, (200, 302))
        if response.status_code == 200:
            assert counts(*DECISIONS) == before
            assert_escaped(response.content, emails)


PROOFS = st.one_of(
    st.builds(
        lambda data, name, ctype: (name, ctype, data),
        st.sampled_from([b"%PDF-1.4\n%%EOF", b"\x89PNG\r\n\x1a\n"]) | GARBAGE,
        FILENAMES,
        CONTENT_TYPES,
    ),
    st.just(("justificatif.pdf", "application/pdf", b"%PDF-1.4\n%%EOF")),
)


@given(
    values=st.fixed_dictionaries(
        {
            "reason": st.one_of(st.just("Certification Pix reconnue."), maybe_hostile(3000)),
        },
        optional={
            "recognised": maybe_hostile(max_size=300),
            "bloc": st.one_of(st.just("{bloc}"), ids()),
            "competences": st.lists(hostile_text(max_size=40), max_size=2),
        },
    ),
    proof=PROOFS,
)
@example(  # a proof's name longer than the column's 100 characters
    values={"reason": "Pix", "bloc": "{bloc}"},
    proof=("justificatif-" + "x" * 150 + ".pdf", "application/pdf", b"%PDF-1.4\n%%EOF"),
)
@example(
    values={"reason": "Pix"},
    proof=("../../" + "é" * 120 + ".pdf", "application/pdf", b"%PDF-1.4\n%%EOF"),
)
def test_manual_validation_with_a_proof_file(as_hub, world, settings, values, proof):
    values = {
        key: value.replace("{bloc}", str(world.bloc.lineage)) if isinstance(value, str) else value
        for key, value in values.items()
    }
    filename, content_type, data = proof
    media = Path(settings.MEDIA_ROOT)
    with isolated():
        before = counts(*DECISIONS)
        files_before = set(media_files(media))
        response = post_multipart(
            as_hub,
            reverse("certificates:validate_manually", args=[world.enrollment.pk]),
            values,
            [("proof", filename, content_type, data)],
        )
        status_of(response, (302, 400))
        hostile = [v for v in values.values() if isinstance(v, str)] + [filename]
        if response.status_code == 302:
            decision = (
                BlocValidation.objects.order_by("-pk").first()
                if "bloc" in values and values["bloc"] == str(world.bloc.lineage)
                else PathwayCertification.objects.order_by("-pk").first()
            )
            stored = Path(decision.proof.path).resolve()
            assert stored.is_relative_to((media / "decisions").resolve())
            assert ".." not in decision.proof.name
            page = as_hub.get(reverse("certificates:enrollment_detail", args=[world.enrollment.pk]))
            status_of(page, (200,))
            assert_escaped(page.content, *hostile)
            kind = "bloc" if isinstance(decision, BlocValidation) else "parcours"
            download = as_hub.get(reverse("certificates:decision_proof", args=[kind, decision.pk]))
            status_of(download, (200,))
            assert b"".join(download.streaming_content) == data
            for header in ("Content-Disposition", "Content-Type"):
                assert "\n" not in download[header] and "\r" not in download[header]
        else:
            assert counts(*DECISIONS) == before
            assert set(media_files(media)) == files_before, "a refused proof stays off the disk"
            assert_escaped(response.content, *hostile)


@pytest.fixture
def decision(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from certificates.services.decisions import decision_validate_manually

    return decision_validate_manually(
        actor=world.hub,
        enrollment=world.enrollment,
        reason="Pix",
        proof=SimpleUploadedFile("preuve.pdf", b"%PDF-1.4"),
    )


@given(
    reason=maybe_hostile(max_size=3000),
    kind=st.one_of(
        st.sampled_from(["bloc", "parcours"]), st.from_regex(r"[-a-zA-Z0-9_]{1,12}", fullmatch=True)
    ),
    rule_set=ids(),
)
def test_withdraw_decision_and_move_rule_set(as_hub, world, decision, reason, kind, rule_set):
    with isolated():
        response = as_hub.post(
            reverse("certificates:withdraw_decision", args=[kind, decision.pk]), {"reason": reason}
        )
        status_of(response, (302, 404))
        page = as_hub.get(reverse("certificates:enrollment_detail", args=[world.enrollment.pk]))
        status_of(page, (200,))
        assert_escaped(page.content, reason)
        before = Enrollment.objects.values_list("rule_set_id", flat=True).get(
            pk=world.enrollment.pk
        )
        response = as_hub.post(
            reverse("certificates:move_rule_set", args=[world.enrollment.pk]),
            {"rule_set": rule_set},
        )
        status_of(response, (302,))
        after = Enrollment.objects.values_list("rule_set_id", flat=True).get(pk=world.enrollment.pk)
        assert after == before


def _png():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    return out.getvalue()


ISSUER_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "legal_name": maybe_hostile(300),
        "siret": hostile_text(max_size=30),
        "nda_number": hostile_text(max_size=20),
        "qualiopi": st.sampled_from(["on", "", "<script>"]),
        "qualiopi_mention": maybe_hostile(300),
        "address": maybe_hostile(600),
        "signatory_name": maybe_hostile(200),
        "signatory_role": maybe_hostile(200),
        "logo-clear": st.sampled_from(["on", "", "\x00"]),
    },
)


@given(
    values=ISSUER_FIELDS,
    logo=st.one_of(
        st.none(),
        st.tuples(FILENAMES, CONTENT_TYPES, GARBAGE),
        st.tuples(FILENAMES, CONTENT_TYPES, st.just(b"")).map(lambda t: (t[0], t[1], _png())),
    ),
)
def test_issuer_form_with_a_logo(as_hub, world, issuer, settings, values, logo):
    data = {
        "legal_name": issuer.legal_name,
        "siret": "",
        "nda_number": issuer.nda_number,
        "address": issuer.address,
        "signatory_name": issuer.signatory_name,
        "signatory_role": issuer.signatory_role,
    } | values
    files = [("logo", *logo)] if logo else []
    media = Path(settings.MEDIA_ROOT)
    with isolated():
        before = Issuer.objects.values().get()
        response = post_multipart(as_hub, reverse("certificates:issuer_edit"), data, files)
        status_of(response, (200, 302))
        hostile = list(data.values()) + ([logo[0]] if logo else [])
        if response.status_code == 302:
            stored = Issuer.objects.get()
            if stored.logo:
                assert Path(stored.logo.path).resolve().is_relative_to((media / "issuer").resolve())
            page = as_hub.get(reverse("certificates:issuer_edit"))
            assert_escaped(page.content, *hostile)
        else:
            assert Issuer.objects.values().get() == before
            assert_escaped(response.content, *hostile)


# Attestations ---------------------------------------------------------------------------------


@pytest.fixture
def closed(world, issuer):
    for competence in world.session.competences.all():
        factories.AssessmentFactory(
            session=world.session,
            participant=world.person,
            competence=competence,
            assessor=world.trainer,
            rank=3,
        )
    for slot in world.session.slots.all():
        factories.AttendanceFactory(slot=slot, registration=world.registration)
    Session.objects.filter(pk=world.session.pk).update(
        status=SessionStatus.CLOSED, closed_at=timezone.now()
    )
    return world


@pytest.fixture
def attestation(closed):
    return issuing.attestations_issue_for_session(session_id=closed.session.pk)[0]


@given(
    action=st.one_of(st.sampled_from(["suspend", "revoke", "reinstate"]), hostile_text(20)),
    reason=maybe_hostile(max_size=3000),
)
def test_attestation_status_changes(as_hub, attestation, action, reason):
    url = reverse("certificates:attestation_manage", args=[attestation.pk])
    with isolated():
        response = as_hub.post(url, {"action": action, "reason": reason})
        status_of(response, (200, 302))
        stored = Attestation.objects.get(pk=attestation.pk)
        if response.status_code == 200:
            assert stored.status == attestation.status
        page = as_hub.get(url)
        assert_escaped(page.content, reason)
        verdict = as_hub.get(reverse("certificates:verify", args=[attestation.verification_code]))
        status_of(verdict, (200, 429))
        assert_escaped(verdict.content, reason)


def _stored(strategy, size):
    return strategy.map(lambda text: text.replace("\x00", "")[:size])


STORED_TEXT = st.one_of(st.sampled_from(HTML_PAYLOADS + PAYLOADS), hostile_text(max_size=120))


@slow(4)
@example(  # a control character or U+FFFE in a name made the sealing of the PDF/A fail
    name="Zoé\ufffe", title="T", objectives="", competence="C", issuer_text="Hub\x16"
)
@given(
    name=_stored(STORED_TEXT, 150),
    title=_stored(STORED_TEXT, 200),
    objectives=_stored(STORED_TEXT | hostile_text(max_size=5000), 5000),
    competence=_stored(STORED_TEXT, 255),
    issuer_text=_stored(STORED_TEXT, 150),
)
def test_attestation_pdfs_of_hostile_stored_text(
    closed, monkeypatch, name, title, objectives, competence, issuer_text
):
    """The PDFs render whatever the stored text, from HTML where it is escaped (WeasyPrint
    would follow an injected <img src="file:...">), and the sheet of attendance too."""
    seen = []
    real = core_pdf.write_pdf

    def spy(html, **kwargs):
        seen.append(html)
        return real(html, **kwargs)

    monkeypatch.setattr(core_pdf, "write_pdf", spy)
    with isolated():
        User.objects.filter(pk=closed.person.pk).update(first_name=name, last_name=name[::-1])
        Session.objects.filter(pk=closed.session.pk).update(title=title, objectives=objectives)
        Competence.objects.filter(version=closed.version).update(title=competence)
        Issuer.objects.update(
            legal_name=issuer_text, signatory_name=issuer_text, address=issuer_text + "\n2"
        )
        issued = issuing.attestations_issue_for_session(session_id=closed.session.pk)
        assert issued and all(a.pdf.read(5) == b"%PDF-" for a in issued)
        from trainings.pdf import attendance_sheet_pdf

        assert attendance_sheet_pdf(Session.objects.get(pk=closed.session.pk))[:5] == b"%PDF-"
        assert seen
        for html in seen:
            assert_escaped(html, name, title, objectives, competence, issuer_text)
