"""How list pages and the API scale with the size of a workspace.

Measures, on real PostgreSQL through Django's test client (no network), the median time and
query count of a product list (API and HTML) in a workspace with 100 and with 5,000 products,
while another tenant holds 20,000 products, and the cost of bearer-token authentication.
Run with ``make bench``.
"""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.harness import bench_database, median_ms
from pmhub import services
from pmhub.models import Product
from tests.factories import api_client, make_user


def _fill(workspace, owner, count: int) -> None:
    Product.objects.bulk_create(
        Product(
            workspace=workspace,
            owner=owner,
            name=f"Product {i:05d}",
            slug=f"product-{i:05d}",
            description="A product used by the benchmark.",
        )
        for i in range(count)
    )


def _measure(label: str, fn) -> tuple[float, int]:
    connection.queries_log.clear()  # a full log (it is bounded) would count nothing
    with CaptureQueriesContext(connection) as queries:
        fn()
    count = len(queries)
    ms = median_ms(fn)
    print(f"  {label:<52} median {ms:7.2f} ms   {count:3d} queries")
    return ms, count


def main() -> None:
    print("bench/api_lists.py — list pages and API vs. workspace size (PostgreSQL)")
    with bench_database():
        other_owner = make_user("noisy-owner")
        other = services.workspace_create(name="Noisy neighbour", owner=other_owner)
        _fill(other, other_owner, 20_000)
        results = {}
        for size in (100, 5_000):
            owner = make_user(f"owner-{size}")
            workspace = services.workspace_create(name=f"Workspace {size}", owner=owner)
            _fill(workspace, owner, size)
            api = api_client(owner, workspace)
            browser = Client()
            browser.force_login(owner)
            print(f" workspace with {size} products (plus 20,000 in another tenant):")
            results[size] = {
                "api": _measure(
                    "GET /api/v1/products/?page_size=50",
                    lambda api=api: api.get("/api/v1/products/?page_size=50"),
                ),
                "html": _measure(
                    "GET /products/ (HTML, first page of cards)",
                    lambda b=browser: b.get("/products/"),
                ),
                "auth": _measure(
                    "GET /api/v1/workspace/ (token auth + role)",
                    lambda api=api: api.get("/api/v1/workspace/"),
                ),
            }
        api_ratio = results[5_000]["api"][0] / results[100]["api"][0]
        print(
            f" API list, 5,000 vs 100 products: {api_ratio:.2f}x the time "
            f"(queries {results[100]['api'][1]} → {results[5_000]['api'][1]})"
        )
        html_ratio = results[5_000]["html"][0] / results[100]["html"][0]
        print(
            f" HTML list, 5,000 vs 100 products: {html_ratio:.2f}x the time "
            f"(queries {results[100]['html'][1]} → {results[5_000]['html'][1]})"
        )


if __name__ == "__main__":
    main()
