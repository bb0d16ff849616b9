"""Role and isolation cases of the backlog's imports (see tests/backlog/cases/__init__.py): the
import page, an upload, an import's page and the CSV export (backlog/views/csv.py)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from backlog.models import ImportJob
from pmhub.capabilities import Action
from tests.role_matrix import Request
from tests.tenancy_walk import Cases, Foreign, Lands, Rows

API_CASES: list[Request] = []


def _upload(filename: str) -> dict:
    """A valid upload (a new file object each time: a request reads it)."""
    content = b"Summary,Issue key,Issue Type\nImported story,MTX-1,Story\n"
    return {
        "format": "jira",
        "step": "import",
        "file": SimpleUploadedFile(filename, content, content_type="text/csv"),
    }


def _slug(t):
    return {"slug": t.product.slug}


PAGE_CASES: list[Request] = [
    Request("backlog:import", "get", Action.BACKLOG_VIEW, _slug),
    Request(
        "backlog:import-create",
        "post",
        Action.BACKLOG_EDIT,
        _slug,
        body=lambda t: _upload("matrix.csv"),
        done=lambda t: ImportJob.objects.filter(product=t.product, filename="matrix.csv").exists(),
    ),
    Request(
        "backlog:import-job",
        "get",
        Action.BACKLOG_VIEW,
        lambda t: {"slug": t.product.slug, "pk": t.backlog.job.pk},
    ),
    Request("backlog:export-csv", "get", Action.BACKLOG_VIEW, _slug),
]


def _a_slug(w):
    return {"slug": w.a.product.slug}


def _b_slug(w):
    return {"slug": w.b.product.slug}


CASES: Cases = {
    "backlog:import": (
        Foreign(_b_slug, ("get",)),
        Rows(lambda w: ["alpha.csv"], lambda w: ["bravo.csv"], _a_slug),  # past imports
    ),
    "backlog:import-create": (
        Foreign(_b_slug, ("post",), lambda w: _upload("taken.csv")),
        Lands(
            "post",
            lambda w: _upload("landed.csv"),
            lambda w: ImportJob.objects.filter(product=w.a.product, filename="landed.csv").exists(),
            _a_slug,
        ),
    ),
    "backlog:import-job": (
        Foreign(lambda w: {"slug": w.b.product.slug, "pk": w.b_backlog.job.pk}, ("get",)),
        # A's product with B's job: the job is looked up in the product of the URL.
        Foreign(lambda w: {"slug": w.a.product.slug, "pk": w.b_backlog.job.pk}, ("get",)),
        Rows(
            lambda w: ["alpha.csv"],
            lambda w: ["bravo.csv"],
            lambda w: {"slug": w.a.product.slug, "pk": w.a_backlog.job.pk},
        ),
    ),
    # A streamed file (no ``.content`` for the walker's Rows): that the export holds A's items
    # and never B's is tests/backlog/test_pages_csv.py's test_the_export_holds_own_items_only.
    "backlog:export-csv": (Foreign(_b_slug, ("get",)),),
}
