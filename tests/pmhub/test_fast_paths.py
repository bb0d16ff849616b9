"""Shortcuts of the list pages: the template-free <select> and the row-reading serializer give
exactly what Django's and DRF's own paths give."""

import pytest
from django import forms
from django.test.html import parse_html
from django.utils import timezone
from rest_framework import serializers

from pmhub import services
from pmhub.models import Product
from pmhub.serializers import RowOutputMixin, UserSummarySerializer
from pmhub.widgets import CheckboxInput, HiddenInput, Select, TextInput

CHOICES = [
    ("", "Any <kind>"),
    ("1", "Bugs & fixes"),
    (2, "Two"),
    ("quote", 'Say "hi"'),
    ("Group", [("a", "A"), ("b", "B")]),
    (None, "Nothing"),
]


@pytest.mark.parametrize("value", [None, "", "1", 2, "b", "quote", "not a choice"])
@pytest.mark.parametrize(
    "attrs",
    [
        {},
        {"class": "form-select", "data-flag": True, "hidden": False, "data-n": 3},
        {"required": True, "aria-label": "<Pick> one"},
    ],
)
def test_select_writes_the_html_of_djangos_select(value, attrs):
    mine = Select(choices=CHOICES, attrs={"id": "x"}).render("pick", value, attrs)
    django = forms.Select(choices=CHOICES, attrs={"id": "x"}).render("pick", value, attrs)
    assert parse_html(mine) == parse_html(django)


def test_select_marks_only_the_first_of_two_matching_options():
    html = Select(choices=[("a", "First"), ("a", "Second")]).render("pick", "a")
    assert html.count("selected") == 1
    assert parse_html(html) == parse_html(
        forms.Select(choices=[("a", "First"), ("a", "Second")]).render("pick", "a")
    )


def test_select_in_a_bound_form_keeps_the_posted_choice():
    class Form(forms.Form):
        kind = forms.ChoiceField(choices=CHOICES[:4], widget=Select())

    html = str(Form({"kind": "quote"})["kind"])
    assert '<option value="quote" selected>Say &quot;hi&quot;</option>' in html
    assert 'id="id_kind"' in html


@pytest.mark.parametrize(
    ("mine", "djangos"),
    [
        (TextInput, forms.TextInput),
        (HiddenInput, forms.HiddenInput),
        (CheckboxInput, forms.CheckboxInput),
    ],
)
@pytest.mark.parametrize("value", [None, "", "plain", 'a "quoted" <b>', 0, 12.5, True, False])
@pytest.mark.parametrize(
    "attrs",
    [
        {},
        {"type": "search", "class": "form-control", "placeholder": "Search <all>"},
        {"required": True, "disabled": False, "maxlength": 80, "aria-label": 'Say "hi"'},
    ],
)
def test_inputs_write_the_html_of_djangos_inputs(mine, djangos, value, attrs):
    ours = mine(attrs=dict(attrs)).render("field", value, {"id": "id_field"})
    theirs = djangos(attrs=dict(attrs)).render("field", value, {"id": "id_field"})
    assert ours == theirs


def test_a_bound_form_draws_its_inputs_as_django_does():
    def form(widgets):
        class Form(forms.Form):
            name = forms.CharField(widget=widgets[0](attrs={"class": "form-control"}))
            query = forms.CharField(widget=widgets[1], required=False)
            shared = forms.BooleanField(widget=widgets[2], required=False)

        return Form({"name": "Bugs & fixes", "query": "kind=bug&q=<x>", "shared": "on"})

    ours = form((TextInput, HiddenInput, CheckboxInput))
    theirs = form((forms.TextInput, forms.HiddenInput, forms.CheckboxInput))
    for name in ("name", "query", "shared"):
        assert str(ours[name]) == str(theirs[name])
    assert "checked" in str(ours["shared"]) and "&amp;q=&lt;x&gt;" in str(ours["query"])


class _Generic(serializers.ModelSerializer):
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    shout = serializers.SerializerMethodField()
    workspace_name = serializers.CharField(source="workspace.name", read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "workspace",
            "workspace_name",
            "name",
            "slug",
            "stage",
            "owner",
            "vision",
            "archived_at",
            "created_at",
            "shout",
        ]

    def get_shout(self, product: Product) -> str:
        return product.name.upper()


class _Rows(RowOutputMixin, _Generic):
    pass


@pytest.mark.parametrize("deferred", [False, True])
def test_row_output_is_drfs_output(tenant_a, deferred):
    product = services.product_create(
        workspace=tenant_a.workspace, actor=tenant_a.owner, name="Mobile <App>", vision="V"
    )
    Product.objects.filter(pk=product.pk).update(archived_at=timezone.now())
    rows = Product.objects.filter(workspace=tenant_a.workspace).select_related("workspace")
    services.product_create(workspace=tenant_a.workspace, actor=tenant_a.owner, name="No owner")
    Product.objects.filter(name="No owner").update(owner=None)
    if deferred:  # a deferred column is read through DRF's path (one query for it)
        rows = rows.defer("vision")
    products = list(rows.order_by("pk"))
    assert _Rows(products, many=True).data == _Generic(products, many=True).data
    (first,) = [row for row in _Rows(products, many=True).data if row["id"] == product.pk]
    assert first["shout"] == "MOBILE <APP>"
    assert first["archived_at"].endswith("Z")
    assert first["workspace"] == tenant_a.workspace.pk


def test_row_output_of_dicts_is_drfs_output(tenant_a):
    services.product_create(workspace=tenant_a.workspace, actor=tenant_a.owner, name="Web")
    rows = list(Product.objects.filter(workspace=tenant_a.workspace).values())

    class Plain(serializers.ModelSerializer):
        class Meta:
            model = Product
            fields = ["id", "name", "slug", "created_at"]

    class Fast(RowOutputMixin, Plain):
        pass

    assert Fast(rows, many=True).data == Plain(rows, many=True).data


class _Context(RowOutputMixin, serializers.ModelSerializer):
    said = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = ["id", "said"]

    def get_said(self, product: Product) -> str:
        return f"{self.context['greeting']} {product.name}"


def test_row_output_fields_belong_to_their_own_serializer(tenant_a):
    """The fields are built once a class, but each serializer works with its own copies: a
    method field asks its own serializer, with its own context."""
    product = services.product_create(workspace=tenant_a.workspace, actor=tenant_a.owner, name="X")
    hello = _Context(product, context={"greeting": "hello"})
    bye = _Context(product, context={"greeting": "bye"})
    assert hello.data["said"] == "hello X"
    assert bye.data["said"] == "bye X"
    assert hello.fields["said"] is not bye.fields["said"]
    assert hello.fields["said"].parent is hello
    assert list(hello.fields) == list(bye.fields) == ["id", "said"]


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_row_output_shows_times_in_the_active_zone_as_drf_does(tenant_a, zone):
    services.product_create(workspace=tenant_a.workspace, actor=tenant_a.owner, name="Web")
    Product.objects.update(archived_at=timezone.now().replace(microsecond=0))
    products = list(Product.objects.filter(workspace=tenant_a.workspace).order_by("pk"))
    with timezone.override(zone):
        fast, drf = _Rows(products, many=True).data, _Generic(products, many=True).data
    assert fast == drf
    stamp = fast[0]["archived_at"]
    assert stamp.endswith("Z") if zone == "UTC" else stamp[-6] in "+-"
