"""Two real transactions at once, on committed data cleaned up afterwards: a
receipt landing while the release job works on its product, and a customer
answering a date-slip question while the lapse job runs."""

import threading
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import api, fields
from odoo.exceptions import UserError
from odoo.modules.registry import DummyRLock, Registry
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tests import BaseCase, get_db_name, tagged


class ConcurrencyCase(BaseCase):
    def setUp(self):
        super().setUp()
        # odoo-bin runs the tests holding Registry._lock in its main thread: the
        # other threads' Registry(dbname) would wait for it (see test_race)
        self.patch(Registry, "_lock", DummyRLock())
        self.registry = Registry(get_db_name())
        self.created = []  # (model, ids), removed in reverse order
        self.addCleanup(self._cleanup)

    def _env(self, cr):
        return api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True})

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            for model, ids in reversed(self.created):
                records = env[model].browse(ids).exists()
                if model == "sale.order":
                    records._action_cancel()
                    records.order_line.preorder_allocation_ids.unlink()
                elif model == "purchase.order":
                    records.button_cancel()
                elif model == "product.product":
                    # the cancelled deliveries and receipts of the orders above
                    env["stock.move"].search([("product_id", "in", records.ids)]).unlink()
                records.unlink()

    def _hot_carts(self, env, carts, units=1):
        """A product with ``units`` on a confirmed national request and
        ``carts`` website carts of one unit each, one shopper per cart (the
        company takes pre-orders until the test ends; committed by the caller,
        cleaned up after). Returns (product, carts, shoppers)."""
        company = env.company
        enabled = company.preorder_enabled
        company.preorder_enabled = True
        self.addCleanup(self._restore_preorder_enabled, enabled)
        website = env["website"].search([("company_id", "=", company.id)], limit=1)
        product = env["product.product"].create(
            {"name": "Hold Race Product", "type": "consu", "is_storable": True}
        )
        self.created.append(("product.product", product.ids))
        vendor = env["res.partner"].create({"name": "Hold Race Vendor"})
        shoppers = env["res.partner"].create(
            [
                {"name": f"Hold Race Shopper {n}", "email": f"hold{n}@example.com"}
                for n in range(1, carts + 1)
            ]
        )
        self.created.append(("res.partner", (vendor | shoppers).ids))
        request = env["purchase.order"].create(
            {
                "partner_id": vendor.id,
                "preorder_kind": "national",
                "order_line": [(0, 0, {"product_id": product.id, "product_qty": units})],
            }
        )
        self.created.append(("purchase.order", request.ids))
        request.button_confirm()
        orders = env["sale.order"].create(
            [
                {
                    "partner_id": shopper.id,
                    "website_id": website.id,
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": product.id,
                                "product_uom_qty": 1,
                                "preorder_kind": "national",
                            },
                        ),
                    ],
                }  # fmt: skip
                for shopper in shoppers
            ]
        )
        self.created.append(("sale.order", orders.ids))
        return product, orders, shoppers

    def _restore_preorder_enabled(self, enabled):
        with self.registry.cursor() as cr:
            self._env(cr).company.preorder_enabled = enabled

    def _sale_with_preorder(self, env, product, request_qty=5, partner_name="Race Customer"):
        """A confirmed national request of ``product`` and a confirmed order of
        one unit allocated from it (committed by the caller)."""
        vendor = env["res.partner"].create({"name": "Race Vendor"})
        customer = env["res.partner"].create({"name": partner_name, "email": "race@example.com"})
        self.created.append(("res.partner", (vendor | customer).ids))
        request = env["purchase.order"].create(
            {
                "partner_id": vendor.id,
                "preorder_kind": "national",
                "order_line": [(0, 0, {"product_id": product.id, "product_qty": request_qty})],
            }
        )
        self.created.append(("purchase.order", request.ids))
        order = env["sale.order"].create(
            {
                "partner_id": customer.id,
                "order_line": [
                    (0, 0, {"product_id": product.id, "product_uom_qty": 1,
                            "preorder_kind": "national"})
                ],
            }
        )  # fmt: skip
        self.created.append(("sale.order", order.ids))
        order.action_confirm()
        return order


@tagged("post_install", "-at_install")
class TestReceiptDuringRelease(ConcurrencyCase):
    def test_receipt_during_the_batch_leaves_the_product_pending(self):
        """The release job holds a product (its batch is running); a receipt of
        that product lands meanwhile. The receipt waits for the batch, is
        refused by PostgreSQL as a concurrent update (raised for Odoo to retry,
        not swallowed), and its retry leaves the product pending: the new stock
        is released by the next run, not a day later by the sweep."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            product = env["product.product"].create(
                {"name": "Receipt Race Product", "type": "consu", "is_storable": True}
            )
            self.created.append(("product.product", product.ids))
            self._sale_with_preorder(env, product)
            product.preorder_release_pending = True
            product_id = product.id
        outcome = {"attempts": [], "error": None}

        def receipt():
            try:
                for _attempt in range(5):
                    try:
                        with self.registry.cursor() as cr:
                            env = self._env(cr)
                            env["product.product"].browse(product_id)._preorder_on_incoming_stock()
                        outcome["attempts"].append("committed")
                        return
                    except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as error:
                        outcome["attempts"].append(type(error).__name__)
            except Exception as error:  # pylint: disable=broad-except
                outcome["error"] = repr(error)

        with self.registry.cursor() as job_cr:
            job = self._env(job_cr)["preorder.allocation"]
            # the job takes its batch: the product's row is locked until it commits
            self.assertEqual(job._take_release_pending(10), [product_id])
            thread = threading.Thread(target=receipt)
            thread.start()
            time.sleep(1.0)
            self.assertTrue(thread.is_alive(), "the receipt waits for the running batch")
            # the batch ends as the job ends it: the product is not pending any more
            job.env["product.product"].browse(product_id).preorder_release_pending = False
        thread.join(timeout=30)
        self.assertFalse(thread.is_alive(), "the receipt went on once the batch committed")
        self.assertIsNone(outcome["error"])
        self.assertEqual(outcome["attempts"][-1], "committed")
        self.assertGreater(len(outcome["attempts"]), 1, "refused once, then retried")
        with self.registry.cursor() as cr:
            product = self._env(cr)["product.product"].browse(product_id)
            self.assertTrue(product.preorder_release_pending, "pending for the next run")


@tagged("post_install", "-at_install")
class TestAnswerDuringLapse(ConcurrencyCase):
    def test_answer_given_while_the_lapse_job_runs_wins(self):
        """The lapse job starts; a customer accepts the new dates of one order
        before the job reaches it. That order keeps the customer's answer, the
        other order lapses, and the job's run does not fail."""
        asked_at = fields.Datetime.now() - timedelta(days=30)
        with self.registry.cursor() as cr:
            env = self._env(cr)
            company = env.company
            self.saved_company = (company.preorder_consent_days, company.preorder_consent_lapse)
            company.write({"preorder_consent_days": 14, "preorder_consent_lapse": "keep"})
            product = env["product.product"].create(
                {"name": "Lapse Race Product", "type": "consu", "is_storable": True}
            )
            self.created.append(("product.product", product.ids))
            first = self._sale_with_preorder(env, product, partner_name="Answering Customer")
            second = self._sale_with_preorder(env, product, partner_name="Silent Customer")
            (first | second).order_line.write(
                {"preorder_consent_state": "pending", "preorder_consent_asked_at": asked_at}
            )
            ids = first.id, second.id
        self.addCleanup(self._restore_company)

        with self.registry.cursor() as job_cr:
            job = self._env(job_cr)["sale.order.line"]
            # the job's transaction has begun (its snapshot is taken)
            self.assertEqual(job.search_count([("order_id", "in", ids)]), 2)
            with self.registry.cursor() as customer_cr:
                order = self._env(customer_cr)["sale.order"].browse(ids[0])
                self.assertIsNone(order._preorder_consent_answer("accept"))
            lapsed = job._cron_preorder_consent_lapse()
            self.assertEqual(lapsed.order_id.ids, [ids[1]], "only the silent order lapses")
        with self.registry.cursor() as cr:
            orders = self._env(cr)["sale.order"].browse(ids)
            states = [order.order_line.preorder_consent_state for order in orders]
            self.assertEqual(states, ["accepted", "lapsed"])

    def _restore_company(self):
        with self.registry.cursor() as cr:
            days, lapse = self.saved_company
            self._env(cr).company.write(
                {"preorder_consent_days": days, "preorder_consent_lapse": lapse}
            )


@tagged("post_install", "-at_install")
class TestCheckoutHoldRace(ConcurrencyCase):
    def _take_holds_meanwhile(self, first_id, order_id, outcome):
        """A thread taking ``order_id``'s holds (its outcome in ``outcome``),
        and a replacement of ``_preorder_log_lock_time`` that starts it while
        the holds of ``first_id`` keep the supply row locked, for a second."""

        def take():
            try:
                with self.registry.cursor() as cr:
                    self._env(cr)["sale.order"].browse(order_id)._preorder_take_holds()
                outcome["attempts"].append("held")
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as error:
                outcome["attempts"].append(type(error).__name__)
            except UserError as error:
                outcome["attempts"].append(f"refused: {error}")
            except Exception as error:  # pylint: disable=broad-except
                outcome["error"] = repr(error)

        thread = threading.Thread(target=take)
        log_lock_time = self.registry["sale.order"]._preorder_log_lock_time

        def locked(order, locked_at):
            log_lock_time(order, locked_at)
            if order.id == first_id and not thread.ident:
                thread.start()
                time.sleep(1.0)
                outcome["waiting"] = thread.is_alive()

        return thread, locked

    def test_two_shoppers_paying_for_the_last_unit_at_once(self):
        """Launch day without HTTP: two carts start paying for the last unit at
        once. Each cart's holds are taken in a short transaction of its own:
        the second waits for the first's supply-row lock, then reads what the
        first held and is refused with the shopper's message at its first try
        (no serialization failure, no retry of the payment): one hold, never
        two. The hold is linked to its payment when the payment's transaction
        commits, and given back when that transaction fails."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            product, carts, shoppers = self._hot_carts(env, carts=2)
            first_id, second_id = carts.ids
            provider = env.ref("payment.payment_provider_demo")
            payment = env["payment.transaction"].create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": env.ref("payment_demo.payment_method_demo").id,
                    "amount": 10.0,
                    "currency_id": env.company.currency_id.id,
                    "partner_id": shoppers[0].id,
                    "reference": f"HOLD-RACE-{first_id}",
                }
            )
            self.created.append(("payment.transaction", payment.ids))
        outcome = {"attempts": [], "error": None, "waiting": None}
        # the first shopper holds the supply row: the second starts paying now
        thread, locked = self._take_holds_meanwhile(first_id, second_id, outcome)
        SaleOrder = self.registry["sale.order"]
        with (
            patch.object(SaleOrder, "_preorder_holds_own_transaction", lambda self: True),
            patch.object(SaleOrder, "_preorder_log_lock_time", locked),
        ):
            with self.registry.cursor() as first_cr:
                env = self._env(first_cr)
                env["sale.order"].browse(first_id)._preorder_take_holds(
                    env["payment.transaction"].browse(payment.id)
                )
            thread.join(timeout=30)
        self.assertFalse(thread.is_alive())
        self.assertIsNone(outcome["error"])
        self.assertTrue(outcome["waiting"], "the second checkout waited for the supply row")
        self.assertEqual(len(outcome["attempts"]), 1, "no serialization failure, no retry")
        self.assertIn("Only 0 available as pre-order", outcome["attempts"][0])
        with self.registry.cursor() as cr:
            holds = self._env(cr)["preorder.hold"].search([("product_id", "=", product.id)])
            self.assertEqual(holds.sale_order_id.ids, [first_id])
            self.assertEqual(sum(holds.mapped("quantity")), 1.0)
            # linked to the payment once the payment's transaction committed
            self.assertEqual(holds.transaction_id.id, payment.id)

        # a payment whose own transaction fails after its hold gives it back
        with (
            patch.object(SaleOrder, "_preorder_holds_own_transaction", lambda self: True),
            self.assertRaises(ZeroDivisionError),
            self.registry.cursor() as cr,
        ):
            self._env(cr)["sale.order"].browse(first_id)._preorder_take_holds()
            raise ZeroDivisionError("the payment's request fails after the hold")
        with self.registry.cursor() as cr:
            env = self._env(cr)
            self.assertFalse(env["preorder.hold"].search([("product_id", "=", product.id)]))
            supply = env["purchase.order.line"].search([("product_id", "=", product.id)])
            self.assertEqual(supply.preorder_held_qty, 0.0)

    def test_one_cart_paid_twice_at_once_keeps_one_hold(self):
        """The same cart starts paying twice at once (two tabs; the portal's
        payment route does not lock the order): the second payment waits for
        the supply row, replaces the first one's hold instead of counting it
        against itself, and the cart holds its unit once."""
        with self.registry.cursor() as cr:
            product, cart, _shoppers = self._hot_carts(self._env(cr), carts=1)
        outcome = {"attempts": [], "error": None, "waiting": None}
        thread, locked = self._take_holds_meanwhile(cart.id, cart.id, outcome)
        SaleOrder = self.registry["sale.order"]
        with (
            patch.object(SaleOrder, "_preorder_holds_own_transaction", lambda self: True),
            patch.object(SaleOrder, "_preorder_log_lock_time", locked),
        ):
            with self.registry.cursor() as first_cr:
                self._env(first_cr)["sale.order"].browse(cart.id)._preorder_take_holds()
            thread.join(timeout=30)
        self.assertFalse(thread.is_alive())
        self.assertIsNone(outcome["error"])
        self.assertTrue(outcome["waiting"], "the second payment waited for the supply row")
        self.assertEqual(outcome["attempts"], ["held"])
        with self.registry.cursor() as cr:
            holds = self._env(cr)["preorder.hold"].search([("product_id", "=", product.id)])
            self.assertEqual(len(holds), 1)
            self.assertEqual(holds.sale_order_id.id, cart.id)
            self.assertEqual(holds.quantity, 1.0)

    def test_a_cart_paid_again_while_its_holds_are_converted_fails_fast(self):
        """A cart's payment tries again while another transaction changes the
        cart's earlier holds (its payment's confirmation converting them): the
        new attempt does not wait for that transaction with the supply row
        locked (every other checkout of the product would wait too) but fails
        at once with a concurrency error, which Odoo retries the request for.
        The earlier holds stay, and the supply row is free for others."""
        with self.registry.cursor() as cr:
            product, cart, _shoppers = self._hot_carts(self._env(cr), carts=1)
        SaleOrder = self.registry["sale.order"]
        with patch.object(SaleOrder, "_preorder_holds_own_transaction", lambda self: True):
            with self.registry.cursor() as cr:
                self._env(cr)["sale.order"].browse(cart.id)._preorder_take_holds()
            with self.registry.cursor() as converting:
                # a new attempt that waited would be let through after 10 s (the
                # test fails rather than hangs)
                converting.execute("SET LOCAL idle_in_transaction_session_timeout = '10s'")
                converting.execute(
                    "UPDATE preorder_hold SET quantity = quantity WHERE sale_order_id = %s",
                    [cart.id],
                )
                started = time.monotonic()
                with (
                    self.assertRaises(PG_CONCURRENCY_EXCEPTIONS_TO_RETRY),
                    self.registry.cursor() as cr,
                ):
                    self._env(cr)["sale.order"].browse(cart.id)._preorder_take_holds()
                self.assertLess(time.monotonic() - started, 5.0, "failed at once")
                with self.registry.cursor() as other:
                    other.execute(
                        "SELECT id FROM purchase_order_line WHERE product_id = %s "
                        "FOR UPDATE NOWAIT",
                        [product.id],
                    )
                    self.assertTrue(other.fetchall(), "the supply row is not left locked")
                converting.rollback()
        with self.registry.cursor() as cr:
            holds = self._env(cr)["preorder.hold"].search([("product_id", "=", product.id)])
            self.assertEqual(holds.sale_order_id.id, cart.id)
            self.assertEqual(holds.quantity, 1.0)


@tagged("post_install", "-at_install")
class TestConfirmationMeetsAHold(ConcurrencyCase):
    def _hot_product(self, units, carts):
        """``_hot_carts`` committed: (product id, cart ids)."""
        with self.registry.cursor() as cr:
            product, orders, _shoppers = self._hot_carts(self._env(cr), carts, units=units)
            return product.id, orders.ids

    def test_a_confirmation_started_before_a_hold_gives_nothing_held_and_is_not_refused(self):
        """Launch day: a payment's confirmation (allocation, REPEATABLE READ)
        began before another shopper's checkout held the last unit. The hold
        never writes the supply row, so the confirmation's lock is not refused
        by PostgreSQL (no retry of the payment's post-processing); it reads the
        holds as committed once it holds the lock, so the held unit is not given
        to it: its line is parked, the hold stays."""
        product_id, (confirming_id, holding_id) = self._hot_product(units=1, carts=2)
        SaleOrder = self.registry["sale.order"]
        with (
            patch.object(SaleOrder, "_preorder_holds_own_transaction", lambda self: True),
            self.registry.cursor() as confirming_cr,
        ):
            # the confirmation's snapshot is taken before the hold
            confirming_cr.execute("SELECT 1")
            with self.registry.cursor() as cr:
                self._env(cr)["sale.order"].browse(holding_id)._preorder_take_holds()
            order = self._env(confirming_cr)["sale.order"].browse(confirming_id)
            order.action_confirm()
            line = order.order_line
            self.assertEqual(line.preorder_allocated_qty, 0.0, "the held unit is not given")
            self.assertEqual(line.preorder_parked_qty, 1.0)
        with self.registry.cursor() as cr:
            env = self._env(cr)
            holds = env["preorder.hold"].search([("product_id", "=", product_id)])
            self.assertEqual(holds.sale_order_id.ids, [holding_id])
            supply = env["purchase.order.line"].search([("product_id", "=", product_id)])
            self.assertEqual((supply.preorder_held_qty, supply.preorder_allocated_qty), (1.0, 0.0))

    def test_two_paid_carts_confirmed_at_once_convert_their_holds_after_the_commit(self):
        """Launch day: two paid carts of the hot product are confirmed in
        overlapping transactions. Neither allocates in its own (REPEATABLE
        READ) transaction, so neither is refused by PostgreSQL for the other's
        write on the supply row; each line carries its holds' promise at once,
        and once each confirmation commits its holds become its allocations."""
        product_id, cart_ids = self._hot_product(units=2, carts=2)
        manual = fields.Date.today() + timedelta(days=90)
        with self.registry.cursor() as cr:
            # a date staff set by hand on the second cart stays theirs
            self._env(cr)["sale.order"].browse(cart_ids[1]).order_line.promise_date = manual
        SaleOrder = self.registry["sale.order"]
        with patch.object(SaleOrder, "_preorder_holds_own_transaction", lambda self: True):
            for cart_id in cart_ids:
                with self.registry.cursor() as cr:
                    self._env(cr)["sale.order"].browse(cart_id)._preorder_take_holds()
            with self.registry.cursor() as first_cr:
                first_cr.execute("SELECT 1")  # its snapshot: before the second's commit
                with self.registry.cursor() as cr:
                    second = self._env(cr)["sale.order"].browse(cart_ids[1])
                    second.action_confirm()
                    self.assertFalse(second.order_line.preorder_allocation_ids)
                first = self._env(first_cr)["sale.order"].browse(cart_ids[0])
                first.action_confirm()
                line = first.order_line
                self.assertFalse(line.preorder_allocation_ids, "converted after the commit")
                self.assertTrue(line.promise_date, "the promise its hold made, at once")
                promised = line.promise_date
        with self.registry.cursor() as cr:
            env = self._env(cr)
            orders = env["sale.order"].browse(cart_ids)
            self.assertEqual(orders.order_line.mapped("preorder_allocated_qty"), [1.0, 1.0])
            self.assertEqual(orders.order_line.mapped("promise_date"), [promised, manual])
            self.assertFalse(env["preorder.hold"].search([("product_id", "=", product_id)]))
            supply = env["purchase.order.line"].search([("product_id", "=", product_id)])
            self.assertEqual((supply.preorder_allocated_qty, supply.preorder_atp), (2.0, 0.0))

    def test_a_card_declined_in_the_request_that_held_gives_the_hold_back(self):
        """A saved card is charged in the request that creates the payment: its
        holds were committed by their own cursor after that request's snapshot,
        and a decline still gives them back at once."""
        product_id, (cart_id, _other) = self._hot_product(units=1, carts=2)
        SaleOrder = self.registry["sale.order"]
        with (
            patch.object(SaleOrder, "_preorder_holds_own_transaction", lambda self: True),
            self.registry.cursor() as cr,
        ):
            cr.execute("SELECT 1")  # the payment request's snapshot
            env = self._env(cr)
            cart = env["sale.order"].browse(cart_id)
            payment = env["payment.transaction"].create(
                {
                    "provider_id": env.ref("payment.payment_provider_demo").id,
                    "payment_method_id": env.ref("payment_demo.payment_method_demo").id,
                    "amount": cart.amount_total,
                    "currency_id": cart.currency_id.id,
                    "partner_id": cart.partner_id.id,
                    "sale_order_ids": [(6, 0, cart.ids)],
                }
            )
            self.created.append(("payment.transaction", payment.ids))
            with self.registry.cursor() as other:
                held = self._env(other)["preorder.hold"].search([("product_id", "=", product_id)])
                self.assertEqual(held.payment_reference, payment.reference, "held, committed")
            payment._set_error("Declined")
        with self.registry.cursor() as cr:
            env = self._env(cr)
            self.assertFalse(env["preorder.hold"].search([("product_id", "=", product_id)]))


@tagged("post_install", "-at_install")
class TestTwoReleasesOfOneDepositOrder(ConcurrencyCase):
    def _cleanup(self):
        # a done receipt cannot be undone through the ORM: its stock records go
        # first (test data only), then the records as the other tests remove them
        created = {model: tuple(ids) for model, ids in self.created}
        if "product.product" in created:
            with self.registry.cursor() as cr:
                products = created["product.product"]
                cr.execute(
                    "DELETE FROM account_move WHERE id IN (SELECT move_id FROM account_move_line"
                    " WHERE product_id IN %s)",
                    (products,),
                )
                cr.execute("DELETE FROM stock_valuation_layer WHERE product_id IN %s", (products,))
                cr.execute("DELETE FROM stock_move_line WHERE product_id IN %s", (products,))
                cr.execute("DELETE FROM stock_move WHERE product_id IN %s", (products,))
                cr.execute("DELETE FROM stock_quant WHERE product_id IN %s", (products,))
                cr.execute(
                    "DELETE FROM stock_picking p WHERE NOT EXISTS"
                    " (SELECT 1 FROM stock_move m WHERE m.picking_id = p.id)"
                    " AND p.origin IN (SELECT name FROM purchase_order WHERE id IN %s"
                    " UNION SELECT name FROM sale_order WHERE id IN %s)",
                    (created["purchase.order"], created["sale.order"]),
                )
        return super()._cleanup()

    def test_the_balance_is_invoiced_exactly_once(self):
        """A deposit order with two pre-ordered products; both arrive and are
        released by two transactions at once. Each released only its own line:
        the second, waiting for the order's lock, is refused by PostgreSQL and
        retried (as Odoo retries), sees both lines released and invoices the
        balance -- once, never twice, never forgotten."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            env.company.preorder_enabled = True
            vendor = env["res.partner"].create({"name": "Balance Race Vendor"})
            customer = env["res.partner"].create({"name": "Balance Race Customer"})
            self.created.append(("res.partner", (vendor | customer).ids))
            products = env["product.product"].create(
                [
                    {"name": f"Balance Race {n}", "type": "consu", "is_storable": True,
                     "list_price": 100.0, "taxes_id": False}
                    for n in (1, 2)
                ]
            )  # fmt: skip
            self.created.append(("product.product", products.ids))
            request = env["purchase.order"].create(
                {
                    "partner_id": vendor.id,
                    "preorder_kind": "national",
                    "order_line": [
                        (0, 0, {"product_id": product.id, "product_qty": 1}) for product in products
                    ],
                }
            )
            self.created.append(("purchase.order", request.ids))
            request.button_confirm()
            order = env["sale.order"].create(
                {
                    "partner_id": customer.id,
                    "order_line": [
                        (0, 0, {"product_id": product.id, "product_uom_qty": 1,
                                "preorder_kind": "national"})
                        for product in products
                    ],
                }
            )  # fmt: skip
            self.created.append(("sale.order", order.ids))
            order.action_confirm()
            order.preorder_deposit = "due"
            picking = request.picking_ids
            for move in picking.move_ids:
                move.quantity = move.product_uom_qty
            # received (the release job is only triggered): the two releases below
            picking.button_validate()
            env["product.product"].browse(products.ids).write({"preorder_release_pending": False})
            ids = {"order": order.id, "products": products.ids}
        outcome = {"attempts": [], "error": None}
        started = threading.Event()

        def first_release():
            try:
                with self.registry.cursor() as cr:
                    env = self._env(cr)
                    env["preorder.allocation"]._release_products(
                        env["product.product"].browse(ids["products"][0])
                    )
                    started.set()
                    time.sleep(1.0)  # still working when the second arrives
                outcome["attempts"].append("first committed")
            except Exception as error:  # pylint: disable=broad-except
                outcome["error"] = repr(error)
                started.set()

        thread = threading.Thread(target=first_release)
        thread.start()
        started.wait(timeout=30)
        for _attempt in range(5):
            try:
                with self.registry.cursor() as cr:
                    env = self._env(cr)
                    env["preorder.allocation"]._release_products(
                        env["product.product"].browse(ids["products"][1])
                    )
                outcome["attempts"].append("second committed")
                break
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as error:
                outcome["attempts"].append(type(error).__name__)
        thread.join(timeout=30)
        self.assertIsNone(outcome["error"])
        self.assertIn("second committed", outcome["attempts"])
        with self.registry.cursor() as cr:
            order = self._env(cr)["sale.order"].browse(ids["order"])
            self.assertEqual(order.order_line.mapped("preorder_state"), ["released", "released"])
            self.assertEqual(order.preorder_deposit, "invoiced")
            self.assertEqual(len(order.invoice_ids), 1, f"attempts: {outcome['attempts']}")
