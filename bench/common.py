"""What the benchmark's sections share: statistics, formatting, child processes, the machine.

Every section returns a `Section`: a title, a table (columns and rows of text), notes, and the
raw figures (kept in var/bench/results.json so that `--only` can refresh one section).
"""

import datetime
import json
import math
import os
import platform
import re
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RESULTS_DIR = ROOT / "var" / "bench"


# Statistics -------------------------------------------------------------------------------------


def median(values):
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values, rank):
    """Nearest-rank percentile (p95 of 20 values is the 19th smallest)."""
    ordered = sorted(values)
    if not ordered:
        return None
    index = max(0, math.ceil(rank / 100 * len(ordered)) - 1)
    return ordered[index]


def ratio(value, floor):
    if value is None or not floor:
        return None
    return value / floor


# Formatting -------------------------------------------------------------------------------------


def ms(seconds):
    """Seconds → "12.3 ms" (or "1.23 s" past ten seconds)."""
    if seconds is None:
        return "—"
    if seconds >= 10:
        return f"{seconds:.1f} s"
    value = seconds * 1000
    if value >= 100:
        return f"{value:.0f} ms"
    return f"{value:.1f} ms"


def secs(seconds):
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds >= 600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.1f} s"


def times(value):
    if value is None:
        return "—"
    if value >= 100:
        return f"×{value:,.0f}".replace(",", " ")
    if value >= 10:
        return f"×{value:.0f}"
    if value < 1:
        return f"×{value:.2f}"
    return f"×{value:.1f}"


def number(value, digits=0):
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    return text.replace(",", " ")


def megabytes(kib):
    return "—" if kib is None else f"{kib / 1024:.0f} MB"


def verdict(met):
    if met is None:
        return "—"
    return "met" if met else "**missed**"


# Sections ---------------------------------------------------------------------------------------


@dataclass
class Section:
    name: str
    title: str
    intro: str = ""
    columns: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    raw: dict = field(default_factory=dict)
    targets: list = field(default_factory=list)  # [target, measured, met], for the summary
    measured_at: str = ""
    seconds: float = 0.0

    def add(self, *cells):
        self.rows.append([str(c) for c in cells])

    def target(self, text, measured, met):
        self.targets.append([text, measured, met])

    def as_dict(self):
        return asdict(self)


def now_text():
    return datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")


class Deadline:
    """A time budget: `left()` seconds remain, `over()` once it is spent."""

    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return max(0.0, self.end - time.monotonic())

    def over(self):
        return time.monotonic() >= self.end


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# Child processes --------------------------------------------------------------------------------


def child_env(**extra):
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    env["PYTHONUNBUFFERED"] = "1"
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_child(module, *args, timeout, **env):
    """Run `python -m module args…` in a fresh process (its own peak memory, its own database
    connection) and return the JSON object it prints on its last line of output. A child that
    overruns `timeout` is killed (its transaction dies with its connection)."""
    command = [PYTHON, "-m", module, *map(str, args)]
    try:
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=child_env(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"stopped after {timeout:.0f} s (time bound)"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-8:]
        return {"error": f"exit {done.returncode}: " + " | ".join(tail)}
    return json.loads(lines[-1])


def peak_rss_kib():
    """This process's peak resident memory so far, in KiB: VmHWM of /proc/self/status (the
    high-water mark of this program's own address space) where Linux gives it. getrusage's
    ru_maxrss, the fallback, keeps the parent's resident size at fork time across exec, so a
    child of a large benchmark process would report the parent's size."""
    match = re.search(r"^VmHWM:\s*(\d+) kB", _read("/proc/self/status"), re.M)
    if match:
        return int(match.group(1))
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def emit(payload):
    """A child's answer: one JSON line on stdout."""
    print(json.dumps(payload, default=str), flush=True)


# The machine ------------------------------------------------------------------------------------


def _read(path):
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def load_average():
    """The 1-, 5- and 15-minute load averages: other work on the machine skews every figure."""
    parts = _read("/proc/loadavg").split()
    return " ".join(parts[:3]) if parts else "?"


def machine():
    cpuinfo = _read("/proc/cpuinfo")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = _read("/proc/meminfo")
    total = re.search(r"^MemTotal:\s*(\d+) kB", meminfo, re.M)
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "load": load_average(),
        "cpu": model.group(1).strip() if model else platform.processor() or "?",
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "ram_gib": round(int(total.group(1)) / 1024 / 1024, 1) if total else None,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }
