"""The exports page and its jobs: who may ask and download, the lifecycle of a job (queued →
running → ready, or failed with a message), the limits, bad input, and the purge."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import MediatorFunction, Membership
from core.models import AuditLog
from reporting import services
from reporting.exports import writers
from reporting.models import ExportStatus, ReportExport
from tests import factories

from . import network

pytestmark = pytest.mark.django_db

PERIOD = {"start": "2026-01-01", "end": "2026-06-30"}
LIST = reverse("reporting:export_list")
CREATE = reverse("reporting:export_create")


@pytest.fixture
def net():
    return network.build()


def ask(client, capture, kind="certifications", fmt="csv", **filters):
    with capture(execute=True):
        return client.post(CREATE, {"kind": kind, "format": fmt, **PERIOD, **filters})


def content(response):
    return b"".join(response.streaming_content)


# Lifecycle ------------------------------------------------------------------------------------


def test_a_hub_coordinator_asks_follows_and_downloads(
    client, net, django_capture_on_commit_callbacks
):
    client.force_login(net.hub)
    page = client.get(LIST, {**PERIOD, "departement": "59"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Filtres appliqués" in text and "59 — Nord" in text
    assert 'name="departement" value="59"' in text

    response = ask(client, django_capture_on_commit_callbacks)
    job = ReportExport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("reporting:export_status", args=[job.pk])
    assert (job.status, job.rows_done, job.rows_total) == (ExportStatus.READY, 4, 4)
    assert job.query == PERIOD
    assert job.expires_at == job.ready_at + datetime.timedelta(days=7)

    status = client.get(response.url).content.decode()
    assert "Télécharger socle-certifications-du-2026-01-01-au-2026-06-30.csv" in status
    assert "hx-trigger" not in status

    download = client.get(reverse("reporting:export_download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == (
        'attachment; filename="socle-certifications-du-2026-01-01-au-2026-06-30.csv"'
    )
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    body = content(download).decode("utf-8-sig")
    assert body.splitlines()[0].startswith("type;titulaire;fonction;")
    assert len(body.splitlines()) == 5
    assert AuditLog.objects.filter(action="report_export.download").count() == 1


def test_progress_is_saved_while_the_file_is_written(
    client, net, django_capture_on_commit_callbacks, monkeypatch
):
    seen = []
    counted = writers._counted

    def spying(rows, progress, every):
        def record(done):
            progress(done)
            seen.append(ReportExport.objects.values_list("status", "rows_done", "rows_total").get())

        return counted(rows, record, 1)

    monkeypatch.setattr(writers, "_counted", spying)
    client.force_login(net.hub)
    ask(client, django_capture_on_commit_callbacks, fmt="xlsx")
    assert seen == [("running", n, 4) for n in (1, 2, 3, 4, 4)]
    assert ReportExport.objects.get().status == ExportStatus.READY


def test_the_status_fragment_polls_while_the_job_runs(client, net):
    client.force_login(net.hub)
    client.post(CREATE, {"kind": "sessions", "format": "json", **PERIOD})  # not run: queued
    job = ReportExport.objects.get()
    url = reverse("reporting:export_status", args=[job.pk])
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert b"<html" not in fragment.content
    assert b'hx-trigger="every 2s"' in fragment.content
    assert "HX-Request" in fragment["Vary"]
    page = client.get(url).content.decode()
    assert 'aria-live="polite"' in page and "Actualiser l'état" in page
    ReportExport.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, rows_done=2000, rows_total=8000
    )
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'value="25"' in fragment and "2000 lignes écrites sur environ 8000" in fragment


def test_a_failure_is_recorded_with_a_message(
    client, net, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("disque plein")

    monkeypatch.setattr(services.exports, "write_export", broken)
    client.force_login(net.hub)
    response = ask(client, django_capture_on_commit_callbacks)
    job = ReportExport.objects.get()
    assert job.status == ExportStatus.FAILED
    assert "a échoué" in job.error and "disque plein" not in job.error
    assert not job.file
    page = client.get(response.url).content.decode()
    assert "a échoué" in page
    assert client.get(reverse("reporting:export_download", args=[job.pk])).status_code == 404


def test_a_job_whose_owner_lost_their_rights_fails(net):
    job, _created = services.report_export_request(
        actor=net.chloe, kind="certifications", fmt="csv", query=PERIOD
    )
    Membership.objects.filter(user=net.chloe).update(function=MediatorFunction.AIDANT)
    services.report_export_build(export_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert "droits ont changé" in job.error


def test_building_is_idempotent(net, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = services.report_export_request(
            actor=net.hub, kind="sessions", fmt="csv", query=PERIOD
        )
    job.refresh_from_db()
    name = job.file.name
    services.report_export_build(export_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.file.name) == (ExportStatus.READY, name)


# Limits and bad input -------------------------------------------------------------------------


def test_the_same_request_twice_makes_one_job(client, net, django_capture_on_commit_callbacks):
    client.force_login(net.hub)
    first = client.post(CREATE, {"kind": "sessions", "format": "csv", **PERIOD})
    second = client.post(CREATE, {"kind": "sessions", "format": "csv", **PERIOD})
    assert first.url == second.url
    assert ReportExport.objects.count() == 1
    ReportExport.objects.all().delete()
    ask(client, django_capture_on_commit_callbacks)
    ask(client, django_capture_on_commit_callbacks)  # ready already, seconds later
    assert ReportExport.objects.count() == 1
    ask(client, django_capture_on_commit_callbacks, departement="59")
    assert ReportExport.objects.count() == 2


def test_at_most_three_exports_in_preparation(client, net):
    client.force_login(net.hub)
    for kind in ("sessions", "attestations", "evaluations"):
        client.post(CREATE, {"kind": kind, "format": "csv", **PERIOD})
    assert ReportExport.objects.filter(status=ExportStatus.QUEUED).count() == 3
    response = client.post(CREATE, {"kind": "parcours", "format": "csv", **PERIOD})
    assert response.status_code == 429
    assert "déjà 3 exports en préparation" in response.content.decode()
    assert ReportExport.objects.count() == 3
    ReportExport.objects.filter(kind="sessions").update(status=ExportStatus.FAILED)
    assert client.post(CREATE, {"kind": "parcours", "format": "csv", **PERIOD}).status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "tout", "format": "csv"}, "Choisissez ce que vous voulez exporter."),
        ({"kind": "sessions", "format": "pdf"}, "Choisissez un format : CSV, XLSX ou JSON."),
        ({"format": "csv"}, "Choisissez ce que vous voulez exporter."),
        (
            {"kind": "sessions", "format": "csv", "start": "2026-06-30", "end": "2026-01-01"},
            "La fin de la période précède son début.",
        ),
        (
            {"kind": "sessions", "format": "csv", "start": "hier"},
            "Saisissez une date valide.",
        ),
        (
            {"kind": "sessions", "format": "csv", "region": "32", "departement": "75"},
            "Ce département n&#x27;est pas dans la région choisie.",
        ),
    ],
)
def test_bad_input_is_refused_with_its_message(client, net, data, message):
    client.force_login(net.hub)
    response = client.post(CREATE, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ReportExport.objects.exists()


def test_bad_filters_on_the_page_are_explained(client, net):
    client.force_login(net.hub)
    response = client.get(LIST, {"start": "2026-06-30", "end": "2026-01-01"})
    assert response.status_code == 400
    assert "La fin de la période précède son début." in response.content.decode()


def test_open_data_is_the_hub_s(client, net):
    client.force_login(net.chloe)
    page = client.get(LIST).content.decode()
    assert "opendata-lieux" not in page and "certifications" in page
    response = client.post(CREATE, {"kind": "opendata-lieux", "format": "csv"})
    assert response.status_code == 400
    assert "préparés par la coordination du hub" in response.content.decode()
    client.force_login(net.hub)
    assert "opendata-lieux" in client.get(LIST).content.decode()


# Who may ask and download ---------------------------------------------------------------------


def test_only_the_hub_and_heads_of_places_reach_the_exports(client, net):
    assert client.get(LIST).status_code == 302  # to the login page
    client.force_login(net.anna)
    assert client.get(LIST).status_code == 403
    assert client.post(CREATE, {"kind": "sessions", "format": "csv"}).status_code == 403
    client.force_login(net.chloe)
    assert client.get(LIST).status_code == 200
    client.force_login(net.hub)
    assert client.get(LIST).status_code == 200


def test_a_head_of_place_cannot_reach_the_hub_s_job(
    client, net, django_capture_on_commit_callbacks
):
    client.force_login(net.hub)
    ask(client, django_capture_on_commit_callbacks)
    hub_job = ReportExport.objects.get()
    client.force_login(net.chloe)
    for name in ("reporting:export_status", "reporting:export_download"):
        assert client.get(reverse(name, args=[hub_job.pk])).status_code == 404
    assert hub_job.pk not in [j.pk for j in client.get(LIST).context["page"]]

    ask(client, django_capture_on_commit_callbacks)
    mine = ReportExport.objects.get(requested_by=net.chloe)
    assert not mine.scope_is_hub and mine.scope_structure_ids == [net.arras.pk]
    download = client.get(reverse("reporting:export_download", args=[mine.pk]))
    lines = content(download).decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and net.chloe.last_name in lines[1]


def test_the_download_follows_the_requester_s_current_scope(
    client, net, django_capture_on_commit_callbacks
):
    client.force_login(net.chloe)
    ask(client, django_capture_on_commit_callbacks)
    job = ReportExport.objects.get()
    url = reverse("reporting:export_download", args=[job.pk])
    assert client.get(url).status_code == 200
    # She heads another place instead: her Arras file is no longer hers to take.
    Membership.objects.filter(user=net.chloe).update(function=MediatorFunction.AIDANT)
    factories.MembershipFactory(user=net.chloe, function=MediatorFunction.RESPONSABLE)
    assert client.get(url).status_code == 403
    ReportExport.objects.filter(pk=job.pk).update(expires_at=timezone.now())
    Membership.objects.filter(user=net.chloe).update(function=MediatorFunction.RESPONSABLE)
    assert client.get(url).status_code == 404  # expired


def test_the_list_page_costs_a_constant_number_of_queries(
    client, net, django_assert_max_num_queries
):
    client.force_login(net.chloe)
    ReportExport.objects.create(requested_by=net.chloe, kind="sessions", format="csv")
    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST, PERIOD).status_code == 200
    now = timezone.now()
    for index in range(30):
        ReportExport.objects.create(
            requested_by=net.chloe,
            kind="certifications",
            format="xlsx",
            status=ExportStatus.READY,
            ready_at=now,
            expires_at=now + datetime.timedelta(days=7),
            file=f"report-exports/x{index}/f.xlsx",
            size=1000,
        )
    with django_assert_max_num_queries(len(one)):
        page = client.get(LIST, {**PERIOD, "page": 2})
    assert page.status_code == 200 and len(page.context["page"]) == 11


# Purge ----------------------------------------------------------------------------------------


def test_the_purge_counts_then_deletes_with_wet_run(net, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        old, _ = services.report_export_request(
            actor=net.hub, kind="sessions", fmt="json", query=PERIOD
        )
        fresh, _ = services.report_export_request(
            actor=net.hub, kind="attestations", fmt="json", query=PERIOD
        )
    old.refresh_from_db()
    storage, name = old.file.storage, old.file.name
    assert storage.exists(name)
    past = timezone.now() - datetime.timedelta(days=8)
    ReportExport.objects.filter(pk=old.pk).update(
        ready_at=past, expires_at=past + datetime.timedelta(days=7)
    )
    failed = ReportExport.objects.create(
        requested_by=net.hub, kind="sessions", format="csv", status=ExportStatus.FAILED
    )
    ReportExport.objects.filter(pk=failed.pk).update(requested_at=past)

    out = io.StringIO()
    call_command("purge_report_exports", stdout=out)
    assert "2 export(s) à supprimer" in out.getvalue()
    assert ReportExport.objects.count() == 3 and storage.exists(name)

    call_command("purge_report_exports", "--wet-run", stdout=out)
    assert "2 export(s) supprimé(s)" in out.getvalue()
    assert list(ReportExport.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not storage.exists(name)


def test_the_job_stores_the_filters_it_was_asked_with(net):
    job, created = services.report_export_request(
        actor=net.hub,
        kind="statistiques",
        fmt="json",
        query={"departement": "59", "page": "3", "csrfmiddlewaretoken": "x", "end": ""},
    )
    assert created
    today = timezone.localdate()
    start = today.replace(day=1).replace(year=today.year - 1)
    assert job.query == {
        "departement": "59",
        "start": start.isoformat(),
        "end": today.isoformat(),
    }
    assert json.loads(json.dumps(job.query)) == job.query


def test_a_job_interrupted_for_hours_frees_its_place(client, net):
    client.force_login(net.hub)
    for kind in ("sessions", "attestations", "evaluations"):
        client.post(CREATE, {"kind": kind, "format": "csv", **PERIOD})
    ReportExport.objects.filter(kind="sessions").update(
        status=ExportStatus.RUNNING, started_at=timezone.now() - datetime.timedelta(hours=3)
    )
    assert client.post(CREATE, {"kind": "parcours", "format": "csv", **PERIOD}).status_code == 302
    stale = ReportExport.objects.get(kind="sessions")
    assert stale.status == ExportStatus.FAILED and "interrompue" in stale.error
