from lxml import etree

from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.website_preorder.controllers.feed import PreorderFeed

from .common import PreorderCase


@tagged("post_install", "-at_install")
class TestRequests(PreorderCase):
    def test_menu_actions_list_and_create_their_kind(self):
        requests = {
            kind: self._create_request(kind, [(self.product, 5, 10)])
            for kind in ("national", "international", "presale")
        }
        ordinary = self._create_request(False, [(self.product, 5, 10)])
        for kind, xmlid in (
            ("national", "website_preorder.action_national_preorder_requests"),
            ("international", "website_preorder.action_international_preorder_requests"),
            ("presale", "website_preorder.action_presale_requests"),
        ):
            action = self.env.ref(xmlid)
            domain = safe_eval(action.domain)
            context = safe_eval(action.context)
            listed = self.env["purchase.order"].search(domain)
            self.assertIn(requests[kind], listed, f"{kind} menu lists its requests")
            others = (ordinary | requests["national"] | requests["international"]
                      | requests["presale"]) - requests[kind]  # fmt: skip
            self.assertFalse(listed & others, f"{kind} menu lists only its kind")
            self.assertEqual(context.get("default_preorder_kind"), kind)
            form = Form(self.env["purchase.order"].with_context(**context))
            form.partner_id = self.vendor
            with form.order_line.new() as line:
                line.product_id = self.product
                line.product_qty = 1
            created = form.save()
            self.assertEqual(created.preorder_kind, kind, f"{kind} menu creates its kind")

    def test_quantity_change_keeps_the_promised_date(self):
        """The product has a vendor lead time of 45 days. A purchase user raises
        an allocated line of a confirmed national request from 10 to 14, by
        write and through the request form: Odoo would recompute the Expected
        Arrival from the lead time; the date promised to the customer stays."""
        self.product.seller_ids = [
            (0, 0, {"partner_id": self.vendor.id, "delay": 45, "price": 8.0})
        ]
        request = self._create_request("national", [(self.product, 10, 10)], confirm=True)
        line = request.order_line
        promised = line.date_planned
        order = self._create_sale([(self.product, 3, "national")])
        self.assertEqual(order.order_line.promise_date, promised.date())
        buyer = new_test_user(self.env, "lead_time_buyer", groups="purchase.group_purchase_user")
        line.with_user(buyer).product_qty = 14
        self.assertEqual(line.date_planned, promised, "kept on write")
        with Form(request.with_user(buyer)) as form, form.order_line.edit(0) as row:
            row.product_qty = 16
        self.assertEqual(line.product_qty, 16)
        self.assertEqual(line.date_planned, promised, "kept through the form")
        self.assertEqual(line.price_unit, 8.0, "the price still follows the vendor")
        self.assertEqual(order.order_line.promise_date, promised.date())
        self.assertFalse(order.order_line.preorder_consent_state, "nothing to ask")
        # an ordinary purchase still follows the vendor's lead time
        ordinary = self._create_request(False, [(self.product, 10, 10)], confirm=True)
        ordinary.order_line.product_qty = 12
        self.assertNotEqual(ordinary.order_line.date_planned, promised)

    def test_safety_buffer_is_withheld_from_shoppers(self):
        """A request withholds a share of its lines (vendors under-deliver): the
        product page, the cart and back-office orders see the rest only; a
        line's own buffer wins over the request's percentage."""
        request = self._create_request("national", [(self.product, 10, 10)])
        buyer = new_test_user(self.env, "buffer_buyer", groups="purchase.group_purchase_user")
        request.with_user(buyer).preorder_safety_percent = 20.0
        self.assertEqual(request.order_line.preorder_atp, 8.0)
        self.assertEqual(self._availability().national.qty, 8.0, "what shoppers are offered")
        order = self._create_sale([(self.product, 9, "national")])
        line = order.order_line
        self.assertEqual((line.preorder_allocated_qty, line.preorder_parked_qty), (8.0, 1.0))
        with self.assertRaisesRegex(UserError, "Only 0.00 Units can still be promised"):
            line.preorder_allocation_ids.write({"quantity": 9.0})
        request.order_line.with_user(buyer).preorder_safety_qty = 1.0
        self.assertEqual(line.preorder_allocated_qty, 9.0, "the line's own buffer wins")
        self.assertEqual(request.order_line.preorder_atp, 0.0, "9 allocated of 10 less 1")
        request.order_line.with_user(buyer).preorder_safety_qty = 5.0
        self.assertEqual(line.preorder_allocated_qty, 9.0, "a larger buffer takes nothing back")
        self.assertEqual(request.order_line.preorder_atp, 0.0)
        with self.assertRaisesRegex(UserError, "between 0 and 100"):
            request.preorder_safety_percent = 120.0

    def test_menus_exist_under_purchase(self):
        root = self.env.ref("purchase.menu_purchase_root")
        preorders = self.env.ref("website_preorder.menu_preorder_requests")
        self.assertEqual(preorders.parent_id, root)
        self.assertEqual(
            self.env.ref("website_preorder.menu_national_preorder_requests").parent_id, preorders
        )
        self.assertEqual(
            self.env.ref("website_preorder.menu_international_preorder_requests").parent_id,
            preorders,
        )
        self.assertEqual(self.env.ref("website_preorder.menu_presale_requests").parent_id, root)

    def test_kind_locked_once_confirmed(self):
        request = self._create_request("national", [(self.product, 5, 10)])
        request.preorder_kind = "international"  # a draft may change its kind
        self.assertEqual(request.preorder_kind, "international")
        request.button_confirm()
        self.assertEqual(request.state, "purchase")
        with self.assertRaisesRegex(UserError, "cannot change"):
            request.preorder_kind = "national"
        with self.assertRaisesRegex(UserError, "cannot change"):
            request.preorder_kind = False
        self.assertEqual(request.preorder_kind, "international")
        request.write({"preorder_kind": "international", "is_restock": True})  # same value
        self.assertTrue(request.is_restock)

    def test_kind_readonly_in_form_once_confirmed(self):
        request = self._create_request("national", [(self.product, 5, 10)], confirm=True)
        form = Form(request)
        with self.assertRaises(AssertionError):
            form.preorder_kind = "presale"

    def test_unknown_kind_refused(self):
        with self.assertRaisesRegex(UserError, "Unknown request kind"):
            self._create_request("weekly", [(self.product, 5, 10)])
        self.assertFalse(self.env["purchase.order"].search([("partner_id", "=", self.vendor.id)]))

    def test_line_allocated_and_atp(self):
        request = self._create_request("national", [(self.product, 8, 10)])
        line = request.order_line
        self.assertEqual(line.preorder_allocated_qty, 0.0)
        self.assertEqual(line.preorder_atp, 8.0)
        self.assertEqual(line.preorder_kind, "national")
        self.assertEqual(line.preorder_warehouse_id, self.wh1)

    def test_atp_in_product_unit(self):
        dozen = self.env.ref("uom.product_uom_dozen")
        request = self._create_request(
            "national", [(self.product, 2, 10, dozen)], warehouse=self.wh1, confirm=True
        )
        line = request.order_line
        self.assertEqual(line.preorder_atp, 24.0, "2 dozen are 24 units")
        self.assertEqual(self._availability().national.qty, 24.0)
        self._receive(request, {self.product: 6})  # 6 units = 0.5 dozen
        self.assertAlmostEqual(line.qty_received, 0.5)
        self.assertEqual(line.preorder_atp, 18.0)

    def test_presale_price_button_only_for_presale(self):
        request = self._create_request("national", [(self.product, 5, 10)])
        with self.assertRaisesRegex(UserError, "pre-sale requests only"):
            request.action_compute_presale_prices()

    # ------------------------------------------------------------------
    # Request-level Review and Remove, links between orders and requests
    # ------------------------------------------------------------------

    def _form_arch(self, model):
        arch = self.env[model].get_views([(False, "form")])["views"]["form"]["arch"]
        return etree.fromstring(arch)

    def test_request_level_review_and_remove(self):
        request = self._create_request("national", [(self.product, 5, 10), (self.product_b, 5, 10)])
        order = self._create_sale([(self.product, 2, "national"), (self.product_b, 1, "national")])
        action = request.action_view_preorder_allocations()
        self.assertEqual(
            self.env["preorder.allocation"].search(action["domain"]),
            request.preorder_allocation_ids,
        )
        request.action_remove_preorder_allocations()
        self.assertEqual(set(order.order_line.mapped("preorder_state")), {"parked"})
        self.assertFalse(request.preorder_allocation_ids)
        self.assertIn(order.name, request.message_ids[0].body)
        arch = self._form_arch("purchase.order")
        for name in ("action_view_preorder_allocations", "action_remove_preorder_allocations"):
            self.assertTrue(arch.xpath(f"//header/button[@name='{name}']"), name)

    def test_sale_order_smart_button_and_back(self):
        first = self._create_request("national", [(self.product, 2, 10)])
        second = self._create_request("national", [(self.product, 2, 20)])
        order = self._create_sale([(self.product, 3, "national")])
        self.assertEqual(order.preorder_request_count, 2)
        action = order.action_view_preorder_requests()
        self.assertEqual(action["res_model"], "purchase.order")
        self.assertEqual(self.env["purchase.order"].search(action["domain"]), first | second)
        arch = self._form_arch("sale.order")
        self.assertTrue(
            arch.xpath("//div[@name='button_box']/button[@name='action_view_preorder_requests']")
        )
        back = first.preorder_allocation_ids.action_open_sale_order()
        self.assertEqual((back["res_model"], back["res_id"]), ("sale.order", order.id))
        self.assertEqual(first.preorder_sale_order_count, 1)
        orders = first.action_view_preorder_sale_orders()
        self.assertEqual(self.env["sale.order"].search(orders["domain"]), order)
        arch = self._form_arch("purchase.order")
        self.assertTrue(
            arch.xpath("//page[@name='preorder_details']//button[@name='action_open_sale_order']")
        )

    # ------------------------------------------------------------------
    # Restock label and quantities
    # ------------------------------------------------------------------

    def test_restock_label_ignores_cancelled_and_past_lines(self):
        website = self.env["website"].search([("company_id", "=", self.company.id)], limit=1)
        self._create_request("national", [(self.product, 5, 10)], is_restock=True)
        cancelled = self._create_request("national", [(self.product, 5, 10)])
        cancelled.button_cancel()
        self._create_request("national", [(self.product, 5, -3)])  # arrival passed
        self.assertEqual(website._preorder_product_info(self.product)["label"], "Back-order")

    def test_large_quantities_never_in_scientific_notation(self):
        request = self._create_request("national", [(self.product, 1234567, 10)])
        order = self._create_sale([(self.product, 1, "national")], confirm=False)
        order.action_confirm()
        with self.assertRaises(Exception) as caught:
            self.env["preorder.allocation"].create(
                {
                    "sale_line_id": order.order_line.id,
                    "purchase_line_id": request.order_line.id,
                    "product_id": self.product.id,
                    "quantity": 2345678,
                }
            )
        message = str(caught.exception)
        self.assertNotIn("e+06", message)
        self.assertIn("1,234,566", message)
        feed = b"".join(PreorderFeed()._feed_chunks(self.product, self.company)).decode()
        self.assertIn(",national,1234566,", feed)
        self.assertNotIn("e+06", feed)
