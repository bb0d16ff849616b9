"""Read-only share links: the page where planners create and revoke them, and the public page a
link opens (no login) with the product's roadmap as a board and a timeline, and nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from pmhub.capabilities import Action
from pmhub.errors import ApplicationError
from pmhub.forms import add_service_error
from pmhub.selectors import product_get
from pmhub.tenancy import WorkspaceHttpRequest, get_scoped_or_404, workspace_view
from roadmaps.models import Horizon, Initiative, InitiativeStatus, Release, ReleaseStatus, ShareLink
from roadmaps.services.sharing import (
    LABEL_MAX,
    share_link_create,
    share_link_open,
    share_link_revoke,
)

TOKEN_MAX = 200  # a real token is ~60 characters; anything longer is not worth unsigning
TIMELINE_MAX_MONTHS = 36  # the public timeline spans at most three years


class ShareLinkForm(forms.Form):
    label = forms.CharField(
        required=False, max_length=LABEL_MAX, help_text="Who it is for, e.g. “Sales team”."
    )
    expires_at = forms.DateTimeField(
        required=False,
        label="Expires (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text="Blank: until revoked.",
    )


# --- Managing links (planners) --------------------------------------------------------------------


@workspace_view(Action.ROADMAP_SHARE)
def share_links(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """A product's share links with a form for a new one; a new link's URL is shown once."""
    product = product_get(workspace=request.workspace, slug=slug)
    form = ShareLinkForm(request.POST or None)
    new_url = None
    if request.method == "POST" and form.is_valid():
        try:
            _, token = share_link_create(product=product, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            new_url = request.build_absolute_uri(reverse("roadmaps-public:share", args=[token]))
            form = ShareLinkForm()
    links = ShareLink.objects.filter(product=product).select_related("created_by")
    context = {
        "product": product,
        "form": form,
        "links": links,
        "new_url": new_url,
        "now": timezone.now(),
    }
    return render(request, "roadmaps/share_links.html", context)


@require_POST
@workspace_view(Action.ROADMAP_SHARE)
def share_link_revoke_view(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Revoke a link for good: its URL is a 404 from now on."""
    product = product_get(workspace=request.workspace, slug=slug)
    link = get_scoped_or_404(
        ShareLink.objects.select_related("product", "product__workspace"),
        request.workspace,
        product=product,
        pk=pk,
    )
    share_link_revoke(link=link, actor=request.user)
    messages.success(request, f"“{link}” revoked: its URL now answers “not found”.")
    return redirect("roadmaps:share-links", slug=product.slug)


# --- The public page (no login) -------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    initiative: Initiative
    left: float  # percent of the timeline's width
    width: float


@dataclass(frozen=True)
class Marker:
    release: Release
    left: float


@dataclass(frozen=True)
class Timeline:
    months: list[tuple[date, float]]  # each month's first day and width in percent
    bars: list[Bar]
    markers: list[Marker]
    unscheduled: int


@require_GET
def share_page(request: HttpRequest, token: str) -> HttpResponse:
    """The roadmap a share link shows: Now/Next/Later and a timeline, read-only, for anyone with
    the URL. A revoked, expired, forged or tampered token is a 404.

    Rendered without the request's context (no session, user, CSRF token or navigation), and
    asked not to be indexed, cached or leaked through the Referer header.
    """
    link = share_link_open(token) if len(token) <= TOKEN_MAX else None
    if link is None:
        raise Http404("No such share link.")
    product = link.product
    # Only what a stakeholder sees on the roadmap: no owners, descriptions or other products.
    initiatives = list(
        Initiative.objects.filter(product=product)
        .exclude(status=InitiativeStatus.CANCELLED)
        .select_related("theme")
        .only(
            "title",
            "status",
            "horizon",
            "rank",
            "starts_on",
            "ends_on",
            "health",
            "theme__name",
            "theme__colour",
        )
        .order_by("horizon", "rank")
    )
    releases = list(
        Release.objects.filter(product=product)
        .exclude(status=ReleaseStatus.CANCELLED)
        .only("name", "target_date", "status", "is_milestone")
    )
    context = {
        "product_name": product.name,
        "columns": [
            (label, [i for i in initiatives if i.horizon == value])
            for value, label in Horizon.choices
        ],
        "timeline": _timeline(initiatives, releases),
        "expires_at": link.expires_at,
    }
    response = HttpResponse(render_to_string("roadmaps/share_public.html", context))
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    add_never_cache_headers(response)
    return response


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _timeline(initiatives: list[Initiative], releases: list[Release]) -> Timeline:
    """Bars for the scheduled initiatives and markers for the releases, across whole months."""
    scheduled = sorted(
        (i.starts_on, i.ends_on, i.title, i)
        for i in initiatives
        if i.starts_on is not None and i.ends_on is not None
    )
    days = [d for start, end, _, _ in scheduled for d in (start, end)]
    if not days:
        return Timeline([], [], [], len(initiatives))
    first = _month_start(min(days))
    last = _next_month(max(days))
    cap = first
    for _ in range(TIMELINE_MAX_MONTHS):
        cap = _next_month(cap)
    last = min(last, cap)
    span = (last - first).days
    months, month = [], first
    while month < last:
        following = _next_month(month)
        months.append((month, 100 * (following - month).days / span))
        month = following

    def at(day: date) -> float:
        return 100 * min(max((day - first).days, 0), span) / span

    bars = [
        Bar(i, at(start), max(at(end + timedelta(days=1)) - at(start), 0.5))
        for start, end, _, i in scheduled
        if start < last
    ]
    markers = [Marker(r, at(r.target_date)) for r in releases if first <= r.target_date < last]
    return Timeline(months, bars, markers, len(initiatives) - len(scheduled))
