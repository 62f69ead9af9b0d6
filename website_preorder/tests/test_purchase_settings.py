from datetime import timedelta

from lxml import etree

from odoo.tests import new_test_user, tagged

from .common import PreorderCase


@tagged("post_install", "-at_install")
class TestPurchaseSettings(PreorderCase):
    """Requests under Purchase settings merchants use: Lock Confirmed Orders and
    two-step approval, run as the buyers who press the buttons."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = new_test_user(
            cls.env, "preorder_buyer", groups="purchase.group_purchase_user,stock.group_stock_user"
        )
        cls.purchase_manager = new_test_user(
            cls.env,
            "preorder_po_manager",
            groups="purchase.group_purchase_manager,stock.group_stock_user",
        )
        cls.website = cls.env["website"].search([("company_id", "=", cls.company.id)], limit=1)

    def _offer(self, product=None):
        """What the website offers now for ``product``: (national, international, presale)."""
        product = product or self.product
        product.invalidate_recordset()
        return (
            product.preorder_national_qty,
            product.preorder_international_qty,
            product.presale_qty,
        )

    def _website_kinds(self, product=None):
        product = product or self.product
        info = self.website._preorder_product_info(product)
        return {option["kind"] for option in info["options"]}

    def _draft_as_buyer(self, kind, lines):
        return self._create_request(kind, lines).with_user(self.buyer)

    # ------------------------------------------------------------------
    # Lock Confirmed Orders (po_lock = 'lock')
    # ------------------------------------------------------------------

    def test_locked_national_request_keeps_taking_orders(self):
        self.company.po_lock = "lock"
        request = self._draft_as_buyer("national", [(self.product, 5, 10)])
        request.button_confirm()
        self.assertEqual(request.state, "done", "Lock Confirmed Orders locks at confirmation")
        self.assertEqual(self._offer(), (5.0, 0.0, 0.0), "a locked request still offers")
        self.assertIn("national", self._website_kinds())
        order = self._create_sale([(self.product, 2, "national")])
        self.assertEqual(order.order_line.preorder_state, "allocated")
        self.assertEqual(order.order_line.preorder_request_ids, request)
        self.assertEqual(self._offer(), (3.0, 0.0, 0.0))
        self.env["product.product"]._cron_refresh_preorder_catalog()
        self.product.invalidate_recordset()
        self.assertTrue(self.product.preorder_national_listed, "listed while locked")

    def test_locked_presale_request_allocates_parked_lines(self):
        self.company.po_lock = "lock"
        parked = self._create_sale([(self.product, 2, "presale")])
        self.assertEqual(parked.order_line.preorder_state, "parked")
        request = self._draft_as_buyer("presale", [(self.product, 5, 10)])
        self.assertEqual(self._offer(), (0.0, 0.0, 0.0), "a pre-sale draft offers nothing")
        request.button_confirm()
        self.assertEqual(request.state, "done")
        self.assertEqual(parked.order_line.preorder_state, "allocated", "parked line served")
        self.assertEqual(self._offer(), (0.0, 0.0, 3.0), "the rest is on pre-sale")
        self.assertIn("presale", self._website_kinds())
        later = self._create_sale([(self.product, 3, "presale")])
        self.assertEqual(later.order_line.preorder_state, "allocated")

    def test_lock_button_keeps_taking_and_allocate_works(self):
        request = self._draft_as_buyer("international", [(self.product, 4, 10)])
        request.button_confirm()
        request.button_done()  # the "Lock" button
        self.assertEqual(request.state, "done")
        self.assertEqual(self._offer(), (0.0, 4.0, 0.0))
        order = self._create_sale([(self.product, 1, "international")])
        self.assertEqual(order.order_line.preorder_request_ids, request, "locked takes orders")
        order.order_line.preorder_allocation_ids.action_remove_allocations()
        request.action_allocate_sales_orders()
        self.assertEqual(order.order_line.preorder_state, "allocated", "Allocate on a locked one")
        self.assertEqual(self._offer(), (0.0, 3.0, 0.0))
        request.button_unlock()
        self.assertEqual(self._offer(), (0.0, 3.0, 0.0))

    def test_locked_request_is_on_request_for_next_day(self):
        self.company.po_lock = "lock"
        request = self._draft_as_buyer("national", [(self.product, 5, 10)])
        request.button_confirm()
        Supply = self.env["purchase.order.line"]
        self.assertIn(
            self.product.id, Supply._preorder_products_on_request(self.product, self.company)
        )
        request.button_cancel()
        self.assertNotIn(
            self.product.id, Supply._preorder_products_on_request(self.product, self.company)
        )

    def test_buttons_not_hidden_on_locked_requests(self):
        arch = self.env["purchase.order"].get_views([(False, "form")])["views"]["form"]["arch"]
        tree = etree.fromstring(arch)
        for name in ("action_allocate_sales_orders", "action_preorder_allocate"):
            buttons = tree.xpath(f"//button[@name='{name}']")
            self.assertTrue(buttons, name)
            for button in buttons:
                self.assertNotIn("done", button.get("invisible", ""), f"{name} shows when locked")

    # ------------------------------------------------------------------
    # Two-step approval (po_double_validation)
    # ------------------------------------------------------------------

    def _two_step(self):
        self.company.write({"po_double_validation": "two_step", "po_double_validation_amount": 10})

    def test_presale_request_takes_once_approved(self):
        self._two_step()
        parked = self._create_sale([(self.product, 2, "presale")])
        request = self._draft_as_buyer("presale", [(self.product, 5, 10)])  # 50 > 10
        request.button_confirm()
        self.assertEqual(request.state, "to approve")
        self.assertEqual(parked.order_line.preorder_state, "parked", "not approved yet")
        self.assertEqual(self._offer(), (0.0, 0.0, 0.0))
        request.with_user(self.purchase_manager).button_approve()
        self.assertEqual(request.state, "purchase")
        self.assertEqual(parked.order_line.preorder_state, "allocated", "approval allocates")
        self.assertEqual(parked.order_line.promise_date, self.today + timedelta(days=10))
        self.assertEqual(self._offer(), (0.0, 0.0, 3.0))

    def test_approval_with_lock_allocates(self):
        self._two_step()
        self.company.po_lock = "lock"
        parked = self._create_sale([(self.product, 3, "presale")])
        request = self._draft_as_buyer("presale", [(self.product, 5, 10)])
        request.button_confirm()
        request.with_user(self.purchase_manager).button_approve()
        self.assertEqual(request.state, "done")
        self.assertEqual(parked.order_line.preorder_state, "allocated")
        self.assertEqual(self._offer(), (0.0, 0.0, 2.0))

    def test_national_request_takes_while_waiting_for_approval(self):
        self._two_step()
        request = self._draft_as_buyer("national", [(self.product, 5, 10)])
        request.button_confirm()
        self.assertEqual(request.state, "to approve")
        self.assertEqual(self._offer(), (5.0, 0.0, 0.0))
        order = self._create_sale([(self.product, 5, "national")])
        self.assertEqual(order.order_line.preorder_state, "allocated")
        parked = self._create_sale([(self.product, 1, "national")])
        request.with_user(self.purchase_manager).button_approve()
        self.assertEqual(parked.order_line.preorder_state, "parked", "nothing left to give")
        self.assertEqual(self._offer(), (0.0, 0.0, 0.0))
