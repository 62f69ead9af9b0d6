from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import PreorderCase, ShopPaymentMixin


@tagged("post_install", "-at_install")
class TestCheckoutHolds(ShopPaymentMixin, HttpCase, PreorderCase):
    """Launch day (README, "Launch day: checkout holds"): a shopper who starts
    paying holds the cart's pre-order supply; nobody else can buy it meanwhile;
    the payment turns the hold into the allocation; a cart that cannot be held
    is refused before any money is taken."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_shop_payment()
        (cls.product | cls.product_b).taxes_id = False
        cls.request = cls._create_request("national", [(cls.product, 3, 10)], confirm=True)
        cls.supply = cls.request.order_line
        cls.portal = new_test_user(
            cls.env, login="hold_portal", groups="base.group_portal", email="p@example.com"
        )

    def _cart(self, qty, kind="national", product=None, partner=None):
        return self._website_cart([(product or self.product, qty, kind)], partner=partner)

    def _offered(self, product=None, kind="national"):
        product = product or self.product
        product.invalidate_recordset()
        return self._availability(product).get(kind).qty

    def test_paying_holds_the_cart_and_nobody_else_can_buy_it(self):
        first = self._cart(2)
        self.assertNotIn("error", self._pay_online(first))
        holds = first.order_line.preorder_hold_ids
        self.assertEqual(holds.mapped("quantity"), [2.0])
        self.assertEqual(holds.purchase_line_id, self.supply)
        self.assertEqual(holds.transaction_id, first.transaction_ids)
        self.assertGreater(holds.expires_at, fields.Datetime.now())
        self.assertEqual(self.supply.preorder_held_qty, 2.0, "staff see it on the request line")
        self.assertEqual(self.supply.preorder_atp, 3.0, "not promised yet")
        self.assertEqual(self._offered(), 1.0, "the product page offers what is not held")
        self.assertFalse(first._preorder_cart_payment_messages(), "the cart's own hold is its own")
        self.assertEqual(
            first.order_line[:1]._preorder_expected_dates()[first.order_line[:1].id],
            self.supply.date_planned.date(),
            "its shopper still sees the date",
        )

        second = self._cart(2, partner=self.portal.partner_id)
        self.authenticate("hold_portal", "hold_portal")
        answer = self._pay_online(second)
        message = answer["error"]["data"]["message"]
        self.assertIn("Only 1 available as pre-order", message)
        second.invalidate_recordset()
        self.assertFalse(second.transaction_ids, "no payment was created")
        self.assertFalse(second.order_line.preorder_hold_ids)
        self.assertEqual(second.state, "draft")

    def test_the_payment_turns_the_hold_into_the_allocation(self):
        order = self._cart(2)
        self._pay_online(order)
        self._payment_done(order)
        self.assertEqual(order.state, "sale")
        line = order.order_line.filtered(lambda sol: sol.preorder_kind == "national")
        self.assertEqual(line.preorder_allocation_ids.purchase_line_id, self.supply)
        self.assertEqual(line.preorder_allocated_qty, 2.0)
        self.assertEqual(line.preorder_state, "allocated")
        self.assertFalse(self.env["preorder.hold"].search([("sale_order_id", "=", order.id)]))
        self.supply.invalidate_recordset()
        self.assertEqual((self.supply.preorder_held_qty, self.supply.preorder_atp), (0.0, 1.0))
        self.assertFalse(line.preorder_consent_state, "the promise was kept: nothing to ask")

    def test_the_sweep_converts_holds_a_confirmation_left(self):
        """Outside tests a paid cart's holds are converted right after its
        confirmation commits; when that conversion did not happen (it failed,
        the server stopped), the sweep converts them: allocated, holds gone."""
        order = self._cart(2)
        self._pay_online(order)
        SaleLine = type(self.env["sale.order.line"])
        with patch.object(
            SaleLine,
            "_preorder_convert_holds_after_commit",
            lambda lines: lines.filtered("preorder_hold_ids"),
        ):
            self._payment_done(order)
        line = order.order_line.filtered(lambda sol: sol.preorder_kind == "national")
        self.assertEqual((order.state, line.preorder_allocated_qty), ("sale", 0.0))
        self.assertTrue(line.preorder_hold_ids, "still held: nobody else can take it")
        self.env["preorder.hold"]._cron_sweep_expired()
        self.assertEqual(line.preorder_allocated_qty, 2.0)
        self.assertEqual(line.preorder_allocation_ids.purchase_line_id, self.supply)
        self.assertFalse(self.env["preorder.hold"].search([("sale_order_id", "=", order.id)]))
        self.assertFalse(line.preorder_consent_state, "the promise was kept: nothing to ask")

    def test_a_cancelled_or_failed_payment_gives_the_quantity_back_at_once(self):
        for end in ("_set_canceled", "_set_error"):
            with self.subTest(end=end):
                order = self._cart(3)
                self._pay_online(order)
                self.assertEqual(self._offered(), 0.0)
                tx = order.transaction_ids
                getattr(tx, end)("Declined" if end == "_set_error" else None)
                self.assertFalse(order.order_line.preorder_hold_ids)
                self.assertEqual(self._offered(), 3.0)
                self.supply.invalidate_recordset()
                self.assertEqual(self.supply.preorder_held_qty, 0.0)

    def test_a_second_attempt_replaces_the_first_hold(self):
        order = self._cart(2)
        self._pay_online(order)
        order.transaction_ids._set_canceled()
        order.order_line.filtered(lambda sol: sol.preorder_kind == "national").product_uom_qty = 3
        self.assertNotIn("error", self._pay_online(order))
        self.assertEqual(sum(order.order_line.preorder_hold_ids.mapped("quantity")), 3.0)
        self.assertEqual(self._offered(), 0.0)

    def test_a_payment_tried_again_does_not_count_its_own_hold(self):
        """The shopper pays again while the first payment's hold still counts
        (a declined card, the page reloaded): the cart's hold is replaced, not
        counted against it, and not doubled. The logged-in shopper pays at the
        shop, then again from the order's portal page."""
        order = self._cart(3, partner=self.portal.partner_id)
        self.authenticate("hold_portal", "hold_portal")
        self.assertNotIn("error", self._pay_online(order))
        self.assertEqual(self._offered(), 0.0)
        self.assertNotIn("error", self._pay_online(order, portal=True))
        holds = self.env["preorder.hold"].search([("sale_order_id", "=", order.id)])
        self.assertEqual(sum(holds.mapped("quantity")), 3.0)
        self.assertEqual(holds.payment_reference, order.transaction_ids.sorted("id")[-1:].reference)
        self.assertEqual(self._offered(), 0.0)

    def test_expired_holds_stop_counting_and_are_swept(self):
        order = self._cart(3)
        self._pay_online(order)
        Hold = self.env["preorder.hold"]
        later = fields.Datetime.now() + timedelta(minutes=self.company.preorder_hold_minutes + 1)
        with freeze_time(later):
            self.assertEqual(self._offered(), 3.0, "an expired hold counts for nobody")
            self.assertEqual(Hold._cron_sweep_expired(), 0, "its payment may still complete")
            self.assertEqual(len(order.order_line.preorder_hold_ids), 1)
        with freeze_time(later + timedelta(days=1)):
            self.assertEqual(Hold._cron_sweep_expired(), 1, "a day later it goes anyway")
        order.transaction_ids._set_canceled()
        self.assertFalse(Hold.search([("sale_order_id", "=", order.id)]))

    def test_a_payment_after_the_hold_was_lost_asks_the_customer(self):
        """The hold expired, another shopper bought the supply, then the first
        payment completes: confirmed, and the customer is asked to wait without
        a date or cancel -- never left paid and parked in silence."""
        late = self._cart(3)
        self._pay_online(late)
        later = fields.Datetime.now() + timedelta(minutes=16)
        with freeze_time(later):
            other = self._cart(3, partner=self.customer_b)
            self.assertNotIn("error", self._pay_online(other))
            self._payment_done(other)
            self.assertEqual(sum(other.order_line.mapped("preorder_allocated_qty")), 3.0)
            self._payment_done(late)
        self.assertEqual(late.state, "sale")
        line = late.order_line.filtered(lambda sol: sol.preorder_kind == "national")
        self.assertEqual(line.preorder_state, "parked")
        self.assertEqual(line.preorder_consent_state, "pending")
        self.assertEqual(line.preorder_consent_old_date, self.supply.date_planned.date())
        self.assertFalse(line.promise_date)
        self.assertIn(
            "Promise date slipped", "".join(late.message_ids.mapped("body")), "logged for staff"
        )
        self.assertFalse(self.env["preorder.hold"].search([("sale_order_id", "=", late.id)]))

    def test_presale_holds_its_atp_and_parks_what_the_multiplier_offered(self):
        self.company.presale_qty_multiplier = 1.5
        presale = self._create_request("presale", [(self.product_b, 10, 20)], confirm=True)
        self.assertEqual(self._offered(self.product_b, "presale"), 15.0)
        order = self._cart(12, kind="presale", product=self.product_b)
        self.assertNotIn("error", self._pay_online(order))
        self.assertEqual(order.order_line.preorder_hold_ids.mapped("quantity"), [10.0])
        self.assertEqual(self._offered(self.product_b, "presale"), 0.0)
        greedy = self._cart(1, kind="presale", product=self.product_b, partner=self.customer_b)
        self.assertIn(
            "Only 0 available as pre-sale", self._pay_online(greedy)["error"]["data"]["message"]
        )
        self._payment_done(order)
        line = order.order_line.filtered(lambda sol: sol.preorder_kind == "presale")
        self.assertEqual((line.preorder_allocated_qty, line.preorder_parked_qty), (10.0, 2.0))
        self.assertEqual(line.preorder_allocation_ids.purchase_line_id, presale.order_line)
        self.assertFalse(line.preorder_consent_state, "what the multiplier offered is parked")

    def test_quotations_paid_from_the_portal_hold_what_there_is(self):
        """A salesman's quotation is the salesman's decision: paying it online
        holds what there is and is never refused (the rest parks as before)."""
        quotation = self._create_sale([(self.product, 5, "national")], confirm=False)
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": self.demo.id,
                "payment_method_id": self.demo_method.id,
                "amount": quotation.amount_total,
                "currency_id": quotation.currency_id.id,
                "partner_id": quotation.partner_id.id,
                "sale_order_ids": [(6, 0, quotation.ids)],
            }
        )
        self.assertEqual(quotation.order_line.preorder_hold_ids.transaction_id, tx)
        self.assertEqual(quotation.order_line.preorder_hold_ids.quantity, 3.0)

    def test_holds_count_against_allocation_by_staff(self):
        order = self._cart(2)
        self._pay_online(order)
        parked = self._create_sale([(self.product, 3, "national")], partner=self.customer_b)
        line = parked.order_line
        self.assertEqual(line.preorder_allocated_qty, 1.0, "only what is not held")
        with self.assertRaisesRegex(ValidationError, "Only 0.00 Units can still be promised"):
            self.env["preorder.allocation"].create(
                {
                    "sale_line_id": line.id,
                    "purchase_line_id": self.supply.id,
                    "product_id": self.product.id,
                    "quantity": 1.0,
                }
            )

    def test_hold_minutes_setting_refuses_nonsense(self):
        for value in (0, -5, 24 * 60 + 1):
            with self.subTest(value=value), self.assertRaises(ValidationError):
                settings = self.env["res.config.settings"].create({"preorder_hold_minutes": value})
                settings.execute()
        self.assertEqual(self.company.preorder_hold_minutes, 15, "nothing changed")

    def test_staff_read_holds_shoppers_do_not(self):
        order = self._cart(1)
        self._pay_online(order)
        hold = order.order_line.sudo().preorder_hold_ids
        buyer = new_test_user(self.env, login="hold_buyer", groups="purchase.group_purchase_user")
        self.assertEqual(hold.with_user(buyer).read(["quantity"])[0]["quantity"], 1.0)
        with self.assertRaises(AccessError):
            hold.with_user(self.portal).read(["quantity"])
