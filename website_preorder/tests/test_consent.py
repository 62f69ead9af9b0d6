"""Date-slip consent: asked once per order, answered from the portal, lapsed."""

import re
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import PreorderCase, ShopPaymentMixin


@tagged("post_install", "-at_install")
class TestConsent(ShopPaymentMixin, HttpCase, PreorderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_shop_payment()
        cls.request = cls._create_request(
            "national", [(cls.product, 5, 10), (cls.product_b, 5, 10)], confirm=True
        )
        cls.SaleLine = cls.env["sale.order.line"]

    def _order(self, partner=None):
        order = self._create_sale(
            [(self.product, 2, "national"), (self.product_b, 1, "national")], partner=partner
        )
        # the confirmation e-mail told the customer these dates
        order.order_line._preorder_mark_notified()
        return order

    def _slip(self, lines, days=20):
        lines.write({"promise_date": self.today + timedelta(days=days)})

    def _consent_mails(self, order):
        return self.env["mail.mail"].search(
            [("model", "=", "sale.order"), ("res_id", "=", order.id),
             ("subject", "ilike", "delayed")]
        )  # fmt: skip

    def _page(self, order, token=None):
        token = order._portal_ensure_token() if token is None else token
        return self.url_open(f"/my/orders/{order.id}/preorder_consent?access_token={token}").text

    def _post(self, order, answer, token=None):
        # the session's CSRF token, as any page with a form carries it
        login = self.url_open("/web/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
        token = order._portal_ensure_token() if token is None else token
        return self.url_open(
            f"/my/orders/{order.id}/preorder_consent",
            data={"csrf_token": csrf, "access_token": token, "answer": answer},
        ).text

    def _state(self, order):
        order.invalidate_recordset()
        order.order_line.invalidate_recordset()
        return [(line.preorder_consent_state, line.product_uom_qty) for line in order.order_line]

    def test_a_slip_asks_once_per_order_above_the_threshold(self):
        order = self._order()
        self.assertEqual(
            order.order_line.mapped("promise_date"), [self.today + timedelta(days=10)] * 2
        )
        self.company.preorder_slip_days = 5
        self._slip(order.order_line, days=14)
        self.assertEqual(self._state(order), [(False, 2.0), (False, 1.0)], "4 days: under 5")
        self._slip(order.order_line, days=16)
        self.assertEqual(self._state(order), [("pending", 2.0), ("pending", 1.0)])
        self.assertEqual(
            order.order_line.mapped("preorder_consent_old_date"),
            [self.today + timedelta(days=10)] * 2,
            "the date the customer had",
        )
        mails = self._consent_mails(order)
        self.assertEqual(len(mails), 1, "one e-mail for the order")
        self.assertIn("/preorder_consent", mails.body_html)
        self.assertIn("Promise date slipped", order.message_ids[0].body)
        self.assertFalse(order.preorder_promise_changed_lines(), "not told twice")
        # an earlier date again: nothing to ask any more
        self._slip(order.order_line, days=9)
        self.assertEqual(self._state(order), [(False, 2.0), (False, 1.0)])

    def test_sync_with_the_request_asks_too(self):
        order = self._order()
        self.request.order_line.date_planned = self._arrival(25)
        order.order_line._preorder_update_promise_dates(sync=True)
        self.assertEqual(self._state(order), [("pending", 2.0), ("pending", 1.0)])

    def test_accept_from_the_portal_is_idempotent(self):
        order = self._order()
        self._slip(order.order_line)
        page = self._page(order)
        self.assertEqual(len(re.findall("preorder_consent_line", page)), 2)
        result = self._post(order, "accept")
        self.assertIn("the new dates are accepted", result)
        self.assertEqual(self._state(order), [("accepted", 2.0), ("accepted", 1.0)])
        again = self._post(order, "cancel")
        self.assertIn("Nothing is waiting", again)
        self.assertEqual(self._state(order), [("accepted", 2.0), ("accepted", 1.0)])

    def test_cancel_frees_allocations_and_refunds_a_paid_order_through_its_payment(self):
        order = self._order()
        tx = self._pay(order)
        self._slip(order.order_line)
        result = self._post(order, "cancel")
        self.assertIn("These items are cancelled", result)
        self.assertEqual(self._state(order), [("declined", 0.0), ("declined", 0.0)])
        self.assertFalse(order.order_line.sudo().preorder_allocation_ids)
        self.assertEqual(self.request.order_line.mapped("preorder_atp"), [5.0, 5.0])
        self.assertFalse(
            order.picking_ids.move_ids.filtered(lambda move: move.state != "cancel"),
            "no delivery left",
        )
        refund = tx.child_transaction_ids.filtered(lambda child: child.operation == "refund")
        self.assertEqual((refund.amount, refund.state), (-tx.amount, "done"), "the demo refunds")
        self.assertFalse(order.activity_ids.filtered(lambda a: "Refund" in (a.summary or "")))
        self.assertIn("refunded through the payment", " ".join(order.message_ids.mapped("body")))

    def test_one_line_of_two_is_refunded_its_share(self):
        order = self._order()
        tx = self._pay(order)
        first = order.order_line[0]
        self._slip(first)
        self._post(order, "cancel")
        refund = tx.child_transaction_ids
        self.assertEqual(refund.amount, -order.currency_id.round(tx.amount * 2 / 3), "2 of 3")
        self.assertEqual(order._preorder_paid(), order.currency_id.round(tx.amount / 3))

    def test_a_payment_that_cannot_be_refunded_leaves_staff_a_dated_to_do(self):
        order = self._order()
        self._pay(order)
        self._slip(order.order_line)
        with patch.object(
            type(self.env["payment.provider"]),
            "_compute_feature_support_fields",
            lambda providers: providers.update({"support_refund": False}),
        ):
            self.env["payment.provider"].invalidate_model(["support_refund"])
            self._post(order, "cancel")
        activity = order.activity_ids.filtered(lambda a: "Refund" in (a.summary or ""))
        self.assertEqual(len(activity), 1)
        self.assertIn("by", activity.note)
        self.assertEqual(activity.date_deadline, fields.Date.today() + timedelta(days=7))
        self.assertFalse(order.transaction_ids.child_transaction_ids)

    def _pay(self, order):
        tx = self._paid_by_demo(order)
        self.assertTrue(order.amount_paid)
        return tx

    def test_refusals_change_nothing(self):
        order, other = self._order(), self._order(partner=self.customer_b)
        self._slip(order.order_line | other.order_line)
        before = self._state(order)
        for token in ("", "not-a-token", other._portal_ensure_token()):
            with self.subTest(token=token):
                self.assertIn("This link is not valid", self._page(order, token))
                self.assertIn("This link is not valid", self._post(order, "cancel", token))
                self.assertEqual(self._state(order), before)
        self.assertIn("Choose to accept", self._post(order, "later"))
        self.assertEqual(self._state(order), before)
        # released for delivery: on its way, no longer cancelled here
        self._receive(self.request, {self.product: 5, self.product_b: 5})
        self._run_release()
        self.assertTrue(order.order_line[0].preorder_released_qty)
        self.assertIn("already on their way", self._post(order, "cancel"))
        self.assertEqual(self._state(order), before)
        # the lapse job keeps them even when told to cancel (goods on their way)
        self.company.preorder_consent_lapse = "cancel"
        order.order_line.sudo().preorder_consent_asked_at = fields.Datetime.now() - timedelta(
            days=15
        )
        self.SaleLine._cron_preorder_consent_lapse()
        self.assertEqual(self._state(order), [("lapsed", 2.0), ("lapsed", 1.0)], "kept, no crash")
        self.company.preorder_consent_lapse = "keep"
        # lapsed
        other.order_line.sudo().preorder_consent_asked_at = fields.Datetime.now() - timedelta(
            days=15
        )
        self.SaleLine._cron_preorder_consent_lapse()
        lapsed = self._state(other)
        self.assertEqual(lapsed, [("lapsed", 2.0), ("lapsed", 1.0)], "kept by default")
        self.assertIn("The time to answer has passed", self._post(other, "cancel"))
        self.assertEqual(self._state(other), lapsed)

    def test_locked_order_can_accept_not_cancel(self):
        """Lock Confirmed Sales: the customer may still accept; cancelling is
        refused with a message (staff unlock to change the order)."""
        self.env.user.groups_id += self.env.ref("sale.group_auto_done_setting")
        order = self._order()
        self.assertTrue(order.locked)
        self._slip(order.order_line)
        before = self._state(order)
        self.assertIn("already on their way", self._post(order, "cancel"))
        self.assertEqual(self._state(order), before)
        self.assertIn("the new dates are accepted", self._post(order, "accept"))
        self.assertEqual(self._state(order), [("accepted", 2.0), ("accepted", 1.0)])

    def test_lapse_can_cancel(self):
        self.company.preorder_consent_lapse = "cancel"
        order = self._order()
        self._slip(order.order_line)
        self.SaleLine._cron_preorder_consent_lapse()
        self.assertEqual(self._state(order), [("pending", 2.0), ("pending", 1.0)], "not yet")
        order.order_line.sudo().preorder_consent_asked_at = fields.Datetime.now() - timedelta(
            days=14
        )
        self.SaleLine._cron_preorder_consent_lapse()
        self.assertEqual(self._state(order), [("lapsed", 0.0), ("lapsed", 0.0)])
        self.assertFalse(order.order_line.sudo().preorder_allocation_ids)

    def test_tours_accept_and_cancel(self):
        for answer, tour in (
            ("accepted", "website_preorder_consent_accept"),
            ("declined", "website_preorder_consent_cancel"),
        ):
            with self.subTest(tour=tour):
                order = self._order()
                self._slip(order.order_line)
                token = order._portal_ensure_token()
                self.start_tour(
                    f"/my/orders/{order.id}/preorder_consent?access_token={token}", tour
                )
                self.assertEqual(set(order.order_line.mapped("preorder_consent_state")), {answer})


@tagged("post_install", "-at_install")
class TestDelayPolicies(ShopPaymentMixin, HttpCase, PreorderCase):
    """Delay policy (README, "Delay policy"): what silence means under the
    US FTC rule and the EU directive, each notice and answer kept as evidence."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.request = cls._create_request("national", [(cls.product, 5, 10)], confirm=True)
        cls.SaleLine = cls.env["sale.order.line"]
        cls.company.write({"preorder_consent_days": 14, "preorder_consent_lapse": "keep"})
        cls._setup_shop_payment()

    def _order(self, policy):
        self.company.preorder_delay_policy = policy
        order = self._create_sale([(self.product, 2, "national")])
        order.order_line._preorder_mark_notified()
        self._paid_by_demo(order)
        return order

    def _slip(self, order, days):
        self.request.order_line.date_planned = self._arrival(10 + days)
        return order.order_line

    def _lapse(self, lines):
        lines.sudo().preorder_consent_asked_at = fields.Datetime.now() - timedelta(days=15)
        self.SaleLine._cron_preorder_consent_lapse()

    def _events(self, order):
        # in the order they happened (a frozen clock may date one in the future)
        events = order.preorder_consent_event_ids.sorted("id")
        return [(e.event, e.outcome, e.policy) for e in events]

    def test_ftc_silence_accepts_a_first_short_delay(self):
        order = self._order("ftc")
        line = self._slip(order, 20)
        self.assertEqual(line.preorder_consent_state, "pending")
        self._lapse(line)
        self.assertEqual(line.preorder_consent_state, "accepted")
        self.assertEqual(line.product_uom_qty, 2.0)
        self.assertEqual(
            self._events(order),
            [("notice", "asked", "ftc"), ("lapse", "accepted_silence", "ftc")],
        )
        notice = order.preorder_consent_event_ids[0]
        self.assertIn("Accept or cancel", notice.details, "the text the customer received")

    def test_ftc_silence_cancels_and_refunds_a_long_delay(self):
        order = self._order("ftc")
        line = self._slip(order, 40)
        self._lapse(line)
        self.assertEqual((line.preorder_consent_state, line.product_uom_qty), ("lapsed", 0.0))
        refund = order.transaction_ids.child_transaction_ids
        self.assertEqual((refund.operation, refund.state), ("refund", "done"))
        self.assertEqual(self._events(order)[-1], ("lapse", "cancelled", "ftc"))

    def test_ftc_second_delay_needs_an_explicit_yes(self):
        order = self._order("ftc")
        line = self._slip(order, 5)
        self.assertIsNone(order._preorder_consent_answer("accept"))
        self._slip(order, 10)
        self.assertEqual((line.preorder_consent_state, line.preorder_delay_count), ("pending", 2))
        self._lapse(line)
        self.assertEqual(line.product_uom_qty, 0.0, "a second delay without a yes: cancelled")
        answer = [e for e in self._events(order) if e[0] == "answer"]
        self.assertEqual(answer, [("answer", "accepted", "ftc")])
        self.assertEqual(order.preorder_consent_event_ids[1].user_id, self.env.user)

    def test_ftc_indefinite_delay_is_asked_and_needs_a_yes(self):
        order = self._order("ftc")
        line = order.order_line
        line.sudo().preorder_allocation_ids.action_remove_allocations()
        self.assertEqual(line.preorder_state, "parked")
        self.assertEqual(line.preorder_consent_state, "pending", "no date any more: asked")
        self._lapse(line)
        self.assertEqual(line.product_uom_qty, 0.0)

    def test_always_ask_keeps_a_parked_line_without_asking(self):
        order = self._order("always")
        line = order.order_line
        line.sudo().preorder_allocation_ids.action_remove_allocations()
        self.assertFalse(line.preorder_consent_state, "as before: no date, no question")

    def test_eu_late_delivery_is_offered_to_wait_or_cancel_and_silence_keeps(self):
        order = self._order("eu")
        line = order.order_line
        with freeze_time(line.promise_date + timedelta(days=1)):
            self.SaleLine._cron_preorder_consent_lapse()
            self.assertEqual(line.preorder_consent_state, "pending")
            self.assertEqual(line.preorder_consent_old_date, line.promise_date_notified)
            self.SaleLine._cron_preorder_consent_lapse()
            self.assertEqual(len(order.preorder_consent_event_ids), 1, "asked once")
        self._lapse(line)
        self.assertEqual((line.preorder_consent_state, line.product_uom_qty), ("lapsed", 2.0))
        self.assertEqual(self._events(order)[-1], ("lapse", "kept", "eu"))

    def test_evidence_is_printable(self):
        order = self._order("ftc")
        self._slip(order, 20)
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(
            "website_preorder.action_report_preorder_delay_notices", order.ids
        )
        self.assertIn(b"Notice sent", html)
        self.assertIn(b"US FTC rule", html)
