"""Documents people upload (photos and documents as training evidence, proofs of decisions):
a few types, recognised by their first bytes and not only their name, and a size limit. A
file named .pdf that is not one, or an HTML page in disguise, is refused before it is stored."""

import os

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024

# extension -> (content type, signatures the file starts with)
DOCUMENT_TYPES = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
}


def document_type(upload, *, max_bytes=MAX_DOCUMENT_BYTES):
    """The content type of an uploaded PDF, PNG or JPEG file; ValidationError naming the file
    when it is empty, too big, of another type, or not what its name says."""
    name = os.path.basename(upload.name or "")
    if not upload.size:
        raise ValidationError(_("« %(name)s » est vide.") % {"name": name}, code="empty")
    if upload.size > max_bytes:
        raise ValidationError(
            _("« %(name)s » dépasse %(size)s.") % {"name": name, "size": filesizeformat(max_bytes)},
            code="too_big",
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in DOCUMENT_TYPES:
        raise ValidationError(
            _("« %(name)s » n'est pas un PDF, un PNG ou un JPEG.") % {"name": name},
            code="type",
        )
    content_type, signatures = DOCUMENT_TYPES[extension]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in signatures):
        raise ValidationError(
            _("« %(name)s » n'est pas réellement un fichier %(kind)s.")
            % {"name": name, "kind": extension.upper()},
            code="content",
        )
    return content_type


def safe_file_name(name, *, default="document"):
    """A file name safe to store and to send back in Content-Disposition: the base name, with
    only letters, digits, dots, dashes and underscores, at most 100 characters."""
    base = os.path.basename(name or "")
    cleaned = "".join(char if char.isalnum() or char in "._-" else "_" for char in base)
    cleaned = cleaned.strip("._") or default
    stem, dot, extension = cleaned.rpartition(".")
    if dot and len(cleaned) > 100:
        cleaned = f"{stem[: 99 - len(extension)]}.{extension}"
    return cleaned[:100]
