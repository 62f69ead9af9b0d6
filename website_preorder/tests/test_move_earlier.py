from datetime import timedelta

from odoo.tests import new_test_user, tagged

from .common import PreorderCase


@tagged("post_install", "-at_install")
class TestMoveEarlier(PreorderCase):
    """Earlier supply first (issue 16 part 1): allocations move to a request
    arriving earlier as soon as it has quantity to promise, oldest orders first."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.late = cls._create_request("national", [(cls.product, 5, 20)])
        cls.older = cls._create_sale([(cls.product, 2, "national")])
        cls.newer = cls._create_sale([(cls.product, 2, "national")], partner=cls.customer_b)
        cls.newer.date_order = cls.older.date_order.replace(microsecond=0) + timedelta(minutes=5)
        cls.buyer = new_test_user(cls.env, "move_buyer", groups="purchase.group_purchase_user")

    def _requests(self, order):
        return {(a.purchase_order_id, a.quantity) for a in order.order_line.preorder_allocation_ids}

    def _date_mails(self, order):
        return self.env["mail.mail"].search(
            [
                ("model", "=", "sale.order"),
                ("res_id", "=", order.id),
                ("subject", "like", "new dates"),
            ]
        )

    def _logs(self, request):
        return request.message_ids.filtered(lambda m: "moved" in (m.body or "")).mapped("body")

    def test_new_earlier_request_takes_oldest_orders_first(self):
        self.assertEqual(self.older.order_line.promise_date, self._arrival(20).date())
        early = (
            self.env["purchase.order"]
            .with_user(self.buyer)
            .create(
                {
                    "partner_id": self.vendor.id,
                    "preorder_kind": "national",
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": self.product.id,
                                "product_qty": 3,
                                "price_unit": 10.0,
                                "date_planned": self._arrival(5),
                            },
                        )
                    ],
                }
            )
        )
        self.assertEqual(self._requests(self.older), {(early, 2.0)}, "the older order moves whole")
        self.assertEqual(
            self._requests(self.newer), {(early, 1.0), (self.late, 1.0)}, "the newer gets the rest"
        )
        self.assertEqual(self.older.order_line.promise_date, self._arrival(5).date())
        self.assertEqual(
            self.newer.order_line.promise_date,
            self._arrival(20).date(),
            "a line partly on the late request keeps its date: never later",
        )
        self.assertEqual(len(self._date_mails(self.older)), 1, "one e-mail: its date improved")
        self.assertFalse(self._date_mails(self.newer), "its date did not change")
        self.assertEqual(early.order_line.preorder_atp, 0.0)
        self.assertEqual(self.late.order_line.preorder_atp, 4.0)
        self.assertEqual(len(self._logs(early)), 1)
        self.assertEqual(len(self._logs(self.late)), 1)
        self.assertIn(self.older.name, self._logs(early)[0])
        self.assertIn(early.name, self._logs(self.late)[0])

    def test_locked_purchase_orders(self):
        """Lock Confirmed Orders on: requests are confirmed into the locked state
        and allocations still move from a locked request to an earlier one."""
        self.company.po_lock = "lock"
        self.late.button_confirm()
        self.assertEqual(self.late.state, "done")
        early = self._create_request("national", [(self.product, 2, 5)], confirm=True)
        self.assertEqual(early.state, "done")
        self.assertEqual(self._requests(self.older), {(early, 2.0)})
        self.assertEqual(self._requests(self.newer), {(self.late, 2.0)})
        self.assertEqual(self.late.order_line.preorder_atp, 3.0)

    def test_request_moved_earlier(self):
        other = self._create_request("national", [(self.product, 2, 25)])
        self.assertEqual(other.order_line.preorder_allocated_qty, 0.0)
        other.order_line.date_planned = self._arrival(3)
        self.assertEqual(self._requests(self.older), {(other, 2.0)})
        self.assertEqual(self._requests(self.newer), {(self.late, 2.0)})

    def test_freed_quantity_serves_later_allocations(self):
        early = self._create_request("national", [(self.product, 2, 5)])
        self.assertEqual(self._requests(self.older), {(early, 2.0)})
        self.assertEqual(self._requests(self.newer), {(self.late, 2.0)})
        self.older._action_cancel()
        self.assertEqual(self._requests(self.newer), {(early, 2.0)})
        self.assertEqual(self.newer.order_line.promise_date, self._arrival(5).date())
        self.assertEqual(len(self._date_mails(self.newer)), 1)

    def test_setting_off(self):
        self.company.preorder_move_earlier = False
        early = self._create_request("national", [(self.product, 3, 5)])
        self.assertEqual(self._requests(self.older), {(self.late, 2.0)})
        self.assertEqual(early.order_line.preorder_allocated_qty, 0.0)
        self.assertFalse(self._date_mails(self.older))

    def test_released_allocations_never_move(self):
        self.late.button_confirm()
        self._receive(self.late, {self.product: 5})
        self._run_release()
        self.assertEqual(self.older.order_line.preorder_state, "released")
        self._create_request("national", [(self.product, 3, 5)])
        self.assertEqual(self._requests(self.older), {(self.late, 2.0)})
        self.assertEqual(self._requests(self.newer), {(self.late, 2.0)})

    def test_other_kind_and_product_untouched(self):
        self._create_request("international", [(self.product, 3, 5)])
        self._create_request("national", [(self.product_b, 3, 5)])
        self.assertEqual(self._requests(self.older), {(self.late, 2.0)})

    def test_confirmed_presale_request(self):
        """A pre-sale request takes orders once confirmed: it is supply from then on."""
        late = self._create_request("presale", [(self.product_b, 5, 20)], confirm=True)
        order = self._create_sale([(self.product_b, 2, "presale")])
        early = self._create_request("presale", [(self.product_b, 2, 5)])
        self.assertEqual(
            self._requests(order), {(late, 2.0)}, "a draft pre-sale request is no supply"
        )
        early.button_confirm()
        self.assertEqual(self._requests(order), {(early, 2.0)})
        self.assertEqual(order.order_line.promise_date, self._arrival(5).date())
        self.assertEqual(len(self._date_mails(order)), 1)
