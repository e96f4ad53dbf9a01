"""Every URL of the project × every kind of person: what a GET answers, and, for the actions,
that a POST by someone who may not use them is refused and writes nothing.

The URLs are read from the resolver when the tests run: a URL that is neither in MATRIX nor in
EXCLUDED fails `test_every_url_is_in_the_matrix`, so a new page cannot ship without saying who
may open it. Conventions (core.permissions and the apps' own tests): a page reserved to a role
answers 403 to the others; an object outside the person's scope answers 404 (the trainings app
answers 403 on a session's management pages, where a session's existence is public); anonymous
visitors are sent to the login page except on the public pages.

Only the Django admin is left out (EXCLUDED_NAMESPACES), and static/media files in DEBUG.

One small world, built for each test (its costly parts only when a URL needs them): a place
with its head (an approved « responsable » membership) and "mediator" attached there,
registered to a session run by "trainer" at that place (attendance, an assessment, a peer
assessment awaiting review, a sign code, an enrolment; on demand a manual bloc validation with
its proof, the session closed with its sealed attestations, the head's export, the mediator's
personal-data export); "other mediator", attached to another place and registered to a session
of "other trainer" (accredited on another bloc of the same reference); the hub's coordinator.
"""

import datetime
import re
from dataclasses import dataclass, field
from functools import cached_property

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import MediatorFunction, MembershipStatus
from tests import factories
from trainings.models import (
    AccreditationSource,
    AssessorRole,
    Session,
    SessionStatus,
    TrainerAccreditation,
)

ANON = "anonymous"
MEDIATOR = "mediator"
OTHER_MEDIATOR = "other_mediator"
TRAINER = "trainer"
OTHER_TRAINER = "other_trainer"
HEAD = "head"
HUB = "hub"
ROLES = (ANON, MEDIATOR, OTHER_MEDIATOR, TRAINER, OTHER_TRAINER, HEAD, HUB)
LOGGED_IN = ROLES[1:]

# Expected answers besides plain status codes.
LOGIN = "login"  # 302 to the login page
REDIRECT = "redirect"  # 302 somewhere else than the login page

# URLs left out of the matrix, each with its reason.
EXCLUDED_NAMESPACES = {
    # Django's admin has its own permission system (is_staff + model permissions) and its own
    # tests (tests/*/test_admin.py); its login goes through allauth (config/urls.py).
    "admin": "the Django admin, covered by its own tests",
}
# By exact name ({"name": "reason"}). Empty: allauth's pages are in the matrix too.
EXCLUDED = {}
# Views served only in DEBUG (static and media files) carry no name: excluded by their view.
EXCLUDED_VIEWS = {"django.views.static.serve"}

# Tables a refused request may still write to: the session (messages, login state), the cache
# (rate-limit counters) and the two-factor grace period started at login.
WRITABLE_WHEN_REFUSED = {"django_session", "socle_cache", "core_ratecounter", "core_mfagraceperiod"}


# The world -----------------------------------------------------------------------------------


class World:
    """Built for each test: the people and the sessions at once, the rest when first read."""

    def __init__(self):
        self.hub = factories.HubCoordinatorFactory()
        self.place = factories.StructureFactory()
        self.other_place = factories.StructureFactory()
        self.head = factories.MembershipFactory(
            structure=self.place, function=MediatorFunction.RESPONSABLE
        ).user
        self.membership = factories.MembershipFactory(structure=self.place)
        self.mediator = self.membership.user
        self.other_mediator = factories.MembershipFactory(structure=self.other_place).user

        # The trainer's session: started a week ago (two half-days), at the head's place, on
        # bloc B1 of a published reference.
        self.trainer = factories.UserFactory()
        start = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(days=7)
        self.session = factories.make_session(trainer=self.trainer, slots=2, start=start)
        Session.objects.filter(pk=self.session.pk).update(structure=self.place)
        self.version = self.session.version
        self.bloc = self.version.blocs.get(code="B1")
        self.accreditation = TrainerAccreditation.objects.get(user=self.trainer, bloc=self.bloc)
        self.registration = factories.RegistrationFactory(session=self.session, user=self.mediator)
        self.slots = list(self.session.slots.order_by("starts_at"))
        self.slot = self.slots[0]
        for slot in self.slots:
            factories.AttendanceFactory(slot=slot, registration=self.registration)
        self.competences = list(self.session.competences.order_by("order"))
        self.competence = self.competences[0]
        self.assessment = factories.AssessmentFactory(
            participant=self.mediator, competence=self.competence, session=self.session
        )

        # The other trainer's session, on bloc B2 of the same reference (the other trainer is
        # accredited on B2 only), with the other mediator.
        self.other_trainer = factories.UserFactory()
        other_bloc = self.version.blocs.get(code="B2")
        factories.AccreditationFactory(user=self.other_trainer, bloc=other_bloc)
        self.other_session = factories.SessionFactory(
            version=self.version,
            trainers=[self.other_trainer],
            competences=list(other_bloc.competences.all()),
            created_by=self.other_trainer,
        )
        self.other_slot = factories.SlotFactory(session=self.other_session, starts_at=start)
        self.other_registration = factories.RegistrationFactory(
            session=self.other_session, user=self.other_mediator
        )

    def user(self, role):
        return {
            MEDIATOR: self.mediator,
            OTHER_MEDIATOR: self.other_mediator,
            TRAINER: self.trainer,
            OTHER_TRAINER: self.other_trainer,
            HEAD: self.head,
            HUB: self.hub,
        }[role]

    # Built when a URL needs them.

    @cached_property
    def pending_membership(self):
        """Someone asking to join the head's place."""
        return factories.MembershipFactory(structure=self.place, status=MembershipStatus.PENDING)

    @cached_property
    def other_pending_membership(self):
        return factories.MembershipFactory(
            structure=self.other_place, status=MembershipStatus.PENDING
        )

    @cached_property
    def evidence_file(self):
        """A photo kept as evidence of the mediator's assessment in the trainer's session."""
        from django.core.files.base import ContentFile

        from trainings.models import AssessmentEvidenceFile

        evidence = AssessmentEvidenceFile(
            assessment=self.assessment, name="photo.png", content_type="image/png", size=8
        )
        evidence.file.save("photo.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=True)
        return evidence

    @cached_property
    def invitation(self):
        """The hub's invitation of someone without an account to train bloc B1."""
        from trainings.services import invitations

        today = timezone.localdate()
        return invitations.invitation_create(
            actor=self.hub,
            email="invitee@exemple.test",
            blocs=[self.bloc],
            valid_from=today,
            valid_until=today + datetime.timedelta(days=365),
        )

    @cached_property
    def invitation_token(self):
        from trainings.services import invitations

        return invitations.invitation_token(self.invitation)

    @cached_property
    def draft_version(self):
        return factories.make_reference(blocs=1, competences=1, criteria=1, status="draft")

    @cached_property
    def draft_session(self):
        return factories.SessionFactory(
            version=self.version,
            trainers=[self.trainer],
            status=SessionStatus.DRAFT,
            created_by=self.trainer,
        )

    @cached_property
    def unpublished_session(self):
        """Cancelled before it was ever published: as hidden as a draft."""
        return factories.SessionFactory(
            version=self.version,
            trainers=[self.trainer],
            status=SessionStatus.CANCELLED,
            published_at=None,
            created_by=self.trainer,
        )

    @cached_property
    def sign_code(self):
        return factories.SlotSignCodeFactory(slot=self.slot, created_by=self.trainer)

    @cached_property
    def peer_assessment(self):
        """A peer co-trainer's assessment of the mediator, awaiting an accredited trainer's
        review."""
        peer = factories.UserFactory()
        factories.make_peer_trainer(peer, blocs=[self.bloc])
        self.session.trainers.add(peer)
        return factories.AssessmentFactory(
            participant=self.mediator,
            competence=self.competences[1],
            session=self.session,
            assessor=peer,
            assessor_role=AssessorRole.PEER,
        )

    @cached_property
    def pathway(self):
        from competences import services as competence_services

        return competence_services.pathway_create(
            actor=self.hub,
            version=self.version,
            code="socle",
            title="Socle",
            audience="novice",
            blocs=[self.bloc],
            min_attended_hours=7,
            validity_months=12,
        )

    @cached_property
    def enrollment(self):
        """The mediator follows the pathway."""
        from certificates import services as certificate_services

        return certificate_services.enrollment_create(
            actor=self.mediator, user=self.mediator, pathway=self.pathway
        )

    @cached_property
    def other_enrollment(self):
        """The other mediator follows a pathway of bloc B2."""
        from certificates import services as certificate_services
        from competences import services as competence_services

        pathway = competence_services.pathway_create(
            actor=self.hub,
            version=self.version,
            code="socle-b2",
            title="Socle B2",
            audience="novice",
            blocs=[self.version.blocs.get(code="B2")],
            min_attended_hours=7,
            validity_months=12,
        )
        return certificate_services.enrollment_create(
            actor=self.other_mediator, user=self.other_mediator, pathway=pathway
        )

    @cached_property
    def decision(self):
        """A bloc validation of the mediator, recorded by hand with its proof. The peer-trainer
        right it gives is taken back, so that the mediator stays a plain mediator."""
        from certificates import services as certificate_services

        decision = certificate_services.decision_validate_manually(
            actor=self.hub,
            enrollment=self.enrollment,
            bloc=self.bloc,
            reason="Certification Pix reconnue",
            recognised="Pix",
            proof=SimpleUploadedFile("pix.pdf", b"%PDF-1.4 Pix", content_type="application/pdf"),
        )
        TrainerAccreditation.objects.filter(
            user=self.mediator, source=AccreditationSource.CERTIFICATION
        ).update(revoked_at=timezone.now() - datetime.timedelta(days=1))
        return decision

    @cached_property
    def attestation(self):
        """The mediator's end-of-training attestation: the session is closed and its documents
        issued (sealed PDFs)."""
        from certificates.models import AttestationKind, Issuer
        from certificates.services import attestations as issuing

        Issuer.objects.create(
            legal_name="Hub numérique Hauts-de-France",
            nda_number="32590000059",
            address="1 place du Théâtre\n59000 Lille",
            signatory_name="Claire Dumont",
            signatory_role="Directrice",
        )
        Session.objects.filter(pk=self.session.pk).update(
            status=SessionStatus.CLOSED, closed_at=timezone.now()
        )
        issued = issuing.attestations_issue_for_session(session_id=self.session.pk)
        return next(a for a in issued if a.kind == AttestationKind.END_OF_TRAINING)

    @cached_property
    def report_export(self):
        """The head's export of their place's sessions, ready to download."""
        from reporting import services as reporting_services

        job, _created = reporting_services.report_export_request(
            actor=self.head, kind="sessions", fmt="csv", query={}
        )
        reporting_services.report_export_build(export_id=job.pk)
        job.refresh_from_db()
        return job

    @cached_property
    def personal_export(self):
        """The mediator's export of their personal data, ready to download."""
        from privacy import services as privacy_services
        from privacy.models import PersonalDataExport

        privacy_services.personal_data_export_request(actor=self.mediator)
        export = PersonalDataExport.objects.get(user=self.mediator)
        if export.ready_at is None:
            privacy_services.personal_data_export_build(export_id=export.pk)
            export.refresh_from_db()
        return export


@pytest.fixture
def world(db):
    return World()


# The matrix ----------------------------------------------------------------------------------


def expect(default, **by_role):
    """{role: answer}: `default` for every logged-in role, LOGIN for anonymous visitors, then
    the exceptions given by role name."""
    answers = dict.fromkeys(LOGGED_IN, default)
    answers[ANON] = LOGIN
    answers.update(by_role)
    return answers


def only(*roles, others=403, status=200):
    """A page for these roles (status), refused to the other logged-in roles (others)."""
    return expect(others, **dict.fromkeys(roles, status))


def public(status=200):
    return dict.fromkeys(ROLES, status)


POST_ONLY = expect(405)


@dataclass(frozen=True)
class Case:
    name: str
    get: dict
    kwargs: object = None  # world -> URL kwargs
    variant: str = ""  # several cases of one URL (a draft, another format...)
    # POST by the roles who may not use the action: {role: expected answer}; nothing written.
    refused_posts: dict = field(default_factory=dict)
    post_data: object = None  # world -> data

    @property
    def id(self):
        return f"{self.name}[{self.variant}]" if self.variant else self.name


def refused(answer, *roles):
    """POSTs refused with `answer` to these roles (200: a form page that shows the refusal).
    Anonymous POSTs are checked on every URL by test_get."""
    return dict.fromkeys(roles, answer)


NOT_HUB = (MEDIATOR, OTHER_MEDIATOR, TRAINER, OTHER_TRAINER, HEAD)
NOT_SESSION_TRAINERS = (MEDIATOR, OTHER_MEDIATOR, OTHER_TRAINER, HEAD)
NOT_MEDIATOR = (OTHER_MEDIATOR, TRAINER, OTHER_TRAINER, HEAD, HUB)
NOT_REPORTING = (MEDIATOR, OTHER_MEDIATOR, TRAINER, OTHER_TRAINER)


def session(w):
    return {"pk": w.session.pk}


def version(w):
    return {"code": w.version.referential.code, "number": w.version.number}


def draft_version(w):
    return {"code": w.draft_version.referential.code, "number": w.draft_version.number}


MATRIX = [
    # core and Django ---------------------------------------------------------------------------
    Case("home", public()),
    Case("set_language", public(REDIRECT)),
    Case("audit_log", only(HUB)),
    # allauth: the pages Socle links to ---------------------------------------------------------
    Case("account_login", expect(REDIRECT, anonymous=200)),
    Case("account_signup", expect(REDIRECT, anonymous=200)),
    Case("account_logout", expect(200, anonymous=REDIRECT)),
    Case("account_reset_password", public()),
    Case("account_reset_password_done", public()),
    Case("account_email", expect(200)),
    Case("account_change_password", expect(200)),
    Case("account_set_password", expect(REDIRECT)),
    Case("mfa_index", expect(200)),
    # allauth's inner pages, opened with no login stage, e-mailed key or authenticator in
    # progress: they send the person back (home, login, reauthentication), say the link is not
    # valid, or have nothing to show (404).
    Case("account_inactive", public()),
    Case("account_email_verification_sent", public()),
    Case("account_confirm_email", public(), kwargs=lambda w: {"key": "pas-une-cle"}),
    Case(
        "account_reset_password_from_key",
        public(),
        kwargs=lambda w: {"uidb36": "4", "key": "pas-une-cle"},
    ),
    Case("account_reset_password_from_key_done", public()),
    Case("account_confirm_login_code", expect(REDIRECT)),
    Case("account_reauthenticate", expect(200)),
    Case("account_request_reauthentication_code", expect(200)),
    Case("account_confirm_reauthentication_code", expect(REDIRECT)),
    Case("mfa_authenticate", expect(REDIRECT)),
    Case("mfa_reauthenticate", expect(REDIRECT)),
    Case("mfa_activate_totp", expect(REDIRECT)),  # to reauthentication (force_login is not one)
    Case("mfa_deactivate_totp", expect(404)),
    Case("mfa_view_recovery_codes", expect(404)),
    Case("mfa_generate_recovery_codes", expect(REDIRECT)),
    Case("mfa_download_recovery_codes", expect(404)),
    # accounts ----------------------------------------------------------------------------------
    Case("accounts:profile", expect(200)),
    Case("accounts:territory_update", POST_ONLY),
    Case("accounts:membership_add", POST_ONLY),
    Case(
        "accounts:membership_remove",
        POST_ONLY,
        kwargs=lambda w: {"pk": w.membership.pk},
        refused_posts=refused(404, *NOT_MEDIATOR),
    ),
    Case("accounts:structure_list", only(HUB)),
    Case("accounts:structure_create", expect(200)),
    Case(
        "accounts:structure_detail",
        only(MEDIATOR, HEAD, HUB),
        kwargs=lambda w: {"pk": w.place.pk},
    ),
    Case("accounts:structure_update", only(HUB), kwargs=lambda w: {"pk": w.place.pk}),
    Case(
        "accounts:structure_verify",
        POST_ONLY,
        kwargs=lambda w: {"pk": w.other_place.pk},
        refused_posts=refused(403, *NOT_HUB),
    ),
    Case(
        "accounts:membership_decide",
        POST_ONLY,
        kwargs=lambda w: {"pk": w.pending_membership.pk, "decision": "valider"},
        refused_posts=refused(403, MEDIATOR, OTHER_MEDIATOR, TRAINER, OTHER_TRAINER),
    ),
    Case(
        "accounts:membership_decide",
        POST_ONLY,
        kwargs=lambda w: {"pk": w.other_pending_membership.pk, "decision": "valider"},
        variant="another place",
        refused_posts=refused(403, *NOT_HUB),
    ),
    Case("accounts:commune_search", expect(200)),
    Case("accounts:structure_search", expect(200)),
    # competences -------------------------------------------------------------------------------
    Case("competences:index", expect(200)),
    Case("competences:manage", only(HUB)),
    Case("competences:import", only(HUB)),
    Case(
        "competences:publish",
        POST_ONLY,
        kwargs=draft_version,
        refused_posts=refused(403, *NOT_HUB),
    ),
    Case("competences:clone", POST_ONLY, kwargs=version, refused_posts=refused(403, *NOT_HUB)),
    Case("competences:retire", POST_ONLY, kwargs=version, refused_posts=refused(403, *NOT_HUB)),
    Case(
        "competences:carry_over",
        POST_ONLY,
        kwargs=version,
        refused_posts=refused(403, *NOT_HUB),
    ),
    Case(
        "competences:delete",
        POST_ONLY,
        kwargs=draft_version,
        refused_posts=refused(403, *NOT_HUB),
    ),
    # competences: the hub's editing of a draft version (GET: a form or a confirmation page)
    Case(
        "competences:draft_update",
        only(HUB),
        kwargs=draft_version,
        refused_posts=refused(403, *NOT_HUB),
    ),
    Case(
        "competences:draft_bloc_create",
        only(HUB),
        kwargs=draft_version,
        refused_posts=refused(403, *NOT_HUB),
    ),
    Case(
        "competences:draft_bloc_update",
        only(HUB),
        kwargs=lambda w: {**draft_version(w), "pk": w.draft_version.blocs.get().pk},
        refused_posts=refused(403, *NOT_HUB),
    ),
    Case(
        "competences:draft_bloc_update",
        only(HUB, status=REDIRECT),
        kwargs=lambda w: {**version(w), "pk": w.bloc.pk},
        variant="published",
        refused_posts=refused(403, *NOT_HUB),
    ),
    Case(
        "competences:draft_bloc_delete",
        only(HUB),
        kwargs=lambda w: {**draft_version(w), "pk": w.draft_version.blocs.get().pk},
        refused_posts=refused(403, *NOT_HUB),
    ),
    Case(
        "competences:draft_competence_create",
        only(HUB),
        kwargs=lambda w: {**draft_version(w), "bloc_pk": w.draft_version.blocs.get().pk},
        refused_posts=refused(403, *NOT_HUB),
    ),
    Case(
        "competences:draft_competence_update",
        only(HUB),
        kwargs=lambda w: {**draft_version(w), "pk": w.draft_version.competences.get().pk},
        refused_posts=refused(403, *NOT_HUB),
    ),
    Case(
        "competences:draft_competence_delete",
        only(HUB),
        kwargs=lambda w: {**draft_version(w), "pk": w.draft_version.competences.get().pk},
        refused_posts=refused(403, *NOT_HUB),
    ),
    Case(
        "competences:draft_criterion_create",
        only(HUB),
        kwargs=lambda w: {
            **draft_version(w),
            "competence_pk": w.draft_version.competences.get().pk,
        },
        refused_posts=refused(403, *NOT_HUB),
    ),
    Case(
        "competences:draft_criterion_update",
        only(HUB),
        kwargs=lambda w: {**draft_version(w), "pk": w.draft_version.criteria.get().pk},
        refused_posts=refused(403, *NOT_HUB),
    ),
    Case(
        "competences:draft_criterion_delete",
        only(HUB),
        kwargs=lambda w: {**draft_version(w), "pk": w.draft_version.criteria.get().pk},
        refused_posts=refused(403, *NOT_HUB),
    ),
    Case(
        "competences:draft_level_update",
        only(HUB),
        kwargs=lambda w: {**draft_version(w), "pk": w.draft_version.levels.first().pk},
        refused_posts=refused(403, *NOT_HUB),
    ),
    Case("competences:compare", expect(200), kwargs=lambda w: {"code": w.version.referential.code}),
    Case("competences:version_detail", expect(200), kwargs=version),
    Case(
        "competences:version_detail",
        only(HUB, others=404),
        kwargs=draft_version,
        variant="draft",
    ),
    Case(
        "competences:version_export",
        expect(200),
        kwargs=lambda w: {**version(w), "fmt": "csv"},
    ),
    Case(
        "competences:version_export",
        only(HUB, others=404),
        kwargs=lambda w: {**draft_version(w), "fmt": "csv"},
        variant="draft",
    ),
    Case(
        "competences:pathway_detail",
        expect(200),
        kwargs=lambda w: {**version(w), "pathway_code": w.pathway.code},
    ),
    # trainings: sessions and registrations -----------------------------------------------------
    Case("trainings:session_list", expect(200, **{ANON: 200})),
    Case("trainings:session_detail", expect(200), kwargs=session),
    Case(
        "trainings:session_detail",
        only(TRAINER, HUB, others=404),
        kwargs=lambda w: {"pk": w.draft_session.pk},
        variant="draft",
    ),
    Case(
        "trainings:register",
        POST_ONLY,
        kwargs=lambda w: {"pk": w.draft_session.pk},
        variant="draft",
        refused_posts=refused(404, MEDIATOR, OTHER_MEDIATOR, OTHER_TRAINER, HEAD),
    ),
    Case(
        "trainings:session_detail",
        only(TRAINER, HUB, others=404),
        kwargs=lambda w: {"pk": w.unpublished_session.pk},
        variant="never published",
    ),
    Case(
        "trainings:register",
        POST_ONLY,
        kwargs=lambda w: {"pk": w.unpublished_session.pk},
        variant="never published",
        refused_posts=refused(404, MEDIATOR, OTHER_MEDIATOR, OTHER_TRAINER, HEAD),
    ),
    Case("trainings:my_registrations", expect(200)),
    Case(
        "trainings:registration_cancel",
        POST_ONLY,
        kwargs=lambda w: {"pk": w.registration.pk},
        refused_posts=refused(404, *NOT_MEDIATOR),
    ),
    Case(
        "trainings:registration_ics",
        only(MEDIATOR, others=404),
        kwargs=lambda w: {"pk": w.registration.pk},
    ),
    Case("trainings:my_sessions", expect(200)),
    Case("trainings:session_create", only(TRAINER, OTHER_TRAINER, HUB)),
    Case("trainings:session_competence_choices", only(TRAINER, OTHER_TRAINER, HUB)),
    Case("trainings:co_trainer_search", only(TRAINER, OTHER_TRAINER, HUB)),
    Case("trainings:session_manage", only(TRAINER, HUB), kwargs=session),
    Case("trainings:session_edit", only(TRAINER, HUB), kwargs=session),
    Case(
        "trainings:session_publish",
        POST_ONLY,
        kwargs=lambda w: {"pk": w.draft_session.pk},
        refused_posts=refused(403, *NOT_SESSION_TRAINERS),
    ),
    Case(
        "trainings:session_cancel",
        only(TRAINER, HUB),
        kwargs=session,
        refused_posts=refused(403, *NOT_SESSION_TRAINERS),
        post_data=lambda w: {"reason": "Annulée"},
    ),
    Case(
        "trainings:session_duplicate",
        only(TRAINER, HUB),
        kwargs=session,
        refused_posts=refused(403, *NOT_SESSION_TRAINERS),
        post_data=lambda w: {"weeks": "1"},
    ),
    Case(
        "trainings:session_close",
        only(TRAINER, HUB),
        kwargs=session,
        refused_posts=refused(403, *NOT_SESSION_TRAINERS),
        post_data=lambda w: {"confirm": "1"},
    ),
    Case(
        "trainings:participant_add",
        POST_ONLY,
        kwargs=session,
        refused_posts=refused(403, *NOT_SESSION_TRAINERS),
        post_data=lambda w: {"email": w.other_mediator.email},
    ),
    Case(
        "trainings:participant_invite",
        POST_ONLY,
        kwargs=session,
        refused_posts=refused(403, *NOT_SESSION_TRAINERS),
        post_data=lambda w: {"email": "sans-compte@exemple.test"},
    ),
    Case(
        "trainings:participant_remove",
        POST_ONLY,
        kwargs=lambda w: {"pk": w.session.pk, "registration_pk": w.registration.pk},
        refused_posts=refused(403, *NOT_SESSION_TRAINERS),
    ),
    Case(
        "trainings:participant_remove",
        POST_ONLY,
        kwargs=lambda w: {"pk": w.session.pk, "registration_pk": w.other_registration.pk},
        variant="another session's registration",
        refused_posts=refused(403, *NOT_SESSION_TRAINERS) | {TRAINER: 404, HUB: 404},
    ),
    # trainings: accreditations (the hub's) -----------------------------------------------------
    Case("trainings:accreditation_list", only(HUB)),
    Case("trainings:accreditation_grant", only(HUB)),
    Case("trainings:accreditation_person_search", only(HUB)),
    Case(
        "trainings:accreditation_revoke",
        only(HUB, status=405),
        kwargs=lambda w: {"pk": w.accreditation.pk},
        refused_posts=refused(403, *NOT_HUB),
    ),
    Case(
        "trainings:invitation_cancel",
        only(HUB, status=405),
        kwargs=lambda w: {"pk": w.invitation.pk},
        refused_posts=refused(403, *NOT_HUB),
    ),
    Case(
        "trainings:invitation_resend",
        only(HUB, status=405),
        kwargs=lambda w: {"pk": w.invitation.pk},
        refused_posts=refused(403, *NOT_HUB),
    ),
    # The invited person's page is public (they may have no account yet); accepting needs the
    # invited address: anyone else gets the page back with the refusal.
    Case(
        "trainings:invitation",
        public(),
        kwargs=lambda w: {"token": w.invitation_token},
        refused_posts={ANON: LOGIN, **refused(200, *LOGGED_IN)},
    ),
    Case(
        "trainings:invitation",
        public(404),
        kwargs=lambda w: {"token": "pas-un-jeton"},
        variant="bad token",
    ),
    Case(
        "trainings:trainer_history",
        only(HUB),
        kwargs=lambda w: {"user_pk": w.trainer.pk},
    ),
    # trainings: attendance ---------------------------------------------------------------------
    Case("trainings:attendance_grid", only(TRAINER, HUB), kwargs=session),
    Case(
        "trainings:attendance_cell",
        POST_ONLY,
        kwargs=lambda w: {
            "pk": w.session.pk,
            "slot_pk": w.slot.pk,
            "registration_pk": w.registration.pk,
        },
        refused_posts=refused(403, *NOT_SESSION_TRAINERS),
        post_data=lambda w: {"status": "absent"},
    ),
    Case(
        "trainings:attendance_history",
        only(TRAINER, HUB),
        kwargs=lambda w: {
            "pk": w.session.pk,
            "slot_pk": w.slot.pk,
            "registration_pk": w.registration.pk,
        },
    ),
    Case(
        "trainings:attendance_history",
        expect(403, trainer=404, hub=404),
        kwargs=lambda w: {
            "pk": w.session.pk,
            "slot_pk": w.slot.pk,
            "registration_pk": w.other_registration.pk,
        },
        variant="another session's registration",
    ),
    Case("trainings:attendance_sheet", only(TRAINER, HUB), kwargs=session),
    Case(
        "trainings:sign_code",
        only(TRAINER, HUB),
        kwargs=session,
        refused_posts=refused(403, *NOT_SESSION_TRAINERS),
    ),
    Case(
        "trainings:sign_code_slot",
        only(TRAINER, HUB),
        kwargs=lambda w: {"pk": w.session.pk, "slot_pk": w.slots[1].pk},
        refused_posts=refused(403, *NOT_SESSION_TRAINERS),
    ),
    Case(
        "trainings:sign_code_slot",
        expect(403, trainer=404, hub=404),
        kwargs=lambda w: {"pk": w.session.pk, "slot_pk": w.other_slot.pk},
        variant="another session's slot",
        refused_posts=refused(403, *NOT_SESSION_TRAINERS) | {TRAINER: 404, HUB: 404},
    ),
    Case("trainings:attendance_sign", expect(200)),
    Case(
        "trainings:attendance_sign_qr",
        expect(200),
        kwargs=lambda w: {"token": w.sign_code.token},
    ),
    # trainings: assessments --------------------------------------------------------------------
    Case("trainings:evaluation_grid", only(TRAINER, HUB), kwargs=session),
    Case(
        "trainings:assessment_cell",
        only(TRAINER, HUB),
        kwargs=lambda w: {
            "pk": w.session.pk,
            "registration_pk": w.registration.pk,
            "competence_pk": w.competences[2].pk,
        },
        refused_posts=refused(403, *NOT_SESSION_TRAINERS),
    ),
    Case(
        "trainings:assessment_cell",
        expect(403, trainer=404, hub=404),
        kwargs=lambda w: {
            "pk": w.session.pk,
            "registration_pk": w.other_registration.pk,
            "competence_pk": w.competences[2].pk,
        },
        variant="another session's registration",
        refused_posts=refused(403, *NOT_SESSION_TRAINERS) | {TRAINER: 404, HUB: 404},
    ),
    Case("trainings:my_assessments", expect(200)),
    Case(
        "trainings:evidence_file",
        expect(404, **dict.fromkeys((MEDIATOR, TRAINER, HUB), 200)),
        kwargs=lambda w: {"pk": w.evidence_file.pk},
    ),
    Case("trainings:self_assessment", expect(200)),
    Case(
        "trainings:participant_assessments",
        only(MEDIATOR, TRAINER, HUB),
        kwargs=lambda w: {"user_pk": w.mediator.pk},
    ),
    Case(
        "trainings:participant_assessments",
        only(OTHER_MEDIATOR, OTHER_TRAINER, HUB),
        kwargs=lambda w: {"user_pk": w.other_mediator.pk},
        variant="other mediator",
    ),
    Case("trainings:review_list", only(TRAINER, OTHER_TRAINER, HUB)),
    Case(
        "trainings:assessment_review",
        expect(403, trainer=200, hub=200, other_trainer=404),
        kwargs=lambda w: {"pk": w.peer_assessment.pk},
        refused_posts=refused(403, MEDIATOR, OTHER_MEDIATOR, HEAD) | {OTHER_TRAINER: 404},
        post_data=lambda w: {"decision": "confirmed"},
    ),
    # trainings: imports and exports ------------------------------------------------------------
    Case("trainings:imports_home", only(TRAINER, HUB), kwargs=session),
    Case(
        "trainings:import_participants",
        POST_ONLY,
        kwargs=session,
        refused_posts=refused(403, *NOT_SESSION_TRAINERS),
    ),
    Case(
        "trainings:import_attendance",
        POST_ONLY,
        kwargs=session,
        refused_posts=refused(403, *NOT_SESSION_TRAINERS),
    ),
    Case(
        "trainings:export_attendance",
        only(TRAINER, HUB),
        kwargs=lambda w: {"pk": w.session.pk, "fmt": "csv"},
    ),
    Case(
        "trainings:export_assessments",
        only(TRAINER, HUB),
        kwargs=lambda w: {"pk": w.session.pk, "fmt": "xlsx"},
    ),
    # certificates: progress and the hub's follow-up --------------------------------------------
    Case("certificates:my_progress", expect(200)),
    Case(
        "certificates:enroll",
        POST_ONLY,
        kwargs=lambda w: {"pk": w.pathway.pk},
    ),
    Case(
        "certificates:withdraw",
        POST_ONLY,
        kwargs=lambda w: {"pk": w.enrollment.pk},
        refused_posts=refused(404, *NOT_MEDIATOR),
    ),
    Case("certificates:enrollment_list", only(HUB)),
    Case("certificates:enroll_many", only(HUB)),
    Case(
        "certificates:enrollment_detail",
        only(MEDIATOR, TRAINER, HUB, others=404),
        kwargs=lambda w: {"pk": w.enrollment.pk},
    ),
    Case(
        "certificates:enrollment_detail",
        only(OTHER_MEDIATOR, OTHER_TRAINER, HUB, others=404),
        kwargs=lambda w: {"pk": w.other_enrollment.pk},
        variant="other mediator",
    ),
    Case(
        "certificates:validate_manually",
        POST_ONLY,
        kwargs=lambda w: {"pk": w.enrollment.pk},
        refused_posts=refused(403, *NOT_HUB),
        post_data=lambda w: {"reason": "Pix", "bloc": w.bloc.pk},
    ),
    Case(
        "certificates:move_rule_set",
        POST_ONLY,
        kwargs=lambda w: {"pk": w.enrollment.pk},
        refused_posts=refused(403, *NOT_HUB),
    ),
    Case(
        "certificates:withdraw_decision",
        POST_ONLY,
        kwargs=lambda w: {"kind": "bloc", "pk": w.decision.pk},
        refused_posts=refused(403, *NOT_HUB),
        post_data=lambda w: {"reason": "Erreur"},
    ),
    Case(
        "certificates:decision_proof",
        only(HUB),
        kwargs=lambda w: {"kind": "bloc", "pk": w.decision.pk},
    ),
    Case(
        "certificates:session_progress",
        only(TRAINER, HUB, others=404),
        kwargs=session,
    ),
    # certificates: attestations ----------------------------------------------------------------
    Case(
        "certificates:session_attestations",
        only(TRAINER, HUB, others=404),
        kwargs=lambda w: {"pk": w.attestation.session_id},
    ),
    Case(
        "certificates:session_attestations_zip",
        only(TRAINER, HUB, others=404),
        kwargs=lambda w: {"pk": w.attestation.session_id},
    ),
    Case(
        "certificates:session_attestations_issue",
        POST_ONLY,
        kwargs=lambda w: {"pk": w.attestation.session_id},
        refused_posts=refused(404, *NOT_SESSION_TRAINERS),
    ),
    Case("certificates:my_attestations", expect(200)),
    Case(
        "certificates:download",
        only(MEDIATOR, TRAINER, HUB, others=404),
        kwargs=lambda w: {"pk": w.attestation.pk},
    ),
    Case(
        "certificates:show_details",
        POST_ONLY,
        kwargs=lambda w: {"pk": w.attestation.pk},
        refused_posts=refused(404, *NOT_MEDIATOR),
        post_data=lambda w: {"show": "1"},
    ),
    Case(
        "certificates:attestation_manage",
        only(HUB),
        kwargs=lambda w: {"pk": w.attestation.pk},
        refused_posts=refused(403, *NOT_HUB),
        post_data=lambda w: {"action": "revoke", "reason": "Erreur"},
    ),
    Case("certificates:issuer_edit", only(HUB)),
    # certificates: public verification ---------------------------------------------------------
    Case("certificates:verify_home", public()),
    Case("certificates:badge_keys", public()),
    Case("certificates:badge_issuer", public()),
    Case("certificates:status_list", public(), kwargs=lambda w: {"purpose": "revocation"}),
    Case(
        "certificates:verify_credential",
        public(),
        kwargs=lambda w: {"code": w.attestation.verification_code},
    ),
    Case(
        "certificates:verify_json",
        public(),
        kwargs=lambda w: {"code": w.attestation.verification_code},
    ),
    Case(
        "certificates:verify",
        public(),
        kwargs=lambda w: {"code": w.attestation.verification_code},
    ),
    Case(
        "certificates:verify",
        public(404),
        kwargs=lambda w: {"code": "ABCDEFGHJKMN"},
        variant="unknown code",
    ),
    # reporting (the hub's and the heads of places') --------------------------------------------
    Case("reporting:dashboard", only(HEAD, HUB)),
    Case("reporting:session_list", only(HEAD, HUB)),
    Case("reporting:decision_list", only(HEAD, HUB)),
    Case("reporting:attestation_list", only(HEAD, HUB)),
    Case("reporting:quality", only(HEAD, HUB)),
    Case("reporting:export_list", only(HEAD, HUB)),
    Case(
        "reporting:export_create",
        POST_ONLY,
        refused_posts=refused(403, *NOT_REPORTING),
        post_data=lambda w: {"kind": "sessions", "format": "csv"},
    ),
    Case(
        "reporting:export_status",
        expect(403, head=200, hub=404),
        kwargs=lambda w: {"pk": w.report_export.pk},
    ),
    Case(
        "reporting:export_download",
        expect(403, head=200, hub=404),
        kwargs=lambda w: {"pk": w.report_export.pk},
    ),
    # privacy -----------------------------------------------------------------------------------
    Case("privacy_policy", public()),
    Case("privacy:my_data", expect(200)),
    Case("privacy:accesses", expect(200)),
    Case("privacy:erasure", expect(200)),
    Case("privacy:export_request", POST_ONLY),
    Case(
        "privacy:export_download",
        only(MEDIATOR, others=404),
        kwargs=lambda w: {"pk": w.personal_export.pk},
    ),
]


# Reading the URLs ----------------------------------------------------------------------------


def url_names(patterns=None, namespace=""):
    """(name, route) of every URL pattern, names prefixed with their namespaces; unnamed
    patterns as (None, route)."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            if inner.split(":", 1)[0] in EXCLUDED_NAMESPACES:
                continue
            yield from url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            view = pattern.lookup_str
            if view in EXCLUDED_VIEWS:
                continue
            yield (f"{namespace}{pattern.name}" if pattern.name else None), str(pattern.pattern)


def test_every_url_is_in_the_matrix():
    found = list(url_names())
    unnamed = [route for name, route in found if name is None]
    assert not unnamed, f"URL patterns without a name cannot be checked: {unnamed}"
    names = {name for name, _route in found}
    covered = {case.name for case in MATRIX}
    missing = sorted(names - covered - EXCLUDED.keys())
    assert not missing, (
        "URLs missing from tests/test_url_role_matrix.py (say who may open them): "
        + ", ".join(missing)
    )
    stale = sorted((covered | EXCLUDED.keys()) - names)
    assert not stale, f"the matrix names URLs that no longer exist: {stale}"
    assert not covered & EXCLUDED.keys()


def test_the_matrix_names_each_case_once_and_every_role():
    ids = [case.id for case in MATRIX]
    assert len(ids) == len(set(ids))
    for case in MATRIX:
        assert set(case.get) == set(ROLES), case.id


# Checking ------------------------------------------------------------------------------------

_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


def _written_tables(queries):
    tables = set()
    for query in queries:
        match = _WRITE.match(query["sql"])
        if match:
            tables.add(match.group(1))
    return tables - WRITABLE_WHEN_REFUSED


def _client_as(client, world, role):
    client.logout()
    if role != ANON:
        client.force_login(world.user(role))
    return client


def _answer(response):
    if response.status_code == 302:
        login = reverse("account_login")
        return LOGIN if response.url.startswith(login) else REDIRECT
    return response.status_code


REFUSED = {LOGIN, 403, 404, 405}


@pytest.mark.parametrize("case", MATRIX, ids=[case.id for case in MATRIX])
def test_get(client, world, case):
    url = reverse(case.name, kwargs=case.kwargs(world) if case.kwargs else None)
    wrong = []
    for role in ROLES:
        _client_as(client, world, role)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        got = _answer(response)
        if got != case.get[role]:
            wrong.append(f"{role}: {got} (expected {case.get[role]})")
        elif got in REFUSED and (written := _written_tables(queries)):
            wrong.append(f"{role}: refused but wrote to {sorted(written)}")
    if case.get[ANON] == LOGIN:
        # Whatever the method, a page that needs a login sends anonymous visitors to it.
        _client_as(client, world, ANON)
        with CaptureQueriesContext(connection) as queries:
            got = _answer(client.post(url))
        if got != LOGIN:
            wrong.append(f"{ANON} POST: {got} (expected {LOGIN})")
        elif written := _written_tables(queries):
            wrong.append(f"{ANON} POST: refused but wrote to {sorted(written)}")
    assert not wrong, f"GET {url}\n" + "\n".join(wrong)


POST_CASES = [case for case in MATRIX if case.refused_posts]


@pytest.mark.parametrize("case", POST_CASES, ids=[case.id for case in POST_CASES])
def test_refused_post_writes_nothing(client, world, case):
    url = reverse(case.name, kwargs=case.kwargs(world) if case.kwargs else None)
    data = case.post_data(world) if case.post_data else {}
    wrong = []
    for role, expected in case.refused_posts.items():
        assert expected in REFUSED | {200}, case.id
        _client_as(client, world, role)
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, data)
        got = _answer(response)
        if got != expected:
            wrong.append(f"{role}: {got} (expected {expected})")
        elif written := _written_tables(queries):
            wrong.append(f"{role}: refused but wrote to {sorted(written)}")
    assert not wrong, f"POST {url}\n" + "\n".join(wrong)


# What a page shows, beyond its status ---------------------------------------------------------


def test_the_assessment_cell_shows_a_trainer_their_own_sessions_only(client, world):
    """As on the participant's history page (history_scope): a trainer who adds anyone to their
    session must not read that person's assessments from other trainers' sessions."""
    competence = world.competences[2]
    elsewhere = factories.SessionFactory(version=world.version, competences=[competence])
    stranger = factories.UserFactory()
    elsewhere.trainers.add(stranger)
    factories.RegistrationFactory(session=elsewhere, user=world.mediator)
    factories.AssessmentFactory(
        session=elsewhere,
        participant=world.mediator,
        competence=competence,
        assessor=stranger,
        comment="Observation dans une autre session",
    )
    url = reverse(
        "trainings:assessment_cell",
        kwargs={
            "pk": world.session.pk,
            "registration_pk": world.registration.pk,
            "competence_pk": competence.pk,
        },
    )
    client.force_login(world.trainer)
    assert "Observation dans une autre session" not in client.get(url).content.decode()
    client.force_login(world.hub)
    assert "Observation dans une autre session" in client.get(url).content.decode()
