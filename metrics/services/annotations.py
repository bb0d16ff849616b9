"""Annotations: dated notes on a product's charts, written by people and by other apps.

Roadmaps calls ``annotation_create(source="roadmaps", actor=None, …)`` when a release ships, from
a task or a service, without a request: nothing here needs one.
"""

from __future__ import annotations

import re
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from metrics.models import Annotation
from metrics.series_cache import series_changed
from pmhub.audit import audit_record
from pmhub.errors import ApplicationError
from pmhub.models import Product

MANUAL = "manual"
TEXT_MAX = Annotation._meta.get_field("text").max_length or 200
URL_MAX = Annotation._meta.get_field("url").max_length or 500
# ``manual`` or the name of the app that wrote it: lowercase letters, digits and underscores.
_SOURCE = re.compile(r"[a-z][a-z0-9_]{0,29}")
# Charts span these years (as the dashboard's date pickers); a note outside would never show.
EARLIEST, LATEST = date(2000, 1, 1), date(2199, 12, 31)
_url_ok = URLValidator(schemes=["http", "https"])


def _checked(*, day: date, text: str, url: str, source: str) -> dict:
    """The fields, cleaned; an ``ApplicationError`` naming the first one at fault."""
    if not isinstance(day, date) or not EARLIEST <= day <= LATEST:
        raise ApplicationError(f"Pick a day between {EARLIEST} and {LATEST}.", field="day")
    text = " ".join(text.split())
    if not text:
        raise ApplicationError("Write what happened, e.g. “v2.3 shipped”.", field="text")
    if len(text) > TEXT_MAX:
        raise ApplicationError(f"Keep it under {TEXT_MAX} characters.", field="text")
    url = url.strip()
    if url:
        try:
            if len(url) > URL_MAX:
                raise ValidationError("too long")
            _url_ok(url)
        except ValidationError:
            raise ApplicationError(
                f"Give an http(s) address of at most {URL_MAX} characters.", field="url"
            ) from None
    if not _SOURCE.fullmatch(source):
        raise ApplicationError(
            "Name the app that writes it (lowercase letters, digits, _).", field="source"
        )
    return {"day": day, "text": text, "url": url, "source": source}


@transaction.atomic
def annotation_create(
    *,
    product: Product,
    actor: User | None,
    day: date,
    text: str,
    url: str = "",
    source: str = MANUAL,
) -> Annotation:
    """Note ``text`` on ``day`` of ``product``'s charts; records ``annotation.created``.

    ``actor`` is None for a system write (e.g. roadmaps marking a shipped release).
    """
    fields = _checked(day=day, text=text, url=url, source=source)
    annotation = Annotation.objects.create(
        product=product,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        **fields,
    )
    audit_record(
        workspace=product.workspace,
        actor=actor,
        action="annotation.created",
        target=annotation,
        product=product,
    )
    series_changed(product.pk)
    return annotation


@transaction.atomic
def annotation_delete(*, annotation: Annotation, actor: User | None) -> None:
    """Delete ``annotation`` from its product's charts; records ``annotation.deleted``."""
    product = annotation.product
    audit_record(
        workspace=product.workspace,
        actor=actor,
        action="annotation.deleted",
        target=annotation,
        product=product,
    )
    annotation.delete()
    series_changed(product.pk)
