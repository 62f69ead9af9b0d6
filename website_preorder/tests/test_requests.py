from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

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
