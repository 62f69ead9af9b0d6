import random
import re
from datetime import date, datetime

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ..rules import demand as demand_rules
from .common import PreorderCase

MEASURES = [
    "allocated_qty",
    "released_qty",
    "parked_qty",
    "ordered_qty",
    "received_qty",
    "atp_qty",
    "uncovered_qty",
]


@tagged("post_install", "-at_install")
class TestDemandReport(PreorderCase):
    """Pre-order Demand report (issue 16 part 2), Create requests for
    uncovered demand (part 3) and the product's Pre-orders button (part 4)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_vendor = cls.env["res.partner"].create({"name": "Gap Vendor"})
        cls.product.product_tmpl_id.seller_ids = [
            (0, 0, {"partner_id": cls.vendor.id, "price": 10.0})
        ]
        # product: 4 allocated from a national request of 10; 3 parked as
        # pre-sale, 1 of which a draft pre-sale request covers
        cls.national = cls._create_request("national", [(cls.product, 10, 5)])
        cls.allocated = cls._create_sale([(cls.product, 4, "national")])
        cls.parked_presale = cls._create_sale([(cls.product, 3, "presale")])
        cls.draft_presale = cls._create_request("presale", [(cls.product, 1, 20)])
        # product_b: 5 parked as pre-order, no request, no vendor
        cls.parked_national = cls._create_sale([(cls.product_b, 5, "national")])
        cls.purchase_user = new_test_user(
            cls.env, "gap_buyer", groups="purchase.group_purchase_user"
        )
        cls.salesman = new_test_user(cls.env, "gap_seller", groups="sales_team.group_sale_salesman")
        cls.portal = new_test_user(cls.env, "gap_portal", groups="base.group_portal")

    def _figures(self, user=None):
        Report = self.env["preorder.demand.report"].with_user(user or self.env.user)
        groups = Report._read_group(
            [("product_id", "in", (self.product | self.product_b).ids)],
            groupby=["product_id", "kind"],
            aggregates=[f"{measure}:sum" for measure in MEASURES],
        )
        return {
            (product.default_code, kind): dict(zip(MEASURES, values, strict=True))
            for product, kind, *values in groups
        }

    def _wizard(self, user, rows):
        Wizard = (
            self.env["preorder.gap.order"]
            .with_user(user)
            .with_context(active_model="preorder.demand.report", active_ids=rows.ids)
        )
        return Wizard.create({})

    def _gap_rows(self):
        return self.env["preorder.demand.report"].search([("row_type", "=", "gap")])

    def test_report_figures(self):
        self.env.flush_all()
        zero = dict.fromkeys(MEASURES, 0.0)
        self.assertEqual(
            self._figures(),
            {
                ("PRE-GADGET", "national"): {
                    **zero,
                    "allocated_qty": 4.0,
                    "ordered_qty": 10.0,
                    "atp_qty": 6.0,
                },
                ("PRE-GADGET", "presale"): {
                    **zero,
                    "parked_qty": 3.0,
                    "ordered_qty": 1.0,
                    "atp_qty": 1.0,
                    "uncovered_qty": 2.0,
                },
                ("PRE-WIDGET", "national"): {**zero, "parked_qty": 5.0, "uncovered_qty": 5.0},
            },
        )
        gaps = self._gap_rows().filtered(lambda row: row.product_id == self.product)
        self.assertEqual(gaps.vendor_id, self.vendor, "the product's main vendor")
        allocation = self.env["preorder.demand.report"].search(
            [("row_type", "=", "allocation"), ("product_id", "=", self.product.id)]
        )
        self.assertEqual(allocation.request_id, self.national)
        self.assertEqual(allocation.vendor_id, self.vendor)

    def test_report_follows_receipts_and_release(self):
        self.national.button_confirm()
        self._receive(self.national, {self.product: 10})
        self.env.flush_all()
        national = self._figures()["PRE-GADGET", "national"]
        self.assertEqual(national["received_qty"], 10.0)
        self.assertEqual(national["atp_qty"], 0.0, "fully received: nothing left to promise")

    def test_order_the_gap(self):
        wizard = self._wizard(self.purchase_user, self._gap_rows())
        self.assertEqual(
            sorted(
                (line.product_id.default_code, line.kind, line.quantity, line.vendor_id.name)
                for line in wizard.line_ids
            ),
            [
                ("PRE-GADGET", "presale", 2.0, "Preorder Vendor"),
                ("PRE-WIDGET", "national", 5.0, False),
            ],
        )
        requests_before = self.env["purchase.order"].search_count([])
        with self.assertRaisesRegex(UserError, "Choose a vendor for: .*Widget"):
            wizard.action_create_requests()
        self.assertEqual(self.env["purchase.order"].search_count([]), requests_before)

        wizard.line_ids.filtered(lambda line: not line.vendor_id).vendor_id = self.other_vendor
        action = wizard.action_create_requests()
        requests = self.env["purchase.order"].search(action["domain"])
        self.assertEqual(
            sorted(
                (r.partner_id.name, r.preorder_kind, r.state, r.order_line.product_qty)
                for r in requests
            ),
            [
                ("Gap Vendor", "national", "draft", 5.0),
                ("Preorder Vendor", "presale", "draft", 2.0),
            ],
        )
        self.assertEqual(requests.create_uid, self.purchase_user)
        # the national request takes orders as a draft: the parked line is allocated
        self.assertEqual(self.parked_national.order_line.preorder_state, "allocated")

        # a second click finds nothing left to order, and creates nothing
        self.env.flush_all()
        again = self._wizard(self.purchase_user, self._gap_rows())
        self.assertFalse(again.line_ids)
        with self.assertRaisesRegex(UserError, "no uncovered demand"):
            again.action_create_requests()
        self.assertEqual(self.env["purchase.order"].search_count([]), requests_before + 2)

    def test_raised_quantity_is_capped_to_the_gap(self):
        """Quantities come from the report (read-only in the form); one written
        over RPC is never ordered beyond what is uncovered."""
        wizard = self._wizard(self.purchase_user, self._gap_rows())
        wizard.line_ids.filtered(lambda line: not line.vendor_id).vendor_id = self.other_vendor
        wizard.line_ids.quantity = 50.0
        action = wizard.action_create_requests()
        requests = self.env["purchase.order"].search(action["domain"])
        self.assertEqual(sorted(requests.order_line.mapped("product_qty")), [2.0, 5.0])

    def test_stale_wizard_does_not_order_twice(self):
        """Two wizards opened on the same gap: the second orders only what is left."""
        first = self._wizard(self.purchase_user, self._gap_rows())
        second = self._wizard(self.purchase_user, self._gap_rows())
        for wizard in (first, second):
            wizard.line_ids.filtered(lambda line: not line.vendor_id).vendor_id = self.other_vendor
        first.action_create_requests()
        self.env.flush_all()
        with self.assertRaisesRegex(UserError, "already requested"):
            second.action_create_requests()
        presale = self.env["purchase.order"].search(
            [("preorder_kind", "=", "presale"), ("product_id", "=", self.product.id)]
        )
        self.assertEqual(sum(presale.order_line.mapped("product_qty")), 3.0, "1 + 2, not 1 + 2 + 2")

    def test_order_the_gap_from_parked_lines(self):
        """Pre-order Lines list (Sales): a buyer who also sells selects lines."""
        buyer = new_test_user(
            self.env,
            "gap_buyer_seller",
            groups="purchase.group_purchase_user,sales_team.group_sale_salesman_all_leads",
        )
        lines = self.parked_presale.order_line | self.allocated.order_line
        wizard = (
            self.env["preorder.gap.order"]
            .with_user(buyer)
            .with_context(active_model="sale.order.line", active_ids=lines.ids)
            .create({})
        )
        self.assertEqual(
            [(line.product_id, line.kind, line.quantity) for line in wizard.line_ids],
            [(self.product, "presale", 2.0)],
        )

    def test_access(self):
        self.env.flush_all()
        # salesmen read the report and open it from the product
        self.assertEqual(self._figures(self.salesman)["PRE-WIDGET", "national"]["parked_qty"], 5.0)
        action = self.product.product_tmpl_id.with_user(self.salesman).action_view_preorder_demand()
        self.assertEqual(
            action["domain"], [("product_tmpl_id", "=", self.product.product_tmpl_id.id)]
        )
        variant_action = self.product.with_user(self.salesman).action_view_preorder_demand()
        self.assertEqual(variant_action["domain"], [("product_id", "=", self.product.id)])
        rows = (
            self.env["preorder.demand.report"]
            .with_user(self.salesman)
            .search(variant_action["domain"])
        )
        self.assertEqual(set(rows.mapped("kind")), {"national", "presale"})
        # ... but do not create requests from it
        with self.assertRaises(AccessError):
            self._wizard(self.salesman, self._gap_rows())
        wizard = self._wizard(self.purchase_user, self._gap_rows())
        with self.assertRaises(AccessError):
            wizard.with_user(self.salesman).action_create_requests()
        # portal users see none of it
        with self.assertRaises(AccessError):
            self.env["preorder.demand.report"].with_user(self.portal).search([])
        with self.assertRaises(AccessError):
            self.product.product_tmpl_id.with_user(self.portal).action_view_preorder_demand()

    def test_other_company_rows_hidden(self):
        other = self.env["res.company"].create({"name": "Gap Other Company"})
        user = new_test_user(
            self.env,
            "gap_other_buyer",
            groups="purchase.group_purchase_user",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        self.env.flush_all()
        self.assertFalse(self.env["preorder.demand.report"].with_user(user).search([]))

    def test_gap_rows_agree_with_the_uncovered_demand_rule_on_random_data(self):
        """The report's SQL is the rule ``rules.demand.uncovered`` over the parked
        lines and the requests that are not cancelled: both agree on random
        orders, requests (drafts, confirmed, cancelled) and kinds."""
        rng = random.Random(20261206)
        products = self.product | self.product_b
        for _round in range(4):
            for _request in range(rng.randint(1, 3)):
                kind = rng.choice(["national", "international", "presale"])
                lines = [(product, rng.randint(1, 6), rng.randint(3, 30)) for product in products]
                request = self._create_request(kind, lines, confirm=rng.random() < 0.5)
                if rng.random() < 0.25:
                    request.button_cancel()
            for _order in range(rng.randint(1, 3)):
                kind = rng.choice(["national", "international", "presale"])
                self._create_sale([(rng.choice(products), rng.randint(1, 8), kind)])
            self.env.flush_all()
            SaleLine = self.env["sale.order.line"]
            parked = {
                (company.id, product.id, kind): quantity
                for company, product, kind, quantity in SaleLine._read_group(
                    [("preorder_state", "=", "parked"), ("product_id", "in", products.ids)],
                    ["company_id", "product_id", "preorder_kind"],
                    ["preorder_parked_qty:sum"],
                )
            }
            atp = {
                (company.id, product.id, kind): quantity
                for company, product, kind, quantity in self.env["purchase.order.line"]._read_group(
                    [
                        ("preorder_kind", "!=", False),
                        ("order_id.state", "!=", "cancel"),
                        ("display_type", "=", False),
                        ("product_id", "in", products.ids),
                    ],
                    ["company_id", "product_id", "preorder_kind"],
                    ["preorder_atp:sum"],
                )
            }
            expected = demand_rules.uncovered(parked, atp)
            report = {
                (company.id, product.id, kind): quantity
                for (company, product, kind), (_vendor, quantity) in self.env[
                    "preorder.demand.report"
                ]
                ._uncovered([("product_id", "in", products.ids)])
                .items()
            }
            self.assertEqual(set(report), set(expected), "the same gaps")
            for key, quantity in expected.items():
                self.assertAlmostEqual(report[key], quantity, places=6, msg=str(key))

    def test_dates_are_the_company_dates(self):
        """The company is in UTC+14: a line expected at 12:00 UTC on 18 Dec
        arrives on 19 Dec for the company, and every row of the report says so,
        as the promise dates do."""
        self.env.company.partner_id.tz = "Pacific/Kiritimati"
        request = self.env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "preorder_kind": "national",
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product_b.id,
                            "product_qty": 5,
                            "price_unit": 10.0,
                            "date_planned": datetime(2026, 12, 18, 12, 0),
                        }
                    )
                ],
            }
        )
        self.env.flush_all()
        rows = self.env["preorder.demand.report"].search(
            [("request_id", "=", request.id), ("row_type", "in", ["supply", "allocation"])]
        )
        self.assertEqual(set(rows.mapped("row_type")), {"supply", "allocation"})
        self.assertEqual(set(rows.mapped("date")), {date(2026, 12, 19)})
        self.assertEqual(
            self.parked_national.order_line.promise_date, date(2026, 12, 19), "as promised"
        )

    def test_report_opens_on_demand_against_supply_by_product(self):
        action = self.env.ref("website_preorder.action_preorder_demand_report")
        self.assertTrue(action.view_mode.startswith("pivot"))
        pivot = self.env["preorder.demand.report"].get_views([(False, "pivot")])["views"]["pivot"]
        arch = pivot["arch"]
        self.assertIn('name="product_id" type="row"', arch)
        measures = re.findall(r'name="(\w+)" type="measure"', arch)
        self.assertEqual(measures[:3], ["parked_qty", "allocated_qty", "atp_qty"], "side by side")
