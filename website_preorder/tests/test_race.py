import threading

from psycopg2 import errors

from odoo import api
from odoo.modules.registry import DummyRLock, Registry
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tests import BaseCase, get_db_name, tagged


@tagged("post_install", "-at_install")
class TestRace(BaseCase):
    """Two real transactions race for the last unit of ATP: exactly one gets it.

    Uses committed data and two cursors of its own, so it cleans up after itself.
    """

    def setUp(self):
        super().setUp()
        # odoo-bin runs the tests holding Registry._lock in its main thread
        # (ThreadedServer.run around preload_registries); each thread's
        # Environment looks the registry up with Registry(dbname) and would wait
        # for that lock until every test has run. Odoo's own tests with real
        # cursors in other threads do the same (auth_ldap, odoo/odoo#161438).
        self.patch(Registry, "_lock", DummyRLock())
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True})
            env.company.preorder_enabled = True
            partner = env["res.partner"].create({"name": "Race Customer"})
            product = env["product.product"].create(
                {"name": "Race Product", "type": "consu", "is_storable": True}
            )
            vendor = env["res.partner"].create({"name": "Race Vendor"})
            request = env["purchase.order"].create(
                {
                    "partner_id": vendor.id,
                    "preorder_kind": "national",
                    "order_line": [(0, 0, {"product_id": product.id, "product_qty": 1})],
                }
            )
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "order_line": [
                            (
                                0,
                                0,
                                {
                                    "product_id": product.id,
                                    "product_uom_qty": 1,
                                    "preorder_kind": "national",
                                },
                            )  # fmt: skip
                        ],
                    }
                    for _ in range(2)
                ]
            )
            self.ids = {
                "orders": orders.ids,
                "request": request.id,
                "product": product.id,
                "partners": [partner.id, vendor.id],
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            orders = env["sale.order"].browse(self.ids["orders"])
            orders._action_cancel()
            orders.unlink()
            request = env["purchase.order"].browse(self.ids["request"])
            request.button_cancel()
            request.unlink()
            env["stock.move"].search([("product_id", "=", self.ids["product"])]).unlink()
            env["product.product"].browse(self.ids["product"]).unlink()
            env["res.partner"].browse(self.ids["partners"]).unlink()

    def _confirm(self, order_id, barrier, outcome, failures):
        """Confirm one order in its own transaction, retrying as Odoo does.
        What goes wrong is kept in ``failures`` for the test to tell."""
        try:
            for attempt in range(5):
                try:
                    with self.registry.cursor() as cr:
                        env = api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True})
                        order = env["sale.order"].browse(order_id)
                        if attempt == 0:
                            barrier.wait(timeout=10)
                        order.action_confirm()
                        outcome[order_id] = attempt
                    return
                except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                    continue
                except errors.LockNotAvailable:
                    continue
            failures[order_id] = "still conflicting after 5 attempts"
        except Exception as error:  # pylint: disable=broad-except
            failures[order_id] = repr(error)

    def test_last_unit_goes_to_exactly_one(self):
        barrier = threading.Barrier(2)
        outcome, failures = {}, {}
        threads = [
            threading.Thread(target=self._confirm, args=(order_id, barrier, outcome, failures))
            for order_id in self.ids["orders"]
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        self.assertFalse([t.name for t in threads if t.is_alive()], "no confirmation hangs")
        self.assertEqual(failures, {}, "no confirmation failed")
        self.assertEqual(len(outcome), 2, "both orders were confirmed")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            lines = env["sale.order"].browse(self.ids["orders"]).order_line
            states = sorted(lines.mapped("preorder_state"))
            self.assertEqual(states, ["allocated", "parked"], "exactly one got the last unit")
            request = env["purchase.order"].browse(self.ids["request"])
            self.assertEqual(request.order_line.preorder_allocated_qty, 1.0)
            self.assertEqual(request.order_line.preorder_atp, 0.0)


@tagged("post_install", "-at_install")
class TestReleaseWorkers(BaseCase):
    """Release jobs on two workers (two hosts) share the pending products: a
    product another transaction holds is skipped, not waited for nor released
    twice. Committed data and cursors of its own, cleaned up afterwards."""

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True})
            products = env["product.product"].create(
                [
                    {"name": f"Worker Product {i}", "type": "consu", "is_storable": True}
                    for i in range(2)
                ]
            )
            products.preorder_release_pending = True
            self.product_ids = products.ids
            companies = env["res.company"].search([])  # pylint: disable=no-search-all
            self.swept = {company.id: company.preorder_release_swept_on for company in companies}
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            env["product.product"].browse(self.product_ids).unlink()
            for company_id, swept in self.swept.items():
                env["res.company"].browse(company_id).preorder_release_swept_on = swept

    def _pending(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            products = env["product.product"].browse(self.product_ids)
            return {product.id for product in products if product.preorder_release_pending}

    def test_busy_products_are_skipped_then_released(self):
        busy, free = self.product_ids
        with self.registry.cursor() as holder:
            # another worker is releasing `busy` right now
            holder.execute("SELECT id FROM product_product WHERE id = %s FOR UPDATE", [busy])
            with self.registry.cursor() as cr:
                env = api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True})
                env["preorder.allocation"]._cron_release_preorders(batch_size=10)
            self.assertEqual(self._pending(), {busy}, "the free product done, the busy one left")
        self.assertNotIn(free, self._pending())
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True})
            env["preorder.allocation"]._cron_release_preorders(batch_size=10)
        self.assertEqual(self._pending(), set(), "released by the next run")
