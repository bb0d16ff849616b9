"""Themes: the colour-coded groups a product's initiatives are drawn in."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from pmhub.errors import ApplicationError
from pmhub.models import Product
from pmhub.writes import change_and_audit, check_title, delete_and_audit, reject_unknown
from roadmaps.models import Theme

THEME_FIELDS = ("name", "colour")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _check_theme(theme: Theme) -> None:
    check_title(theme.name, "theme", field="name")
    if not isinstance(theme.colour, str) or not _COLOUR.match(theme.colour):
        raise ApplicationError("A colour is written #rrggbb, e.g. #1f77b4.", field="colour")
    clash = Theme.objects.filter(product=theme.product_id, name__iexact=theme.name.strip())
    if clash.exclude(pk=theme.pk).exists():
        raise ApplicationError("This product already has a theme of that name.", field="name")


@transaction.atomic
def theme_create(*, product: Product, actor: User, **fields: Any) -> Theme:
    """Add a theme to ``product``; records ``theme.created``."""
    reject_unknown(fields, THEME_FIELDS)
    return change_and_audit(
        Theme(product=product, **fields),
        actor,
        {},
        check=_check_theme,
        action="theme.created",
        workspace=product.workspace,
        product=product,
    )


@transaction.atomic
def theme_update(*, theme: Theme, actor: User, **fields: Any) -> Theme:
    """Rename or recolour ``theme``; records ``theme.updated``."""
    reject_unknown(fields, THEME_FIELDS)
    return change_and_audit(
        theme,
        actor,
        fields,
        check=_check_theme,
        action="theme.updated",
        workspace=theme.product.workspace,
        product=theme.product,
    )


@transaction.atomic
def theme_delete(*, theme: Theme, actor: User) -> None:
    """Delete ``theme``; its initiatives stay, without a theme. Records ``theme.deleted``."""
    delete_and_audit(
        theme,
        actor,
        action="theme.deleted",
        workspace=theme.product.workspace,
        product=theme.product,
    )
