"""User-arranged dashboards: creating them, and adding, changing, moving and removing tiles.

Tile positions stay 0, 1, 2… in order: every add, move and removal renumbers the dashboard's
tiles under a row lock on the dashboard, so two people arranging at once never interleave.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from metrics.models import ChartKind, Dashboard, DashboardTile, Interval, Metric, MetricKind
from pmhub.audit import audit_record, diff_fields
from pmhub.errors import ApplicationError
from pmhub.models import Product, Workspace

NAME_MAX = 120
TILES_MAX = 48  # a dashboard is read in one request: keep it a screen, not a report
TILE_FIELDS = ("kind", "interval", "width")


def _name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ApplicationError("Give the dashboard a name.", field="name")
    if len(name) > NAME_MAX:
        raise ApplicationError(f"Keep the name under {NAME_MAX} characters.", field="name")
    return name


@transaction.atomic
def dashboard_create(
    *, workspace: Workspace, actor: User, name: str, product: Product | None = None
) -> Dashboard:
    """Create a dashboard of ``product`` (or, without one, of the workspace); records
    ``dashboard.created``."""
    if product is not None and product.workspace_id != workspace.pk:
        raise ApplicationError("No product of this workspace has this id.", field="product")
    dashboard = Dashboard.objects.create(
        workspace=workspace, product=product, name=_name(name), created_by=actor
    )
    audit_record(
        workspace=workspace,
        actor=actor,
        action="dashboard.created",
        target=dashboard,
        product=product,
    )
    return dashboard


@transaction.atomic
def dashboard_update(*, dashboard: Dashboard, actor: User, name: str) -> Dashboard:
    """Rename ``dashboard``; records ``dashboard.updated`` with the change."""
    changes = diff_fields(dashboard, {"name": _name(name)})
    if changes:
        dashboard.name = changes["name"][1]
        dashboard.save(update_fields=["name", "updated_at"])
        audit_record(
            workspace=dashboard.workspace,
            actor=actor,
            action="dashboard.updated",
            target=dashboard,
            product=dashboard.product,
            changes=changes,
        )
    return dashboard


@transaction.atomic
def dashboard_delete(*, dashboard: Dashboard, actor: User) -> None:
    """Delete ``dashboard`` and its tiles (never their metrics); records ``dashboard.deleted``."""
    audit_record(
        workspace=dashboard.workspace,
        actor=actor,
        action="dashboard.deleted",
        target=dashboard,
        product=dashboard.product,
    )
    dashboard.delete()


def _check_tile(dashboard: Dashboard, metric: Metric, fields: dict) -> None:
    """Refuse a tile that can't be drawn, naming the field."""
    if metric.product.workspace_id != dashboard.workspace_id or (
        dashboard.product_id is not None and metric.product_id != dashboard.product_id
    ):
        raise ApplicationError("Pick a metric of the dashboard's product.", field="metric")
    kind = fields.get("kind", ChartKind.LINE)
    if kind not in ChartKind.values:
        raise ApplicationError(f"Choose one of {', '.join(ChartKind.values)}.", field="kind")
    if fields.get("interval", Interval.DAY) not in Interval.values:
        raise ApplicationError("Choose day, week or month.", field="interval")
    width = fields.get("width", 1)
    if not isinstance(width, int) or not 1 <= width <= 3:
        raise ApplicationError("A tile is 1, 2 or 3 columns wide.", field="width")
    if kind == ChartKind.FUNNEL and metric.kind != MetricKind.FUNNEL:
        raise ApplicationError("Funnel bars draw a funnel metric.", field="kind")
    if kind == ChartKind.HEATMAP and metric.kind != MetricKind.RETENTION:
        raise ApplicationError("The cohort heatmap draws a retention metric.", field="kind")


def _locked_tiles(dashboard: Dashboard) -> list[DashboardTile]:
    """The dashboard's tiles in order, with the dashboard's row locked until the commit."""
    Dashboard.objects.select_for_update().filter(pk=dashboard.pk).first()
    return list(dashboard.tiles.order_by("position", "id"))


def _renumber(tiles: list[DashboardTile]) -> None:
    moved = []
    for position, tile in enumerate(tiles):
        if tile.position != position:
            tile.position = position
            moved.append(tile)
    DashboardTile.objects.bulk_update(moved, ["position"])


def _audit_tile(tile: DashboardTile, actor: User, action: str, changes: dict | None = None) -> None:
    audit_record(
        workspace=tile.dashboard.workspace,
        actor=actor,
        action=action,
        target=tile.dashboard,
        product=tile.dashboard.product,
        changes=changes,
    )


@transaction.atomic
def dashboard_tile_add(
    *,
    dashboard: Dashboard,
    actor: User,
    metric: Metric,
    kind: str = ChartKind.LINE,
    interval: str = Interval.DAY,
    width: int = 1,
) -> DashboardTile:
    """Add a tile at the end of ``dashboard``; records ``dashboard.tile_added``."""
    _check_tile(dashboard, metric, {"kind": kind, "interval": interval, "width": width})
    if metric.product.is_archived:  # its series stop; existing tiles keep showing its past
        raise ApplicationError("Pick a metric of a product that is not archived.", field="metric")
    tiles = _locked_tiles(dashboard)
    if len(tiles) >= TILES_MAX:
        raise ApplicationError(f"A dashboard holds at most {TILES_MAX} tiles.", field="metric")
    tile = DashboardTile.objects.create(
        dashboard=dashboard,
        metric=metric,
        kind=kind,
        interval=interval,
        width=width,
        position=len(tiles),
    )
    _audit_tile(tile, actor, "dashboard.tile_added", {"metric": [None, metric.key]})
    return tile


@transaction.atomic
def dashboard_tile_update(*, tile: DashboardTile, actor: User, **fields) -> DashboardTile:
    """Change a tile's ``kind``, ``interval`` or ``width``; records ``dashboard.tile_changed``."""
    unknown = sorted(set(fields) - set(TILE_FIELDS))
    if unknown:
        raise ApplicationError(f"Unknown field {unknown[0]!r}.", field=unknown[0])
    merged = {name: getattr(tile, name) for name in TILE_FIELDS} | fields
    _check_tile(tile.dashboard, tile.metric, merged)
    changes = diff_fields(tile, fields)
    if changes:
        for name, value in fields.items():
            setattr(tile, name, value)
        tile.save(update_fields=list(fields))
        _audit_tile(tile, actor, "dashboard.tile_changed", changes)
    return tile


@transaction.atomic
def dashboard_tile_move(*, tile: DashboardTile, actor: User, position: int) -> DashboardTile:
    """Move ``tile`` to ``position`` (0 = first; past the end = last), the others closing up;
    records ``dashboard.tile_moved``."""
    if not isinstance(position, int) or position < 0:
        raise ApplicationError("A position is 0 or more.", field="position")
    tiles = [t for t in _locked_tiles(tile.dashboard) if t.pk != tile.pk]
    position = min(position, len(tiles))
    before = tile.position
    tiles.insert(position, tile)
    _renumber(tiles)
    if before != position:
        _audit_tile(tile, actor, "dashboard.tile_moved", {"position": [before, position]})
    return tile


@transaction.atomic
def dashboard_tile_remove(*, tile: DashboardTile, actor: User) -> None:
    """Remove ``tile`` from its dashboard, the others closing up; records
    ``dashboard.tile_removed``."""
    tiles = [t for t in _locked_tiles(tile.dashboard) if t.pk != tile.pk]
    _audit_tile(tile, actor, "dashboard.tile_removed", {"metric": [tile.metric.key, None]})
    tile.delete()
    _renumber(tiles)
