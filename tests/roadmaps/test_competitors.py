"""Competitors and the feature comparison matrix."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pmhub.errors import ApplicationError
from roadmaps.models import Competitor, FeatureSupport
from roadmaps.services.competitors import (
    competitor_create,
    competitor_delete,
    competitor_update,
    feature_create,
    feature_support_set,
)


def test_a_matrix_cell_is_written_in_place_and_unknown_until_set(tenant_a):
    owner, product = tenant_a.owner, tenant_a.product
    rival = competitor_create(product=product, actor=owner, name="Rival", market_share="12.5")
    sso = feature_create(product=product, actor=owner, name="SSO", ours="yes")
    assert rival.market_share == Decimal("12.50")
    assert not FeatureSupport.objects.exists()  # missing cells read as unknown
    feature_support_set(feature=sso, competitor=rival, actor=owner, level="partial")
    feature_support_set(feature=sso, competitor=rival, actor=owner, level="yes")
    assert list(FeatureSupport.objects.values_list("level", flat=True)) == ["yes"]
    competitor_delete(competitor=rival, actor=owner)
    assert not FeatureSupport.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "rival"}, "name"),
        ({"market_share": "120"}, "market_share"),
        ({"market_share": "lots"}, "market_share"),
        ({"website": "javascript:alert(1)"}, "website"),
    ],
)
def test_bad_competitor_input_names_the_field_and_changes_nothing(tenant_a, fields, field):
    competitor_create(product=tenant_a.product, actor=tenant_a.owner, name="Rival")
    other = competitor_create(product=tenant_a.product, actor=tenant_a.owner, name="Other")
    with pytest.raises(ApplicationError) as refused:
        competitor_update(competitor=other, actor=tenant_a.owner, **fields)
    assert refused.value.field == field
    other.refresh_from_db()
    assert (other.name, other.market_share, other.website) == ("Other", None, "")
    assert Competitor.objects.count() == 2


def test_a_cell_takes_one_of_four_levels_and_a_competitor_of_the_same_product(tenant_a, tenant_b):
    sso = feature_create(product=tenant_a.product, actor=tenant_a.owner, name="SSO")
    rival = competitor_create(product=tenant_a.product, actor=tenant_a.owner, name="Rival")
    theirs = competitor_create(product=tenant_b.product, actor=tenant_b.owner, name="Rival")
    for kwargs, field in (
        ({"competitor": rival, "level": "maybe"}, "level"),
        ({"competitor": theirs, "level": "yes"}, "competitor"),
    ):
        with pytest.raises(ApplicationError) as refused:
            feature_support_set(feature=sso, actor=tenant_a.owner, **kwargs)
        assert refused.value.field == field
    assert not FeatureSupport.objects.exists()
