from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import PreorderCase


@tagged("post_install", "-at_install")
class TestSecurity(PreorderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(cls.env, "preorder_portal", groups="base.group_portal")
        cls.public = cls.env.ref("base.public_user")
        cls.request = cls._create_request("national", [(cls.product, 5, 10)], confirm=True)
        # the portal user is even the request's vendor
        cls.request.partner_id = cls.portal.partner_id
        cls.ordinary = cls._create_request(False, [(cls.product, 5, 10)], confirm=True)
        cls.ordinary.partner_id = cls.portal.partner_id

    def test_portal_cannot_read_requests(self):
        Order = self.env["purchase.order"].with_user(self.portal)
        self.assertNotIn(self.request, Order.search([]))
        with self.assertRaises(AccessError):
            self.request.with_user(self.portal).read(["name"])
        Line = self.env["purchase.order.line"].with_user(self.portal)
        self.assertFalse(Line.search([("order_id", "=", self.request.id)]))
        with self.assertRaises(AccessError):
            self.request.order_line.with_user(self.portal).read(["preorder_atp"])

    def test_portal_vendor_still_reads_ordinary_orders(self):
        Order = self.env["purchase.order"].with_user(self.portal)
        self.assertIn(self.ordinary, Order.search([]), "Odoo's vendor portal keeps working")

    def test_public_cannot_read_requests(self):
        with self.assertRaises(AccessError):
            self.env["purchase.order"].with_user(self.public).search([])
        with self.assertRaises(AccessError):
            self.request.with_user(self.public).read(["name"])
        with self.assertRaises(AccessError):
            self.request.order_line.with_user(self.public).read(["preorder_atp"])

    def test_public_and_portal_read_only_quantities(self):
        for user in (self.public, self.portal):
            product = self.product.with_user(user)
            self.assertEqual(product.preorder_national_qty, 5.0)

    def test_portal_reads_only_own_promise_dates(self):
        self._create_request("national", [(self.product_b, 10, 10)])
        mine = self._create_sale([(self.product_b, 1, "national")], partner=self.portal.partner_id)
        theirs = self._create_sale([(self.product_b, 1, "national")])
        Line = self.env["sale.order.line"].with_user(self.portal)
        visible = Line.search([("product_id", "=", self.product_b.id)])
        self.assertEqual(visible, mine.order_line, "only their own order lines")
        self.assertEqual(
            mine.order_line.with_user(self.portal).promise_date, mine.order_line.promise_date
        )
        with self.assertRaises(AccessError):
            theirs.order_line.with_user(self.portal).read(["promise_date"])
        with self.assertRaises(AccessError):
            mine.order_line.with_user(self.portal).read(["preorder_allocation_ids"])
        with self.assertRaises(AccessError):
            mine.order_line.with_user(self.portal).read(["preorder_allocated_qty"])

    def test_portal_and_public_cannot_read_allocations(self):
        self._create_request("national", [(self.product_b, 10, 10)])
        self._create_sale([(self.product_b, 1, "national")], partner=self.portal.partner_id)
        for user in (self.portal, self.public):
            with self.assertRaises(AccessError):
                self.env["preorder.allocation"].with_user(user).search([])

    def test_allocations_follow_companies(self):
        self._create_request("national", [(self.product_b, 10, 10)])
        self._create_sale([(self.product_b, 1, "national")])
        other = self.env["res.company"].create({"name": "Other Allocation Co"})
        buyer = new_test_user(
            self.env,
            "preorder_other_buyer",
            groups="purchase.group_purchase_user",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        self.assertFalse(self.env["preorder.allocation"].with_user(buyer).search([]))
        own = new_test_user(self.env, "preorder_own_buyer", groups="purchase.group_purchase_user")
        self.assertTrue(self.env["preorder.allocation"].with_user(own).search([]))

    def test_internal_users_read_requests(self):
        buyer = new_test_user(self.env, "preorder_buyer", groups="purchase.group_purchase_user")
        self.assertIn(self.request, self.env["purchase.order"].with_user(buyer).search([]))
