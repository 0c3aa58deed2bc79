"""A feed page holding several changes of one row is projected as one row, last change
winning: the consumer applies a whole page in one transaction (autoflush off), so the
projection must see the rows it added for earlier events of the same page. Before, the
second change inserted the row again, the page failed on a duplicate key, and the consumer
retried it for ever (found by tests/scale/test_two_replicas.py)."""

from strata_analytics.projections.models import EmployeeView
from strata_kit.db import allow_cross_tenant

from .hub import drain


async def test_an_employee_created_and_changed_in_one_page(app, world, consumer, tenant_id):
    employee = world.employee("First Name")
    world.employee("Second Name", employee_id=employee)
    world.employee("Third Name", employee_id=employee)
    consumer.page_size = 500  # the three changes in one page, as the real consumer reads them

    assert await drain(consumer) == 3

    async with app.state.sessionmaker() as session:
        allow_cross_tenant(session)
        row = await session.get(EmployeeView, (tenant_id, employee))
        assert row is not None
        assert row.name == "Third Name"
