"""BENCHMARKS.md: the run's context (date, machine, database, dataset) and each section's table."""

import importlib.metadata

from django.apps import apps
from django.db import connection

from .common import machine, now_text, verdict

# The tables the dataset is described by (bench_data's list, in its order).
COUNTED = (
    "accounts.User",
    "accounts.Structure",
    "accounts.Membership",
    "trainings.TrainerAccreditation",
    "trainings.Session",
    "trainings.Slot",
    "trainings.Registration",
    "trainings.Attendance",
    "trainings.Assessment",
    "trainings.AssessmentReview",
    "trainings.CompetenceStatus",
    "certificates.Enrollment",
    "certificates.BlocValidation",
    "certificates.PathwayCertification",
    "certificates.Attestation",
    "core.AuditLog",
)
PACKAGES = ("django", "psycopg", "gunicorn", "weasyprint", "pyhanko")


def _version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def context(quick=False):
    counts = {}
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
        for label in COUNTED:
            model = apps.get_model(label)
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[model._meta.db_table] = cursor.fetchone()[0]
    return {
        "date": now_text(),
        "machine": machine(),
        "postgres": postgres,
        "database": connection.settings_dict["NAME"],
        "database_size": size,
        "counts": counts,
        "dataset_total": sum(counts.values()),
        "versions": {package: _version(package) for package in PACKAGES},
        "quick": quick,
    }


def _table(columns, rows):
    if not columns:
        return ""
    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def render(context, sections):
    m = context["machine"]
    versions = ", ".join(f"{name} {version}" for name, version in context["versions"].items())
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench.run`, the harness in `bench/`); never run in "
        "CI. Every figure stands beside a floor measured in the same run on the same machine: "
        "the ratio says what the feature costs over the least the stack can do. The national "
        "set comes from `manage.py bench_data --scale national`, in `socle_bench` for "
        "`make bench` (BENCH_DATABASE_URL to use another); `python -m bench.run --only pages "
        "--quick` refreshes one section, the others kept from var/bench/results.json.",
        "",
        f"- **Date**: {context['date']}"
        + (" — *quick run (shortened)*" if context["quick"] else ""),
        f"- **Machine**: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), "
        f"{m['ram_gib']} GiB RAM, Linux {m['kernel']}, Python {m['python']}",
        f"- **Database**: PostgreSQL {context['postgres']} on the same machine (loopback), "
        f"database `{context['database']}` ({context['database_size']})",
        f"- **Software**: {versions}",
        (
            f"- **This run**: sections {', '.join(context['sections_run'])} only, "
            f"{context.get('run_seconds', 0) / 60:.1f} min (the others come from earlier runs, "
            "dated in their sections)"
            if context.get("sections_run")
            else f"- **Whole run**: {context.get('run_seconds', 0) / 60:.1f} min"
        )
        + "; load average "
        f"(1, 5, 15 min) {m.get('load', '?')} at the start, {context.get('load_at_end', '?')} at "
        "the end (other work on the machine slows every figure, the floors too)",
        "",
        "## Dataset",
        "",
        _table(
            ["table", "rows"],
            [[table, f"{count:,}".replace(",", " ")] for table, count in context["counts"].items()],
        ),
        "",
    ]
    summary = [
        [text, measured, verdict(met)]
        for section in sections
        for text, measured, met in section.get("targets", [])
    ]
    if summary:
        lines += ["## Targets", "", _table(["target", "measured", "met"], summary), ""]
    for section in sections:
        lines += [f"## {section['title']}", ""]
        meta = f"Measured {section.get('measured_at', '?')} in {section.get('seconds', 0):.0f} s"
        if section.get("quick"):
            meta += " (quick run)"
        lines += [f"*{meta}.*", ""]
        if section.get("intro"):
            lines += [section["intro"], ""]
        table = _table(section.get("columns"), section.get("rows", []))
        if table:
            lines += [table, ""]
        for note in section.get("notes", []):
            lines.append(f"- {note}")
        if section.get("notes"):
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
