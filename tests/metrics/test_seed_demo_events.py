from io import StringIO

from django.core.management import call_command

from metrics.models import Event, MetricPoint
from pmhub import services
from tests.factories import make_user


def test_seed_demo_events_fills_the_product_and_its_dashboards(db):
    owner = make_user("demo-owner")
    workspace = services.workspace_create(name="Acme", owner=owner)
    product = services.product_create(workspace=workspace, actor=owner, name="Acme Analytics")
    out = StringIO()
    call_command("seed_demo_events", "--events", "3000", "--days", "30", stdout=out)
    assert Event.objects.filter(product=product).count() == 3000
    assert "3000/3000 events" in out.getvalue()
    names = set(Event.objects.filter(product=product).values_list("name", flat=True))
    assert {"Signed Up", "Order Completed", "Survey Answered"} <= names
    revenue = MetricPoint.objects.filter(metric__product=product, metric__key="revenue")
    assert sum(point.value for point in revenue.filter(interval="month")) > 0
    call_command("seed_demo_events", "--if-empty", stdout=StringIO())
    assert Event.objects.filter(product=product).count() == 3000
