from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import PreorderCase


@tagged("post_install", "-at_install")
class TestAvailability(PreorderCase):
    def test_national_draft_and_confirmed(self):
        self._create_request("national", [(self.product, 5, 10)])
        self._create_request("national", [(self.product, 3, 4)], confirm=True)
        availability = self._availability()
        self.assertEqual(availability.national.qty, 8.0)
        self.assertEqual(availability.national.date, self.today + timedelta(days=4))
        self.assertEqual(self.product.preorder_national_qty, 8.0)
        self.assertEqual(self.product.preorder_national_date, self.today + timedelta(days=4))
        self.assertEqual(self.product.preorder_international_qty, 0.0)
        self.assertEqual(self.product_b.preorder_national_qty, 0.0, "another product")

    def test_request_states(self):
        sent = self._create_request("international", [(self.product, 2, 10)])
        sent.write({"state": "sent"})
        to_approve = self._create_request("international", [(self.product, 3, 10)])
        to_approve.write({"state": "to approve"})
        cancelled = self._create_request("international", [(self.product, 7, 10)])
        cancelled.button_cancel()
        done = self._create_request("international", [(self.product, 11, 10)], confirm=True)
        done.button_done()
        self.assertEqual(done.state, "done")
        self.assertEqual(
            self._availability().international.qty, 16.0, "sent + to approve + locked (done)"
        )

    def test_presale_only_once_confirmed(self):
        draft = self._create_request("presale", [(self.product, 6, 10)])
        self.assertEqual(self.product.presale_qty, 0.0, "a pre-sale draft takes nothing")
        draft.button_confirm()
        self.product.invalidate_recordset(["presale_qty"])
        self.assertEqual(self.product.presale_qty, 6.0)
        self.assertEqual(self.product.presale_date, self.today + timedelta(days=10))

    def test_partial_receipt(self):
        request = self._create_request("national", [(self.product, 10, 10)], confirm=True)
        self._receive(request, {self.product: 4})
        self.assertEqual(request.order_line.qty_received, 4.0)
        self.assertEqual(self._availability().national.qty, 6.0)
        self._receive(request, {self.product: 6})
        self.assertEqual(self._availability().national.qty, 0.0, "fully received")

    def test_cancelled_request_and_lowered_line(self):
        request = self._create_request(
            "national", [(self.product, 10, 10), (self.product_b, 4, 10)]
        )
        request.order_line.filtered(lambda line: line.product_id == self.product).product_qty = 0
        self.assertEqual(self._availability().national.qty, 0.0, "line set to zero")
        self.assertEqual(self._availability(self.product_b).national.qty, 4.0)
        request.button_cancel()
        self.assertEqual(self._availability(self.product_b).national.qty, 0.0, "cancelled")

    def test_expected_arrival(self):
        self._create_request("national", [(self.product, 5, -1)])
        self.assertEqual(self._availability().national.qty, 0.0, "arrival passed")
        self._create_request("national", [(self.product, 2, 0)])
        availability = self._availability()
        self.assertEqual(availability.national.qty, 2.0, "arriving today counts")
        self.assertEqual(availability.national.date, self.today)

    def test_warehouse_modes(self):
        self._create_request("national", [(self.product, 5, 10)], warehouse=self.wh1)
        self._create_request("national", [(self.product, 7, 10)], warehouse=self.wh2)
        self.assertEqual(self._availability().national.qty, 12.0, "all warehouses")
        self.company.write(
            {"preorder_warehouse_mode": "specific", "preorder_warehouse_id": self.wh2.id}
        )
        self.assertEqual(self._availability().national.qty, 7.0, "specific warehouse")
        self.company.write(
            {"preorder_warehouse_mode": "several", "preorder_warehouse_ids": [(6, 0, self.wh1.ids)]}
        )
        self.assertEqual(self._availability().national.qty, 5.0, "several: only the first")
        self.company.preorder_warehouse_ids = [(4, self.wh2.id)]
        self.assertEqual(self._availability().national.qty, 12.0, "several: both")

    def test_other_company_requests_ignored(self):
        other = self.env["res.company"].create({"name": "Other Preorder Co"})
        self.env.user.company_ids |= other
        request = self._create_request("national", [(self.product, 9, 10)], company_id=other.id)
        self.assertEqual(request.company_id, other)
        self.assertEqual(self._availability().national.qty, 0.0)
        in_other = self.product.with_company(other)._get_preorder_availability()
        self.assertEqual(in_other[self.product.id].national.qty, 0.0, "other is not enabled")
        other.preorder_enabled = True
        in_other = self.product.with_company(other)._get_preorder_availability()
        self.assertEqual(in_other[self.product.id].national.qty, 9.0)

    def test_enable_switches(self):
        self._create_request("national", [(self.product, 5, 10)])
        self._create_request("presale", [(self.product, 4, 10)], confirm=True)
        self.company.write({"preorder_enabled": False, "presale_enabled": False})
        availability = self._availability()
        self.assertEqual(availability.national.qty, 0.0)
        self.assertEqual(availability.presale.qty, 0.0)
        self.company.write({"preorder_enabled": True, "presale_enabled": True})
        availability = self._availability()
        self.assertEqual((availability.national.qty, availability.presale.qty), (5.0, 4.0))

    def test_presale_calculated_quantity(self):
        self._create_request(
            "presale", [(self.product, 4, 5), (self.product, 10, 60)], confirm=True
        )
        self.company.write(
            {"presale_qty_multiplier": 1.5, "presale_days": 30, "presale_min_qty": 0}
        )
        availability = self._availability()
        self.assertEqual(availability.presale.qty, 6.0, "floor(1.5 × 4) within 30 days")
        self.assertEqual(availability.presale.date, self.today + timedelta(days=5))
        self.company.presale_days = 0
        self.assertEqual(self._availability().presale.qty, 21.0, "floor(1.5 × 14), no horizon")
        self.company.presale_min_qty = 22
        self.assertEqual(self._availability().presale.qty, 0.0, "below the minimum")

    def _count_queries(self, products):
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        products._get_preorder_availability()
        return self.env.cr.sql_log_count - before

    def test_query_count_does_not_grow(self):
        products = self.env["product.product"].create(
            [{"name": f"Bulk {i}", "type": "consu", "is_storable": True} for i in range(50)]
        )
        warehouses = self.wh1 | self.wh2
        for index, product in enumerate(products):
            self._create_request(
                ("national", "international")[index % 2],
                [(product, 3, 5 + index % 7), (product, 2, 20)],
                warehouse=warehouses[index % 2],
            )
        one = self._count_queries(products[:1])
        self.env.invalidate_all()
        with self.assertQueryCount(one):
            availability = products._get_preorder_availability()
        self.assertEqual(availability[products[0].id].national.qty, 5.0)
        self.assertEqual(availability[products[1].id].international.qty, 5.0)
        # the same with the Several warehouses mode, over one and three warehouses
        wh3 = self.env["stock.warehouse"].create({"name": "Preorder Third WH", "code": "PWH3"})
        self.company.write(
            {"preorder_warehouse_mode": "several", "preorder_warehouse_ids": [(6, 0, self.wh1.ids)]}
        )
        one_warehouse = self._count_queries(products)
        self.company.preorder_warehouse_ids = [(6, 0, (warehouses | wh3).ids)]
        self.assertEqual(self._count_queries(products), one_warehouse)


@tagged("post_install", "-at_install")
class TestWhyThisAvailability(PreorderCase):
    """Staff read on the product why the shop shows what it shows."""

    def test_the_form_explains_each_kind_and_each_request_line(self):
        self.company.write(
            {"preorder_warehouse_mode": "specific", "preorder_warehouse_id": self.wh1.id}
        )
        counted = self._create_request("national", [(self.product, 10, 10)], confirm=True)
        counted.order_line.preorder_safety_qty = 1.0
        self._create_request("national", [(self.product, 4, 12)], warehouse=self.wh2)
        presale_draft = self._create_request("presale", [(self.product, 6, 20)])
        self._create_sale([(self.product, 3, "national")])
        buyer = new_test_user(self.env, "why_buyer", groups="purchase.group_purchase_user")
        html = str(self.product.with_user(buyer).preorder_availability_explained)
        self.assertEqual(self.product.preorder_national_qty, 6.0, "10 - 1 buffer - 3 allocated")
        for text in (
            counted.name,
            "Counted",
            "Warehouse not considered",
            presale_draft.name,
            "Not taking orders in this state",
            self.wh1.name,
        ):
            self.assertIn(text, html)
        row = html[html.index(counted.name) :]
        for quantity in ("10.00", "1.00", "3.00", "6.00"):  # ordered, buffer, allocated, ATP
            self.assertIn(quantity, row[: row.index("</tr>")])
        # the panel and the shop's number come from the same reads: they agree
        values = self.product._preorder_availability_explanation_values()
        counted = sum(
            row["atp_value"]
            for row in values["lines"]
            if row["counted"] and row["kind_code"] == "national"
        )
        self.assertEqual(counted, self.product.preorder_national_qty)
        # the catalogue's last change of each kind, with when and why
        self.env["product.product"]._cron_refresh_preorder_catalog()
        self.product.invalidate_recordset()
        self.assertIn("Quantity offered", str(self.product.preorder_availability_explained))
        # the product of one variant explains it on its own form
        self.assertEqual(
            str(self.product.product_tmpl_id.with_user(buyer).preorder_availability_explained),
            str(self.product.with_user(buyer).preorder_availability_explained),
        )

    def test_only_purchase_users_and_sales_managers_read_it(self):
        self._create_request("national", [(self.product, 2, 10)])
        manager = new_test_user(self.env, "why_manager", groups="sales_team.group_sale_manager")
        self.assertIn(
            "Counted", str(self.product.with_user(manager).preorder_availability_explained)
        )
        for groups in ("sales_team.group_sale_salesman", "base.group_portal"):
            user = new_test_user(self.env, f"why_{groups[-8:]}", groups=groups)
            with self.subTest(groups=groups), self.assertRaises(AccessError):
                self.product.with_user(user).read(["preorder_availability_explained"])
