"""The benchmark harness: `python -m bench.run [--only NAME[,NAME…]] [--quick] [--render]`
(`make bench`).

Runs each section against the database of DATABASE_URL (the national set, socle_bench) with the
bench settings (bench.settings: DEBUG off, a floor view, the verification's limit raised), then
writes BENCHMARKS.md at the repository root: the date, the machine, the dataset, and one table
per section where every figure stands beside a floor measured in the same run.

Sections (see each module): pages, load (verification under concurrent load, gunicorn), pdfs
(attestations), export (2 M assessments to CSV), progress (progress of everyone, the
current-status rebuild, a 10,000-row import). `--only` refreshes some sections and keeps the
others' last results (var/bench/results.json). `--quick` runs every section shortened (a few
minutes). `--render` measures nothing and writes the Markdown again from those results.

Never run in CI. Reads the database; what a measured operation must write is rolled back or
deleted (each module says how).
"""

import argparse
import importlib
import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

SECTIONS = ("pages", "load", "pdfs", "export", "progress")
MODULES = {"export": "exports"}  # section → module of bench, when the names differ


def _parse(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only",
        default="",
        help=f"comma-separated sections among {', '.join(SECTIONS)} (default: all)",
    )
    parser.add_argument("--quick", action="store_true", help="shorter runs (a few minutes)")
    parser.add_argument(
        "--output", default=None, help="the Markdown file to write (default: BENCHMARKS.md)"
    )
    parser.add_argument(
        "--render",
        action="store_true",
        help="measure nothing: write the Markdown again from var/bench/results.json",
    )
    args = parser.parse_args(argv)
    only = [name.strip() for name in args.only.split(",") if name.strip()] or list(SECTIONS)
    unknown = [name for name in only if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}; choose among {SECTIONS}")
    return args, only


def main(argv=None):
    args, only = _parse(sys.argv[1:] if argv is None else argv)
    import django

    django.setup()

    from django.conf import settings
    from django.db import connection

    from . import report
    from .common import RESULTS_DIR, ROOT, Section, load_average, log, now_text

    if args.render:
        saved = json.loads((RESULTS_DIR / "results.json").read_text())
        _write(args, report, ROOT, saved["context"], saved["sections"])
        return
    if connection.vendor != "postgresql":
        sys.exit("bench: the benchmark runs on PostgreSQL (DATABASE_URL=postgres://…).")
    if settings.ROOT_URLCONF != "bench.urls":
        sys.exit("bench: run it with DJANGO_SETTINGS_MODULE=bench.settings (the floor view).")

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    store = RESULTS_DIR / "results.json"
    previous = {}
    if store.exists() and len(only) < len(SECTIONS):
        previous = json.loads(store.read_text()).get("sections", {})

    started = time.monotonic()
    context = report.context(quick=args.quick)
    log(
        f"database {context['database']} ({context['dataset_total']:,} rows in the counted "
        f"tables), sections: {', '.join(only)}{' (quick)' if args.quick else ''}"
    )
    sections = dict(previous)
    for name in only:
        module = importlib.import_module(f"bench.{MODULES.get(name, name)}")
        log(f"section {name}…")
        section_started = time.monotonic()
        try:
            section = module.run(quick=args.quick)
        except Exception as error:  # one broken section must not lose the others
            import traceback

            traceback.print_exc()
            section = Section(name=name, title=name, notes=[f"Failed: {error!r}"])
        section.measured_at = now_text()
        section.seconds = round(time.monotonic() - section_started, 1)
        sections[name] = section.as_dict() | {"quick": args.quick}
        log(f"section {name} done in {section.seconds:.0f} s")
        connection.close()  # a fresh connection for the next section

    context["run_seconds"] = round(time.monotonic() - started, 1)
    context["sections_run"] = only if len(only) < len(SECTIONS) else []
    context["load_at_end"] = load_average()
    store.write_text(json.dumps({"context": context, "sections": sections}, indent=1, default=str))
    _write(args, report, ROOT, context, sections)
    log(f"run done in {context['run_seconds']:.0f} s")


def _write(args, report, root, context, sections):
    output = args.output or (root / "BENCHMARKS.md")
    text = report.render(context, [sections[name] for name in SECTIONS if name in sections])
    with open(output, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"bench: wrote {output}", flush=True)


if __name__ == "__main__":
    main()
