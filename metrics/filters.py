"""Query-string filters of the event explorer, shared by its page and its API.

Both read the same parameters, so a filtered page URL and an API call agree on what they show;
bad values (an unknown type, a date that is not one) are a 400 in the API and a form error on
the page.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from metrics.models import Event, EventType, Rejection
from pmhub.filters import UtcDateTimeFilter


class EventFilter(django_filters.FilterSet):
    event = django_filters.CharFilter(
        field_name="name", max_length=200, label="Event", help_text="Event name, exactly."
    )
    type = django_filters.ChoiceFilter(choices=EventType.choices, empty_label="Any type")
    user_id = django_filters.CharFilter(max_length=255, help_text="userId, exactly.")
    anonymous_id = django_filters.CharFilter(max_length=255, help_text="anonymousId, exactly.")
    person = django_filters.CharFilter(
        method="filter_person",
        max_length=255,
        label="Person",
        help_text="A userId or an anonymousId: events that carry it as either.",
    )
    since = UtcDateTimeFilter(
        field_name="timestamp", lookup_expr="gte", help_text="Events at or after this time."
    )
    until = UtcDateTimeFilter(
        field_name="timestamp", lookup_expr="lte", help_text="Events at or before this time."
    )

    class Meta:
        model = Event
        fields = ["event", "type", "user_id", "anonymous_id", "person", "since", "until"]

    def filter_person(self, queryset: QuerySet[Event], name: str, value: str) -> QuerySet[Event]:
        return queryset.filter(Q(user_id=value) | Q(anonymous_id=value))


class RejectionFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(max_length=40, help_text="Refusal code, exactly.")
    since = UtcDateTimeFilter(
        field_name="received_at", lookup_expr="gte", help_text="Refused at or after this time."
    )

    class Meta:
        model = Rejection
        fields = ["code", "since"]
