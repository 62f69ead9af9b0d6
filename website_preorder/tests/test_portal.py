"""The customer portal: pre-order lines, promise dates, cancellation."""

from odoo.tests import HttpCase, new_test_user, tagged

from .common import PreorderCase, ShopPaymentMixin


class PortalCase(ShopPaymentMixin, HttpCase, PreorderCase):
    """A company that lets customers cancel within 24 hours, Odoo's demo
    payment provider, a portal customer (``login``) with an order of ``ordered``
    national pre-ordered units, and another customer's order."""

    login = None
    ordered = 2
    later_ordered = 1

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"preorder_cancel_enabled": True, "preorder_cancel_hours": 24})
        cls._setup_shop_payment()
        cls.portal = new_test_user(
            cls.env, cls.login, password=f"{cls.login}_pw", groups="base.group_portal"
        )
        cls._create_request("national", [(cls.product, 5, 10)])
        cls.order = cls._create_sale(
            [(cls.product, cls.ordered, "national")], partner=cls.portal.partner_id
        )
        cls.later = cls._create_sale([(cls.product, cls.later_ordered, "national")])


@tagged("post_install", "-at_install")
class TestPortalCancel(PortalCase):
    login = "cancel_portal"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls.later

    def _cancel(self, order):
        page = self.url_open(f"/my/orders/{order.id}")
        csrf = (
            page.text.split('name="csrf_token" value="')[1].split('"')[0]
            if ('name="csrf_token"' in page.text)
            else ""
        )
        return self.url_open(
            f"/my/orders/{order.id}/preorder_cancel",
            data={"csrf_token": csrf, "access_token": ""},
        )

    def test_order_page_shows_kind_and_promise_date(self):
        self.authenticate("cancel_portal", "cancel_portal_pw")
        html = self.url_open(f"/my/orders/{self.order.id}").text
        self.assertIn("preorder_line_kind", html)
        self.assertIn("Pre-order — expected", html)
        self.assertIn("preorder_cancel_button", html)

    def test_cancel_inside_the_window(self):
        self.authenticate("cancel_portal", "cancel_portal_pw")
        self._cancel(self.order)
        self.assertEqual(self.order.state, "cancel")
        self.assertFalse(self.order.order_line.preorder_allocation_ids, "allocations freed")

    def test_cancelling_a_paid_order_refunds_it_through_its_payment(self):
        """Automatic Invoice off: a paid, not invoiced order cancelled from the
        portal gives the money back through the demo provider at once."""
        tx = self._paid_by_demo(self.order)
        self.authenticate("cancel_portal", "cancel_portal_pw")
        self._cancel(self.order)
        self.assertEqual(self.order.state, "cancel")
        refund = tx.child_transaction_ids
        self.assertEqual((refund.operation, refund.amount), ("refund", -tx.amount))
        self.assertEqual(refund.state, "done")
        self.assertTrue(refund.payment_id, "the refund is a payment in accounting")
        self.assertEqual(self.order._preorder_paid(), 0.0)

    def test_staff_lowering_a_paid_line_refunds_the_difference(self):
        tx = self._paid_by_demo(self.order)
        salesman = new_test_user(
            self.env, "lowering_salesman", groups="sales_team.group_sale_salesman_all_leads"
        )
        self.order.order_line.with_user(salesman).product_uom_qty = 1.0
        refund = tx.child_transaction_ids
        self.assertEqual(refund.amount, -self.order.currency_id.round(tx.amount / 2))
        self.assertEqual(refund.state, "done")
        self.assertIn("lowered or cancelled by", " ".join(self.order.message_ids.mapped("body")))
        self.order.order_line.with_user(salesman).product_uom_qty = 1.0
        self.assertEqual(len(tx.child_transaction_ids), 1, "nothing lowered: nothing more")

    def test_refused_after_the_window_or_for_others_or_when_off(self):
        self.authenticate("cancel_portal", "cancel_portal_pw")
        self._cancel(self.other)
        self.assertEqual(self.other.state, "sale", "someone else's order")
        self.order.date_order = self.order.date_order.replace(year=2020)
        html = self.url_open(f"/my/orders/{self.order.id}").text
        self.assertNotIn("preorder_cancel_button", html, "the button is gone")
        self._cancel(self.order)
        self.assertEqual(self.order.state, "sale", "after the time limit")
        self.order.date_order = self.other.date_order
        self.company.preorder_cancel_enabled = False
        self._cancel(self.order)
        self.assertEqual(self.order.state, "sale", "setting off")

    def test_refused_once_delivered(self):
        self.authenticate("cancel_portal", "cancel_portal_pw")
        self.order.order_line.qty_delivered_method = "manual"
        self.order.order_line.qty_delivered = 1
        self._cancel(self.order)
        self.assertEqual(self.order.state, "sale", "something was delivered")

    def test_post_without_csrf_is_refused(self):
        self.authenticate("cancel_portal", "cancel_portal_pw")
        response = self.url_open(
            f"/my/orders/{self.order.id}/preorder_cancel", data={"access_token": ""}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.order.state, "sale")


@tagged("post_install", "-at_install")
class TestPortalLineChange(PortalCase):
    """The customer lowers or cancels one pre-order line from the portal."""

    login = "line_portal"
    # a later order: 2 of its 3 allocated, 1 parked
    ordered, later_ordered = 3, 3

    def _change(self, order, line, **data):
        page = self.url_open(f"/my/orders/{order.id}")
        csrf = (
            page.text.split('name="csrf_token" value="')[1].split('"')[0]
            if 'name="csrf_token"' in page.text
            else ""
        )
        return self.url_open(
            f"/my/orders/{order.id}/preorder_line/{line.id}",
            data={"csrf_token": csrf, "access_token": "", **data},
        )

    def test_lowered_line_goes_to_the_oldest_parked_order(self):
        line, later = self.order.order_line, self.later.order_line
        self.assertEqual((later.preorder_allocated_qty, later.preorder_parked_qty), (2.0, 1.0))
        self.authenticate("line_portal", "line_portal_pw")
        self.assertIn("preorder_line_change", self.url_open(f"/my/orders/{self.order.id}").text)
        response = self._change(self.order, line, quantity="1")
        self.assertIn("Your order was changed", response.text)
        self.assertEqual(line.product_uom_qty, 1.0)
        self.assertEqual(line.preorder_allocated_qty, 1.0)
        self.assertEqual((later.preorder_allocated_qty, later.preorder_parked_qty), (3.0, 0.0))
        self.assertIn(
            "changed by the customer from the portal",
            " ".join(self.order.message_ids.mapped("body")),
        )

    def test_cancelled_paid_line_is_refunded_through_its_payment(self):
        tx = self._paid_by_demo(self.order)
        self.authenticate("line_portal", "line_portal_pw")
        self._change(self.order, self.order.order_line, cancel="1", quantity="2")
        self.assertEqual(self.order.order_line.product_uom_qty, 0.0, "cancel wins")
        refund = tx.child_transaction_ids
        self.assertEqual((refund.operation, refund.state), ("refund", "done"))
        self.assertEqual(refund.amount, -tx.amount, "the whole line paid back")
        self.assertEqual(self.later.order_line.preorder_parked_qty, 0.0, "the freed units")

    def test_refused_changes_change_nothing(self):
        self.authenticate("line_portal", "line_portal_pw")
        line = self.order.order_line
        for quantity in ("3", "4", "-1", "1.5", "abc", "", "9" * 40):
            with self.subTest(quantity=quantity):
                response = self._change(self.order, line, quantity=quantity)
                self.assertIn("Choose a whole number below", response.text)
                self.assertEqual(line.product_uom_qty, 3.0)
        # someone else's order, or a line of another order
        self._change(self.later, self.later.order_line, quantity="1")
        self.assertEqual(self.later.order_line.product_uom_qty, 3.0)
        self._change(self.order, self.later.order_line, quantity="1")
        self.assertEqual(self.later.order_line.product_uom_qty, 3.0)
        # on its way
        line.qty_delivered_method = "manual"
        line.qty_delivered = 1
        response = self._change(self.order, line, quantity="1")
        self.assertIn("already on its way", response.text)
        self.assertNotIn("preorder_line_change", response.text, "no form any more")
        self.assertEqual(line.product_uom_qty, 3.0)
        line.qty_delivered = 0
        # a locked order (Odoo's Lock), the cancellation window over
        self.order.locked = True
        response = self._change(self.order, line, quantity="1")
        self.assertIn("This order is locked", response.text)
        self.assertIn(
            "This order is locked", self._post(self.order, "preorder_shipping", policy="one").text
        )
        self.assertEqual((line.product_uom_qty, self.order.picking_policy), (3.0, "direct"))
        self.order.locked = False
        self.order.date_order = self.order.date_order.replace(year=2020)
        response = self._change(self.order, line, quantity="1")
        self.assertIn("The time to change this order is over", response.text)
        self.assertEqual(line.product_uom_qty, 3.0)
        self.order.date_order = self.later.date_order
        # the company does not let customers cancel
        self.company.preorder_cancel_enabled = False
        self._change(self.order, line, quantity="1")
        self.assertEqual(line.product_uom_qty, 3.0)

    def _post(self, order, path, **data):
        page = self.url_open(f"/my/orders/{order.id}")
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        return self.url_open(
            f"/my/orders/{order.id}/{path}", data={"csrf_token": csrf, "access_token": "", **data}
        )

    def _mails(self, order):
        return self.env["mail.mail"].search(
            [
                ("model", "=", "sale.order"),
                ("res_id", "=", order.id),
                ("subject", "ilike", "changed"),
            ]
        )

    def test_each_line_shows_what_was_paid_and_what_is_due(self):
        self._paid_by_demo(self.order)
        self.authenticate("line_portal", "line_portal_pw")
        html = self.url_open(f"/my/orders/{self.order.id}").text
        paid, due = self.order._preorder_line_payments()[self.order.order_line.id]
        self.assertEqual((paid, due), (self.order.amount_total, 0.0))
        self.assertIn("preorder_line_paid", html)
        self.assertIn("Paid", html)

    def test_changes_are_confirmed_by_e_mail(self):
        self.authenticate("line_portal", "line_portal_pw")
        self._change(self.order, self.order.order_line, quantity="2")
        [mail] = self._mails(self.order)
        self.assertIn("2.0", mail.body_html)
        self.assertIn(self.portal.partner_id, mail.recipient_ids)

    def test_shipping_choice_until_something_is_on_its_way(self):
        self.authenticate("line_portal", "line_portal_pw")
        self.assertIn(
            "preorder_portal_shipping_change", self.url_open(f"/my/orders/{self.order.id}").text
        )
        picking = self.order.picking_ids
        response = self._post(self.order, "preorder_shipping", policy="one")
        self.assertIn("Your order was changed", response.text)
        self.assertEqual(self.order.picking_policy, "one")
        self.assertEqual(picking.move_type, "one", "the open delivery follows")
        self.assertEqual(len(self._mails(self.order)), 1)
        self.assertIn("Shipping choice changed", " ".join(self.order.message_ids.mapped("body")))
        response = self._post(self.order, "preorder_shipping", policy="fast")
        self.assertIn("Choose one of the options", response.text)
        self.assertEqual(self.order.picking_policy, "one")
        self.order.order_line.qty_delivered_method = "manual"
        self.order.order_line.qty_delivered = 1
        response = self._post(self.order, "preorder_shipping", policy="direct")
        self.assertIn("already on its way", response.text)
        self.assertEqual(self.order.picking_policy, "one")
        # someone else's order: back to the account, nothing changed
        self._post(self.order, "preorder_shipping", policy="one")
        self.url_open(
            f"/my/orders/{self.later.id}/preorder_shipping",
            data={"csrf_token": "x", "access_token": "", "policy": "one"},
        )
        self.assertEqual(self.later.picking_policy, "direct")

    def test_balance_payment_method_until_the_balance_is_charged(self):
        Token = self.env["payment.token"]
        card, other_card, strangers = (
            Token.create(
                {
                    "provider_id": self.demo.id,
                    "payment_method_id": self.demo_method.id,
                    "partner_id": partner.id,
                    "provider_ref": ref,
                    "payment_details": ref,
                }
            )
            for partner, ref in (
                (self.portal.partner_id, "4242"),
                (self.portal.partner_id, "5555"),
                (self.later.partner_id, "1111"),
            )
        )
        self.order.write({"preorder_deposit": "due", "preorder_balance_token_id": card.id})
        self.authenticate("line_portal", "line_portal_pw")
        self.assertIn(
            "preorder_portal_balance_method", self.url_open(f"/my/orders/{self.order.id}").text
        )
        self._post(self.order, "preorder_balance_method", token_id=str(other_card.id))
        self.assertEqual(self.order.preorder_balance_token_id, other_card)
        self.assertIn(
            "Balance payment method changed", " ".join(self.order.message_ids.mapped("body"))
        )
        for token_id in (str(strangers.id), "abc", "", "999999", "9" * 40):
            with self.subTest(token_id=token_id):
                response = self._post(self.order, "preorder_balance_method", token_id=token_id)
                self.assertIn("Choose one of the options", response.text)
                self.assertEqual(self.order.preorder_balance_token_id, other_card)
        self.order.preorder_balance_state = "paid"
        response = self._post(self.order, "preorder_balance_method", token_id=str(card.id))
        self.assertIn("no longer waiting to be charged", response.text)
        self.assertEqual(self.order.preorder_balance_token_id, other_card)

    def test_post_without_csrf_is_refused(self):
        self.authenticate("line_portal", "line_portal_pw")
        response = self.url_open(
            f"/my/orders/{self.order.id}/preorder_line/{self.order.order_line.id}",
            data={"access_token": "", "quantity": "1"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.order.order_line.product_uom_qty, 3.0)


@tagged("post_install", "-at_install")
class TestPortalTours(HttpCase, PreorderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"preorder_cancel_enabled": True, "preorder_cancel_hours": 24})
        cls.portal = new_test_user(
            cls.env, "tour_portal", password="tour_portal", groups="base.group_portal"
        )
        cls._create_request("national", [(cls.product, 5, 10)])
        cls.order = cls._create_sale([(cls.product, 2, "national")], partner=cls.portal.partner_id)

    def test_tour_cancel_inside_the_window(self):
        self.start_tour("/my/orders", "website_preorder_portal_cancel",
                        login="tour_portal")  # fmt: skip
        self.assertEqual(self.order.state, "cancel")
        self.assertFalse(self.order.order_line.preorder_allocation_ids)

    def test_tour_lower_one_line(self):
        later = self._create_sale([(self.product, 4, "national")])  # 3 allocated, 1 parked
        self.start_tour("/my/orders", "website_preorder_portal_lower_line",
                        login="tour_portal")  # fmt: skip
        self.assertEqual(self.order.order_line.product_uom_qty, 1.0)
        self.assertEqual(later.order_line.preorder_parked_qty, 0.0, "the parked order got it")

    def test_tour_no_cancel_after_the_window(self):
        self.order.date_order = self.order.date_order.replace(year=2020)
        self.start_tour("/my/orders", "website_preorder_portal_no_cancel",
                        login="tour_portal")  # fmt: skip
        self.assertEqual(self.order.state, "sale")
