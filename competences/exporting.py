"""Exporting a version as a file, one row per criterion (see competences.resources)."""

from dataclasses import dataclass

from .resources import FORMAT_CLASSES, ReferentialRowResource

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str


def export_reference(version, fmt):
    dataset = ReferentialRowResource().export_version(version)
    content = FORMAT_CLASSES[fmt]().export_data(dataset)
    if isinstance(content, str):
        content = content.encode("utf-8")
    filename = f"{version.referential.code}-v{version.number}.{fmt}"
    return ExportFile(content=content, content_type=CONTENT_TYPES[fmt], filename=filename)
