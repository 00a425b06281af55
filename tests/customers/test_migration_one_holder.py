"""The migration to one holder per line: a line several accounts had linked keeps its most recent
holder; each earlier account held it until the next one linked it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("customers", "0001_initial")
AFTER = ("customers", "0002_one_holder_per_line")
T0 = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db(transaction=True)


def _apps_at(executor: MigrationExecutor, customers_node: tuple[str, str]):
    """Every app at its latest migration, customers at `customers_node`."""
    nodes = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "customers"]
    return executor.loader.project_state([*nodes, customers_node]).apps


@pytest.fixture
def executor():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    yield executor
    executor = MigrationExecutor(connection)  # the graph as it is on disk again
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_each_line_keeps_its_most_recent_holder(executor):
    # given, before the migration, three accounts linked one line and one account another line
    old = _apps_at(executor, BEFORE)
    brand = old.get_model("brands", "Brand").objects.create(code="acme", name="Acme")
    Line = old.get_model("lines", "Line")
    shared = Line.objects.create(msisdn="+32470000001", iccid="8932000000000000011", brand=brand, activated_at=T0)
    single = Line.objects.create(msisdn="+32470000002", iccid="8932000000000000029", brand=brand, activated_at=T0)
    User = old.get_model("customers", "User")
    first, second, third = (User.objects.create(email=f"{name}@example.be") for name in ("first", "second", "third"))
    LineLink = old.get_model("customers", "LineLink")
    for customer, days in ((second, 2), (first, 0), (third, 5)):
        LineLink.objects.create(customer=customer, line=shared, linked_at=T0 + timedelta(days=days))
    LineLink.objects.create(customer=first, line=single, linked_at=T0 + timedelta(days=1))

    # when the migration runs
    executor.loader.build_graph()
    executor.migrate([AFTER])

    # then each line has one holder, the most recent, and the history says who held it when
    new = _apps_at(executor, AFTER)
    links = new.get_model("customers", "LineLink").objects.order_by("line_id")
    assert [(link.line_id, link.customer_id) for link in links] == [(shared.pk, third.pk), (single.pk, first.pk)]
    holdings = new.get_model("customers", "LineHolding").objects.order_by("line_id", "started_at")
    assert [(h.line_id, h.customer_id, h.started_at, h.ended_at, h.end_reason) for h in holdings] == [
        (shared.pk, first.pk, T0, T0 + timedelta(days=2), "moved"),
        (shared.pk, second.pk, T0 + timedelta(days=2), T0 + timedelta(days=5), "moved"),
        (shared.pk, third.pk, T0 + timedelta(days=5), None, ""),
        (single.pk, first.pk, T0 + timedelta(days=1), None, ""),
    ]
