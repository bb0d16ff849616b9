"""Extension points of the core: apps above pmhub register what must happen with its writes.

pmhub may not import the apps that build on it (the layers contract), yet a new product must,
for example, start with the metrics app's standard KPIs, and a deleted one must leave no kept
answers behind. An app registers a function here in its
``AppConfig.ready()``; the core service calls every registered function inside its transaction,
so the product and what the apps add to it are committed together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pmhub.models import Product

ProductCreated = Callable[["Product", "User | None"], object]
_product_created: list[ProductCreated] = []
ProductDeleted = Callable[["Product"], object]
_product_deleted: list[ProductDeleted] = []


def on_product_created(function: ProductCreated) -> ProductCreated:
    """Register ``function(product, actor)`` to run when a product is created."""
    if function not in _product_created:
        _product_created.append(function)
    return function


def product_created(product: Product, actor: User | None) -> None:
    for function in _product_created:
        function(product, actor)


def on_product_deleted(function: ProductDeleted) -> ProductDeleted:
    """Register ``function(product)`` to run when a product is deleted (before its rows go)."""
    if function not in _product_deleted:
        _product_deleted.append(function)
    return function


def product_deleted(product: Product) -> None:
    for function in _product_deleted:
        function(product)
