import importlib.util
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time
from lxml import etree
from psycopg2 import errors

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import file_path

from ..models import preorder_allocation
from .common import PreorderCase


class ReleaseCase(PreorderCase):
    def _mails(self, order):
        return self.env["mail.mail"].search(
            [("model", "=", "sale.order"), ("res_id", "=", order.id)]
        )

    def _reserved(self, order):
        return sum(order.picking_ids.move_ids.mapped("quantity"))


@tagged("post_install", "-at_install")
class TestRelease(ReleaseCase):
    def test_unreleased_preorder_never_reserves_stock(self):
        self._set_stock(self.product, 10)
        self._create_request("national", [(self.product, 5, 10)])
        order = self._create_sale([(self.product, 2, "national")])
        move = order.picking_ids.move_ids
        self.assertEqual(order.order_line.preorder_state, "allocated")
        self.assertNotEqual(move.state, "assigned", "no reservation before release")
        move._action_assign()
        self.assertEqual(move.quantity, 0.0, "even when asked directly")
        stock_order = self._create_sale([(self.product, 3, "stock")])
        self.assertEqual(stock_order.picking_ids.move_ids.state, "assigned", "stock lines reserve")

    def test_receipt_triggers_the_job_and_releases_oldest_orders_first(self):
        request = self._create_request("national", [(self.product, 6, 10)], confirm=True)
        first = self._create_sale([(self.product, 3, "national")])
        second = self._create_sale([(self.product, 3, "national")], partner=self.customer_b)
        second.date_order = first.date_order + timedelta(minutes=5)
        cron = self.env.ref("website_preorder.ir_cron_release_preorders")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self._receive(request, {self.product: 4})
        self.assertEqual(first.order_line.preorder_state, "allocated", "not inside the receipt")
        self.assertFalse(self._mails(first), "no e-mail rendered by the stock operator's click")
        self.assertGreater(
            len(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])),
            len(triggers),
            "the receipt triggers the release job",
        )
        self.assertTrue(self.product.preorder_release_pending)
        self._run_release()
        self.assertFalse(self.product.preorder_release_pending)
        self.assertEqual(first.order_line.preorder_state, "released")
        self.assertEqual(self._reserved(first), 3.0, "released means reserved")
        self.assertEqual(second.order_line.preorder_released_qty, 1.0, "1 of 3 received for it")
        self.assertEqual(self._reserved(second), 1.0)
        self.assertEqual(second.order_line.preorder_state, "allocated")
        mails = self._mails(first)
        self.assertEqual(len(mails), 1, "one release e-mail for the first order")
        self.assertIn("ready to ship", mails.subject)
        self.assertIn(self.customer, mails.recipient_ids)
        second_mail = self._mails(second)
        self.assertEqual(len(second_mail), 1)
        self.assertIn(
            "1.00 Units ×", second_mail.body_html, "the e-mail states the quantity reserved"
        )
        self._receive(request, {self.product: 2})
        self._run_release()
        self.assertEqual(second.order_line.preorder_state, "released")
        self.assertEqual(self._reserved(second), 3.0)
        self.assertEqual(len(self._mails(second)), 2, "one e-mail per release")
        self._run_release()
        self.assertEqual(len(self._mails(second)), 2, "running again releases nothing twice")

    def test_received_goods_do_not_sit_idle(self):
        """The oldest allocation's line also waits on a later request: the
        received goods still go out for the allocation they cover."""
        # allocations stay where they are (with Move to Earlier Supply on, the
        # raised early request would take the old line's whole quantity)
        self.company.preorder_move_earlier = False
        early = self._create_request("national", [(self.product, 3, 10)], confirm=True)
        old = self._create_sale([(self.product, 4, "national")])
        late = self._create_request("national", [(self.product, 5, 20)], confirm=True)
        self.assertEqual(old.order_line.preorder_parked_qty, 0.0)
        # (with a vendor price, Odoo recomputes Expected Arrival on a quantity change)
        early.order_line.write({"product_qty": 4, "date_planned": self._arrival(10)})
        young = self._create_sale([(self.product, 1, "national")], partner=self.customer_b)
        young.date_order = old.date_order + timedelta(minutes=5)
        self.assertEqual(
            young.order_line.preorder_allocation_ids.purchase_order_id, early, "on the early one"
        )
        self._receive(early, {self.product: 3})
        self._run_release()
        line = old.order_line
        self.assertEqual(line.preorder_released_qty, 3.0, "3 of its 4 received and reserved")
        self.assertEqual(self._reserved(old), 3.0)
        self.assertEqual(line.preorder_state, "allocated", "the 4th waits on the late request")
        released = line.preorder_allocation_ids.filtered(lambda a: a.state == "released")
        self.assertEqual(released.purchase_order_id, early)
        self.assertEqual(
            line.preorder_allocation_ids.filtered(
                lambda a: a.state == "allocated"
            ).purchase_order_id,
            late,
        )
        self.assertEqual(young.order_line.preorder_released_qty, 0.0, "nothing left for it")
        self._receive(early, {self.product: 1})
        self._run_release()
        self.assertEqual(young.order_line.preorder_state, "released")

    def test_partial_receipts_across_two_requests(self):
        first_request = self._create_request("national", [(self.product, 2, 10)], confirm=True)
        second_request = self._create_request("national", [(self.product, 4, 20)], confirm=True)
        order = self._create_sale([(self.product, 5, "national")])
        line = order.order_line
        self.assertEqual(
            sorted(line.preorder_allocation_ids.mapped("quantity")), [2.0, 3.0], "split over both"
        )
        self._receive(second_request, {self.product: 1})
        self._run_release()
        self.assertEqual(line.preorder_released_qty, 1.0, "one unit of the second request")
        self._receive(first_request, {self.product: 2})
        self._run_release()
        self.assertEqual(line.preorder_released_qty, 3.0)
        self.assertEqual(self._reserved(order), 3.0)
        self._receive(second_request, {self.product: 2})
        self._run_release()
        self.assertEqual(line.preorder_released_qty, 5.0)
        self.assertEqual(line.preorder_state, "released")
        self.assertEqual(
            sum(line.preorder_allocation_ids.mapped("quantity")), 5.0, "split, never lost"
        )
        self.assertEqual(set(line.preorder_allocation_ids.mapped("state")), {"released"})

    def test_shipping_policy_decides_partial_parcels(self):
        for policy, ready in (("direct", "assigned"), ("one", "confirmed")):
            with self.subTest(policy=policy):
                request = self._create_request("national", [(self.product, 4, 10)], confirm=True)
                order = self._create_sale([(self.product, 4, "national")], picking_policy=policy)
                self._receive(request, {self.product: 2})
                self._run_release()
                picking = order.picking_ids
                self.assertEqual(self._reserved(order), 2.0, "release only reserves")
                self.assertEqual(picking.state, ready, "Odoo's shipping policy decides")

    def test_due_lines_take_free_stock_oldest_first(self):
        self._create_request("national", [(self.product, 5, 3)])
        old = self._create_sale([(self.product, 2, "national")])
        new = self._create_sale([(self.product, 2, "national")], partner=self.customer_b)
        new.date_order = old.date_order + timedelta(minutes=5)
        self._set_stock(self.product, 3)  # enough for one and a half
        self.assertEqual(self._run_release()["released"], 0, "not due yet")
        with freeze_time(self.today + timedelta(days=3)):
            self._run_release()
        self.assertEqual(old.order_line.preorder_state, "released", "earlier customer first")
        self.assertEqual(self._reserved(old), 2.0)
        self.assertEqual(new.order_line.preorder_released_qty, 1.0, "what is left, reserved")
        self.assertEqual(self._reserved(new), 1.0)

    def test_parked_lines_ship_from_free_stock_oldest_first(self):
        """Stock that arrives by an inventory adjustment serves the oldest parked order."""
        old = self._create_sale([(self.product, 2, "national")])
        new = self._create_sale([(self.product, 2, "national")], partner=self.customer_b)
        new.date_order = old.date_order + timedelta(minutes=5)
        self.assertEqual(old.order_line.preorder_state, "parked")
        quant = self.env["stock.quant"].create(
            {
                "product_id": self.product.id,
                "location_id": self.wh1.lot_stock_id.id,
                "inventory_quantity": 2,
            }
        )
        quant.action_apply_inventory()
        self.assertTrue(self.product.preorder_release_pending, "an adjustment triggers too")
        self._run_release()
        stock_order = self._create_sale([(self.product, 2, "stock")], partner=self.customer_b)
        line = old.order_line
        self.assertEqual(line.preorder_state, "released", "parked line released from stock")
        self.assertFalse(line.preorder_allocation_ids, "without an allocation")
        self.assertEqual(line.preorder_parked_qty, 0.0)
        self.assertEqual(self._reserved(old), 2.0)
        self.assertEqual(new.order_line.preorder_state, "parked")
        self.assertEqual(self._reserved(stock_order), 0.0, "a later stock order finds it taken")

    def test_release_from_stock_adds_up_per_line_and_mails_each_release(self):
        """One release run writes each line its own quantity (released from stock
        and to be e-mailed), and a later run adds to what is already there."""
        old = self._create_sale([(self.product, 2, "national")])
        new = self._create_sale([(self.product, 5, "national")], partner=self.customer_b)
        new.date_order = old.date_order + timedelta(minutes=5)
        self._set_stock(self.product, 5)
        self._run_release()
        self.assertEqual(old.order_line.preorder_released_qty, 2.0, "all of the oldest")
        self.assertEqual(new.order_line.preorder_released_qty, 3.0, "what was left")
        self.assertEqual(new.order_line.preorder_parked_qty, 2.0)
        for order, quantity in ((old, 2.0), (new, 3.0)):
            [mail] = self._mails(order)
            self.assertIn(order.order_line._preorder_format_qty(quantity), mail.body_html)
        # two more counted by the inventory manager: the adjustment triggers the job
        manager = new_test_user(self.env, "release_inventory", groups="stock.group_stock_manager")
        quant = (
            self.env["stock.quant"]
            .with_user(manager)
            .with_context(inventory_mode=True)
            .search(
                [
                    ("product_id", "=", self.product.id),
                    ("location_id", "=", self.wh1.lot_stock_id.id),
                ]
            )
        )
        quant.inventory_quantity = 7
        quant.action_apply_inventory()
        self.assertTrue(self.product.preorder_release_pending)
        self._run_release()
        line = new.order_line
        self.assertEqual(line.preorder_released_qty, 5.0, "3 and then 2 more")
        self.assertEqual(line.preorder_parked_qty, 0.0)
        self.assertEqual(line.preorder_state, "released")
        self.assertEqual(self._reserved(new), 5.0)
        self.assertEqual(len(self._mails(old)), 1, "nothing new for the oldest")
        mails = self._mails(new).sorted("id")
        self.assertEqual(len(mails), 2)
        self.assertIn(line._preorder_format_qty(2.0), mails[1].body_html, "only what is new")
        self.assertNotIn(line._preorder_format_qty(5.0), mails[1].body_html)

    def test_a_batch_of_e_mails_compiles_its_body_once_per_language(self):
        """Odoo compiles a mail template's body for every e-mail; a batch of the
        addon's e-mails compiles it once per language, and each e-mail is still
        its own order's."""
        self.env["res.lang"]._activate_lang("fr_FR")
        french = self.env["res.partner"].create(
            {"name": "Client Français", "email": "fr@example.com", "lang": "fr_FR"}
        )
        orders = self.env["sale.order"]
        for partner in (self.customer, self.customer_b, french):
            orders |= self._create_sale([(self.product, 1, "national")], partner=partner)
        IrQweb = type(self.env["ir.qweb"])
        generate = IrQweb._generate_code
        compiled = []

        def counted(qweb, template):
            # an inline body, not a view, nor the check of its expressions
            check = qweb.env.context.get("raise_on_forbidden_code_for_model")
            if isinstance(template, etree._Element) and not check:
                compiled.append(template)
            return generate(qweb, template)

        with patch.object(IrQweb, "_generate_code", counted):
            orders._preorder_send_mail(
                "website_preorder.mail_template_preorder_released", "Released"
            )
        self.assertEqual(len(compiled), 2, "English once, French once")
        for order in orders:
            [mail] = self._mails(order)
            self.assertIn(order.name, mail.body_html)
            self.assertIn(order.partner_id.name, mail.body_html)
        # outside a batch, Odoo's own rendering: compiled again
        with patch.object(IrQweb, "_generate_code", counted):
            self.env.ref("website_preorder.mail_template_preorder_released").send_mail(orders[0].id)
        self.assertEqual(len(compiled), 3)

    def test_quantities_released_before_the_e_mail_add_up_in_it(self):
        """The job e-mails once its pass is over: what two batches (or two
        interrupted runs) released for a line before that is told as one sum."""
        order = self._create_sale([(self.product, 5, "national")])
        Release = self.env["preorder.allocation"]
        self._set_stock(self.product, 2)
        Release._release_products(self.product, notify=False)
        self._set_stock(self.product, 3)
        Release._release_products(self.product, notify=False)
        line = order.order_line
        self.assertEqual(line.preorder_released_qty, 5.0)
        self.assertFalse(self._mails(order), "nothing e-mailed before the pass is over")
        order._preorder_notify_released()
        [mail] = self._mails(order)
        self.assertIn(line._preorder_format_qty(5.0), mail.body_html, "2 and 3, in one e-mail")
        self.assertFalse(line.preorder_release_notify_qty, "told: nothing left to tell")

    def test_ordinary_receipt_triggers_release(self):
        self._create_sale([(self.product, 1, "national")])
        purchase = self.env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "order_line": [(0, 0, {"product_id": self.product.id, "product_qty": 1})],
            }
        )
        purchase.button_confirm()
        self.product.preorder_release_pending = False
        self._receive(purchase, {self.product: 1})
        self.assertTrue(self.product.preorder_release_pending)

    def test_release_failure_never_blocks_a_receipt(self):
        request = self._create_request("national", [(self.product, 2, 10)], confirm=True)
        order = self._create_sale([(self.product, 2, "national")])
        Product = type(self.env["product.product"])
        with patch.object(
            Product, "_preorder_mark_release_pending", side_effect=RuntimeError("boom")
        ):
            picking = self._receive(request, {self.product: 2})
        self.assertEqual(picking.state, "done", "the receipt is validated all the same")
        self.assertEqual(request.order_line.qty_received, 2.0)
        self.product.preorder_release_pending = True
        Release = type(self.env["preorder.allocation"])
        with patch.object(Release, "_release_products", side_effect=RuntimeError("boom")):
            counts = self.env["preorder.allocation"]._cron_release_preorders()
        self.assertEqual(counts["failed"], 1, "the poisoned product is logged and skipped")
        self.assertFalse(self.product.preorder_release_pending, "skipped until the next sweep")
        self.assertEqual(order.order_line.preorder_state, "allocated")
        self.product.preorder_release_pending = True
        self._run_release()
        self.assertEqual(order.order_line.preorder_state, "released")

    def test_upgrade_points_the_crons_at_the_models_that_hold_their_jobs(self):
        """18.0.1.3.0 folded the service models into the models they concern: the
        existing (noupdate) scheduled actions follow, keeping the merchant's
        schedule, and run from their new models."""
        expected = {
            "ir_cron_refresh_catalog": "product.product",
            "ir_cron_presale_price_update": "product.pricelist",
            "ir_cron_release_preorders": "preorder.allocation",
            "ir_cron_preorder_consent_lapse": "sale.order.line",
        }
        crons = {xmlid: self.env.ref(f"website_preorder.{xmlid}") for xmlid in expected}
        # as an older version left them: another model, the old method name
        for cron in crons.values():
            cron.write({"model_id": self.env["ir.model"]._get("res.partner").id,
                        "interval_number": 3})  # fmt: skip
        crons["ir_cron_preorder_consent_lapse"].code = "model._cron_lapse()"
        path = file_path("website_preorder/migrations/18.0.1.3.0/post-migrate.py")
        spec = importlib.util.spec_from_file_location("preorder_migrate_1_3", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, "18.0.1.2.0")
        for xmlid, cron in crons.items():
            with self.subTest(cron=xmlid):
                cron.invalidate_recordset()
                self.assertEqual(cron.model_id.model, expected[xmlid])
                self.assertEqual(cron.interval_number, 3, "the merchant's schedule stays")
                cron.method_direct_trigger()
                self.assertEqual(cron.lastcall.date(), fields.Date.today(), "the job runs from it")

    def test_job_works_in_batches_and_reports_progress(self):
        products = self.product | self.product_b
        for product in products:
            self._create_sale([(product, 1, "national")])
            self._set_stock(product, 1)
        products.preorder_release_pending = True
        cron = self.env.ref("website_preorder.ir_cron_release_preorders")
        cron, progress = cron._add_progress()
        Job = self.env["preorder.allocation"].with_context(**cron.env.context)
        first = Job._cron_release_preorders(batch_size=1)
        self.assertEqual((first["done"], first["remaining"]), (1, 1))
        self.assertEqual((progress.done, progress.remaining), (1, 1), "cron progress API")
        second = Job._cron_release_preorders(batch_size=1)
        self.assertEqual(second["remaining"], 0)
        self.assertEqual(set(products.mapped("preorder_release_pending")), {False})

    def _due_orders(self):
        """Two products, each on a due pre-order line with stock: both pending."""
        orders = {
            product: self._create_sale([(product, 1, "national")])
            for product in (self.product, self.product_b)
        }
        for product in orders:
            self._set_stock(product, 1)
        (self.product | self.product_b).preorder_release_pending = True
        return orders

    def _release_failing_for(self, product, error):
        """Patch the release so that any batch holding ``product`` raises ``error``."""
        Release = type(self.env["preorder.allocation"])
        original = Release._release_products

        def release(model, products, **kwargs):
            if product in products:
                raise error
            return original(model, products, **kwargs)

        return patch.object(Release, "_release_products", release)

    def test_busy_product_stays_pending_for_the_next_run(self):
        """A product whose lines another transaction changed meanwhile (PostgreSQL
        refuses the stale snapshot) is not lost until the daily sweep: it stays
        pending, the others are released."""
        orders = self._due_orders()
        busy = errors.SerializationFailure("could not serialize access")
        with self._release_failing_for(self.product, busy):
            counts = self.env["preorder.allocation"]._cron_release_preorders()
        self.assertEqual((counts["busy"], counts["failed"]), (1, 0))
        self.assertTrue(self.product.preorder_release_pending, "taken again by the next run")
        self.assertFalse(self.product_b.preorder_release_pending)
        self.assertEqual(orders[self.product_b].order_line.preorder_state, "released")
        self._run_release()
        self.assertEqual(orders[self.product].order_line.preorder_state, "released")

    def test_poisoned_product_is_skipped_the_rest_released(self):
        orders = self._due_orders()
        with self._release_failing_for(self.product, RuntimeError("poisoned")):
            counts = self._run_release()
        self.assertEqual(counts["failed"], 1)
        self.assertEqual(orders[self.product_b].order_line.preorder_state, "released")
        self.assertEqual(orders[self.product].order_line.preorder_state, "parked")

    def test_daily_sweep_finds_due_lines_without_a_trigger(self):
        self._create_request("national", [(self.product, 5, 2)])
        order = self._create_sale([(self.product, 2, "national")])
        self._set_stock(self.product, 2)
        self.product.preorder_release_pending = False
        self.env.company.preorder_release_swept_on = False
        with freeze_time(self.today + timedelta(days=2)):
            self._run_release()
        self.assertEqual(order.order_line.preorder_state, "released")


@tagged("post_install", "-at_install")
class TestReleaseWarehouses(ReleaseCase):
    def test_goods_in_input_release_nothing_until_put_away(self):
        self.wh1.reception_steps = "two_steps"
        request = self._create_request("national", [(self.product, 2, 10)], confirm=True)
        order = self._create_sale([(self.product, 2, "national")])
        receipt = request.picking_ids.filtered(
            lambda p: p.location_dest_id == self.wh1.wh_input_stock_loc_id
        )
        self.assertTrue(receipt, "two-step reception: goods go to WH/Input first")
        self._receive(request, {self.product: 2})
        self._run_release()
        self.assertEqual(order.order_line.preorder_state, "allocated", "nothing in WH/Stock yet")
        self.assertFalse(self._mails(order), "the customer is not told 'arrived'")
        internal = self.env["stock.picking"].search(
            [
                ("location_id", "=", self.wh1.wh_input_stock_loc_id.id),
                ("product_id", "=", self.product.id),
                ("state", "not in", ("done", "cancel")),
            ]
        )
        self.assertTrue(internal)
        internal.action_assign()
        internal.move_ids.quantity = 2
        internal.button_validate()
        self.assertTrue(self.product.preorder_release_pending, "the put-away triggers the job")
        self._run_release()
        self.assertEqual(order.order_line.preorder_state, "released")
        self.assertEqual(self._reserved(order), 2.0)

    def test_three_step_reception(self):
        self.wh1.reception_steps = "three_steps"
        request = self._create_request("national", [(self.product, 1, 10)], confirm=True)
        order = self._create_sale([(self.product, 1, "national")])
        self._receive(request, {self.product: 1})
        self._run_release()
        self.assertEqual(order.order_line.preorder_state, "allocated", "goods in input/quality")

    def test_two_step_delivery_reserves_the_pick(self):
        self.wh1.delivery_steps = "pick_ship"
        order = self._create_sale([(self.product, 2, "national")])
        self._set_stock(self.product, 5)
        pick = order.picking_ids.filtered(lambda p: p.location_id == self.wh1.lot_stock_id)
        self.assertEqual(pick.picking_type_id, self.wh1.pick_type_id, "the first step")
        self.assertEqual(pick.move_ids.quantity, 0.0, "parked: the pick waits for release")
        self._run_release()
        self.assertEqual(order.order_line.preorder_state, "released")
        self.assertEqual(pick.move_ids.quantity, 2.0, "the pick from stock is reserved")

    def test_stock_in_another_warehouse_releases_nothing(self):
        self._create_request("national", [(self.product, 5, 2)])
        order = self._create_sale([(self.product, 2, "national")], warehouse_id=self.wh1.id)
        self._set_stock(self.product, 5, self.wh2)
        with freeze_time(self.today + timedelta(days=2)):
            self._run_release()
            self.assertEqual(order.order_line.preorder_state, "allocated", "B's stock is not A's")
            self._set_stock(self.product, 2, self.wh1)
            self.product.preorder_release_pending = True
            self._run_release()
        self.assertEqual(order.order_line.preorder_state, "released")

    def test_released_means_what_the_delivery_reserved(self):
        """Free stock sits in a shelf the delivery does not take from: nothing is
        marked released and nobody is told."""
        shelf = self.env["stock.location"].create(
            {"name": "Shelf A", "location_id": self.wh1.lot_stock_id.id}
        )
        other = self.env["stock.location"].create(
            {"name": "Shelf B", "location_id": self.wh1.lot_stock_id.id}
        )
        rule = self.wh1.delivery_route_id.rule_ids.filtered(
            lambda r: r.location_src_id == self.wh1.lot_stock_id
        )
        rule.location_src_id = shelf
        self._create_request("national", [(self.product, 5, 2)])
        order = self._create_sale([(self.product, 2, "national")])
        self.assertEqual(order.picking_ids.location_id, shelf)
        self.env["stock.quant"]._update_available_quantity(self.product, other, 2)
        with freeze_time(self.today + timedelta(days=2)):
            self._run_release()
        self.assertEqual(order.order_line.preorder_released_qty, 0.0)
        self.assertEqual(order.order_line.preorder_state, "allocated")
        self.assertFalse(self._mails(order))


@tagged("post_install", "-at_install")
class TestReleaseNow(ReleaseCase):
    def setUp(self):
        super().setUp()
        self.salesman = new_test_user(
            self.env, "release_salesman", groups="sales_team.group_sale_salesman_all_leads"
        )
        self.stock_user = new_test_user(self.env, "release_stock", groups="stock.group_stock_user")
        self.accountant = new_test_user(
            self.env, "release_accountant", groups="account.group_account_readonly"
        )

    def test_release_now_from_the_sale_line_as_salesman(self):
        order = self._create_sale([(self.product, 2, "national")])
        self._set_stock(self.product, 2)
        line = order.order_line.with_user(self.salesman)
        result = line.action_preorder_release()
        self.assertEqual(result["params"]["type"], "success")
        self.assertEqual(order.order_line.preorder_state, "released")
        self.assertEqual(self._reserved(order), 2.0)

    def test_release_now_explains_why_not(self):
        old = self._create_sale([(self.product, 2, "national")])
        young = self._create_sale([(self.product, 1, "national")], partner=self.customer_b)
        young.date_order = old.date_order + timedelta(minutes=5)
        result = young.order_line.with_user(self.salesman).action_preorder_release()
        self.assertEqual(result["params"]["type"], "warning")
        self.assertIn("no free stock", result["params"]["message"])
        self._set_stock(self.product, 2)
        result = young.picking_ids.with_user(self.stock_user).action_preorder_release()
        self.assertIn(old.name, result["params"]["message"], "names the earlier order it waits for")
        self.assertEqual(old.order_line.preorder_state, "released", "the earlier order went first")
        self.assertEqual(young.order_line.preorder_state, "parked")
        request = self._create_request("national", [(self.product, 5, 10)])
        self.assertEqual(young.order_line.preorder_state, "allocated")
        self._set_stock(self.product, 1)
        result = young.order_line.with_user(self.salesman).action_preorder_release()
        self.assertIn("not arrived", result["params"]["message"])
        self.assertTrue(request)

    def test_check_availability_on_blocked_delivery_explains(self):
        old = self._create_sale([(self.product, 2, "national")])
        young = self._create_sale([(self.product, 1, "national")], partner=self.customer_b)
        young.date_order = old.date_order + timedelta(minutes=5)
        self._set_stock(self.product, 1)
        result = young.picking_ids.with_user(self.stock_user).action_assign()
        self.assertIsInstance(result, dict, "a notification instead of silence")
        self.assertIn(old.name, result["params"]["message"])
        self.assertEqual(self._reserved(young), 0.0, "Check availability does not jump the queue")

    def test_release_now_needs_write_access(self):
        order = self._create_sale([(self.product, 2, "national")])
        self._set_stock(self.product, 2)
        with self.assertRaises(AccessError):
            order.order_line.with_user(self.accountant).action_preorder_release()
        self.assertEqual(order.order_line.preorder_state, "parked", "nothing changed")

    def test_many_lines_are_released_in_batches_of_whole_products(self):
        """Many open lines are released a batch of products at a time
        (preorder_allocation.RELEASE_BATCH_LINES lines, cache emptied between batches): the
        same first-in-first-out result, and one e-mail per order at the end."""
        self._create_request("national", [(self.product, 3, 10), (self.product_b, 2, 10)])
        old = self._create_sale([(self.product, 2, "national"), (self.product_b, 2, "national")])
        new = self._create_sale([(self.product, 2, "national")], partner=self.customer_b)
        new.date_order = old.date_order + timedelta(minutes=5)
        self._set_stock(self.product, 3)
        self._set_stock(self.product_b, 2)
        Release = type(self.env["preorder.allocation"])
        plan = Release._release_plan
        with (
            freeze_time(self.today + timedelta(days=10)),
            patch.object(preorder_allocation, "RELEASE_BATCH_LINES", 1),
            patch.object(Release, "_release_plan", autospec=True, side_effect=plan) as batches,
        ):
            result = old.order_line[:1].with_user(self.salesman).action_preorder_release()
        self.assertEqual(result["params"]["type"], "success")
        self.assertEqual(
            [call.args[2].product_id for call in batches.call_args_list],
            [self.product],
            "Release now of one line: its product only",
        )
        self.assertEqual(old.order_line.mapped("preorder_state"), ["released", "allocated"])
        self.assertEqual(new.order_line.preorder_released_qty, 1.0, "what the old order left")
        with (
            freeze_time(self.today + timedelta(days=10)),
            patch.object(preorder_allocation, "RELEASE_BATCH_LINES", 1),
            patch.object(Release, "_release_plan", autospec=True, side_effect=plan) as batches,
        ):
            (self.product | self.product_b).preorder_release_pending = True
            self._run_release()
        self.assertEqual(
            [call.args[2].product_id for call in batches.call_args_list],
            [self.product, self.product_b],
            "a batch per product, in product order",
        )
        self.assertEqual(old.order_line.mapped("preorder_state"), ["released", "released"])
        self.assertEqual(self._reserved(old), 4.0)
        self.assertEqual(new.order_line.preorder_released_qty, 1.0, "no stock left for it")
        self.assertEqual(len(self._mails(old)), 2, "one e-mail per release run, not per batch")
        self.assertEqual(len(self._mails(new)), 1)
