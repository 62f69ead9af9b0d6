from datetime import timedelta
from unittest.mock import patch

import psycopg2
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import PreorderCase, ShopPaymentMixin


@tagged("post_install", "-at_install")
class TestDeposit(ShopPaymentMixin, HttpCase, PreorderCase):
    """Deposits (README): a website cart pays the deposit of its pre-order lines
    and the whole of the others; the payment confirms the order and is invoiced
    as a down payment; the balance is invoiced when the pre-orders are released."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_shop_payment()
        (cls.product | cls.product_b).taxes_id = False
        cls.company.preorder_deposit_national = 25.0
        cls.request = cls._create_request("national", [(cls.product, 5, 10)], confirm=True)
        cls._set_stock(cls.product_b, 10)

    def _cart(self, lines=None):
        """A website cart: 2 pre-ordered gadgets (200) and a widget from stock (100)."""
        return self._website_cart(
            lines or [(self.product, 2, "national"), (self.product_b, 1, "stock")]
        )

    def test_deposit_settings_refuse_shares_out_of_range(self):
        for value in (-1.0, 100.5):
            with self.subTest(value=value), self.assertRaises(ValidationError):
                settings = self.env["res.config.settings"].create(
                    {"preorder_deposit_international": value}
                )
                settings.execute()
        self.assertEqual(self.company.preorder_deposit_international, 0.0, "nothing changed")

    def test_cart_pays_the_deposit_share_of_preorders_and_all_of_the_rest(self):
        order = self._cart()
        self.assertEqual(order._preorder_deposit_due_now(), 50.0 + 100.0)
        self.assertEqual(order._preorder_deposit_prepare_payment(), 150.0)
        self.assertEqual(order._get_prepayment_required_amount(), 150.0, "Odoo's prepayment")
        stock_only = self._cart([(self.product_b, 1, "stock")])
        self.assertIsNone(stock_only._preorder_deposit_due_now(), "no pre-order: paid in full")
        self.assertEqual(stock_only._get_prepayment_required_amount(), 100.0)
        back_office = self._create_sale([(self.product, 2, "national")], confirm=False)
        self.assertIsNone(
            back_office._preorder_deposit_due_now(), "quotations keep Odoo's own rules"
        )

    def test_deposit_is_a_share_of_the_prices_with_taxes(self):
        tax = self.env["account.tax"].create(
            {"name": "Deposit VAT 10", "amount": 10.0, "type_tax_use": "sale"}
        )
        self.product.taxes_id = tax
        order = self._cart()
        self.assertEqual(order.amount_total, 2 * 110.0 + 100.0)
        self.assertEqual(order._preorder_deposit_due_now(), 55.0 + 100.0)
        self.assertNotIn("error", self._pay_online(order, 155.0))
        self.assertEqual(order.transaction_ids.amount, 155.0)

    def test_payment_of_the_deposit_confirms_and_invoices_a_down_payment(self):
        order = self._cart()
        answer = self._pay_online(order, 150.0)
        self.assertNotIn("error", answer)
        tx = order.transaction_ids
        self.assertEqual(tx.amount, 150.0, "the transaction is for the deposit")
        self.assertEqual((order.require_payment, order.prepayment_percent), (True, 0.5))
        self._payment_done(order)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.preorder_deposit, "due")
        down_payment = order.invoice_ids
        self.assertEqual((down_payment.state, down_payment.amount_total), ("posted", 150.0))
        self.assertIn(down_payment.payment_state, ("paid", "in_payment"), "reconciled with tx")
        deposit_line = order.order_line.filtered(
            lambda line: line.is_downpayment and not line.display_type
        )
        self.assertEqual(deposit_line.price_unit, 150.0)

    def test_wrong_amount_is_refused_and_changes_nothing(self):
        order = self._cart()
        for amount in (200.0, 10.0):
            with self.subTest(amount=amount):
                answer = self._pay_online(order, amount)
                self.assertIn("refresh the page", answer["error"]["data"]["message"])
        order.invalidate_recordset()
        self.assertFalse(order.transaction_ids)
        self.assertFalse(order.preorder_deposit)
        self.assertEqual(order.state, "draft")

    def test_deposit_cart_may_be_paid_in_full(self):
        """Express checkout (and any shopper who wishes) pays the whole cart:
        Odoo's own payment, no deposit order."""
        order = self._cart()
        order._preorder_deposit_prepare_payment()
        self.assertNotIn("error", self._pay_online(order, 300.0))
        self.assertEqual(order.transaction_ids.amount, 300.0)
        self.assertFalse(order.preorder_deposit)
        self.assertEqual(order._get_prepayment_required_amount(), 300.0)

    def test_second_deposit_payment_is_refused(self):
        """A double click or a second tab while the first payment is being
        processed: the deposit is not charged twice."""
        order = self._cart()
        self._pay_online(order, 150.0)
        order.transaction_ids._set_done()
        answer = self._pay_online(order, 150.0)
        self.assertIn("already been paid", answer["error"]["data"]["message"])
        self.assertEqual(len(order.transaction_ids), 1)

    def test_copied_order_keeps_odoos_prepayment(self):
        order = self._cart()
        order._preorder_deposit_prepare_payment()
        self.assertEqual(order._get_prepayment_required_amount(), 150.0)
        copy = order.copy()
        self.assertFalse(copy.preorder_deposit, "a quotation made from a cart is not a deposit")
        copy.write({"require_payment": True, "prepayment_percent": 0.8})
        self.assertEqual(copy._get_prepayment_required_amount(), 240.0, "the salesman's 80 %")

    def test_balance_is_invoiced_when_the_last_waiting_line_is_cancelled(self):
        order = self._cart([(self.product, 2, "national"), (self.product, 1, "national")])
        self._pay_online(order, 75.0)
        self._payment_done(order)
        self._receive(self.request, {self.product: 2})
        self._run_release()
        released, waiting = order.order_line.filtered(lambda line: line.preorder_kind == "national")
        self.assertEqual(
            (released.preorder_state, waiting.preorder_state), ("released", "allocated")
        )
        self.assertEqual(order.preorder_deposit, "due")
        salesman = new_test_user(
            self.env, "deposit_salesman", groups="sales_team.group_sale_salesman_all_leads"
        )
        # the salesman cancels the line the customer no longer wants (no accounting rights)
        waiting.with_user(salesman).product_uom_qty = 0.0
        self.assertEqual(order.preorder_deposit, "invoiced", "nothing left to wait for")
        # its 25 of deposit went back through the demo provider; the balance
        # deducts the 50 kept
        refund = order.transaction_ids.child_transaction_ids
        self.assertEqual((refund.amount, refund.state), (-25.0, "done"))
        balance = order.invoice_ids.sorted("id")[-1]
        self.assertEqual(balance.amount_total, 200.0 - 50.0)
        self.assertEqual(sum(order.invoice_ids.mapped("amount_total_signed")), 200.0)

    def test_a_declined_line_gets_its_deposit_back_and_the_balance_counts_the_rest(self):
        """Two pre-order lines (200 + 100) at a 25 % deposit: 75 paid. The
        customer declines the 100 line after its date slipped: its 25 comes back
        through the demo provider with the down payment credited and 50 of it
        kept (invoiced again), and
        the balance at release is what the kept line still owes (200 − 50)."""
        order = self._cart([(self.product, 2, "national"), (self.product, 1, "national")])
        self._pay_online(order, 75.0)
        tx = self._payment_done(order)
        kept, declined = order.order_line.filtered(lambda line: line.preorder_kind == "national")
        declined._preorder_cancel_for_consent("declined", "Declined by the customer.")
        refund = tx.child_transaction_ids
        self.assertEqual((refund.amount, refund.state), (-25.0, "done"))
        # the down payment is reversed and what is kept invoiced again (Odoo
        # deducts a down payment whole at the final invoice)
        credit_note = order.invoice_ids.filtered(lambda move: move.move_type == "out_refund")
        self.assertEqual((credit_note.state, credit_note.amount_total), ("posted", 75.0))
        self.assertIn(credit_note.payment_state, ("paid", "in_payment"), "refund + kept part")
        down_payments = order.invoice_ids.filtered(lambda move: move.move_type == "out_invoice")
        self.assertEqual(sorted(down_payments.mapped("amount_total")), [50.0, 75.0])
        self.assertEqual(down_payments.mapped("amount_residual"), [0.0, 0.0], "all settled")
        self.assertEqual(order._preorder_paid(), 50.0)
        self._receive(self.request, {self.product: 2})
        self._run_release()
        self.assertEqual(kept.preorder_state, "released")
        self.assertEqual(order.preorder_deposit, "invoiced")
        invoiced = sum(order.invoice_ids.mapped("amount_total_signed"))
        self.assertEqual(invoiced, 200.0, "the kept line, no more, no less")

    def test_every_preorder_line_cancelled_invoices_what_remains(self):
        """The customer paid 150 (25 % of 200 and the 100 widget); the
        pre-order line is cancelled before any release. Its 50 of deposit goes
        back, and nothing waits any more: the order is settled at once (the
        widget, 100, paid), never left "balance due" forever."""
        order = self._cart()
        self._pay_online(order, 150.0)
        self._payment_done(order)
        preorder = order.order_line.filtered(lambda line: line.preorder_kind == "national")
        self.assertEqual(order.preorder_deposit, "due")
        salesman = new_test_user(
            self.env, "deposit_canceller", groups="sales_team.group_sale_salesman_all_leads"
        )
        # the salesman (no accounting rights) cancels the pre-order the customer gave up
        preorder.with_user(salesman).product_uom_qty = 0.0
        self.assertEqual(order.preorder_deposit, "invoiced", "nothing left to wait for")
        # the 50 of deposit goes back through the demo provider at once
        refund = order.transaction_ids.child_transaction_ids
        self.assertEqual((refund.amount, refund.state), (-50.0, "done"))
        self.assertTrue(all(move.state == "posted" for move in order.invoice_ids))
        self.assertEqual(
            sum(order.invoice_ids.mapped("amount_total_signed")), 100.0, "the widget, in all"
        )
        self.assertEqual(order._preorder_paid(), 100.0)
        self.assertFalse(order._preorder_balance_invoices(), "nothing owed either way")

    def test_concurrent_invoicing_is_retried_by_odoo_not_a_todo(self):
        """A serialization failure while invoicing the balance (another
        transaction at work on the order) reaches Odoo's retry: no To-Do, the
        balance still due, for the retry to invoice."""
        order = self._cart()
        self._pay_online(order, 150.0)
        self._payment_done(order)
        self._receive(self.request, {self.product: 5})
        line = order.order_line.filtered(lambda line: line.preorder_kind == "national")
        SaleOrder = type(self.env["sale.order"])
        conflict = psycopg2.errors.SerializationFailure("could not serialize access")
        with (
            patch.object(SaleOrder, "_preorder_invoice_balance", side_effect=conflict),
            self.assertRaises(psycopg2.errors.SerializationFailure),
        ):
            line.with_user(self.env.user).action_preorder_release()
        self.assertFalse(order.activity_ids.filtered(lambda act: "balance" in act.summary))

    def _released_deposit_order(self):
        """A deposit order (150 paid of 300) whose pre-order is released: the
        balance of 150 is invoiced and its delivery is ready to leave."""
        order = self._cart()
        self._pay_online(order, 150.0)
        self._payment_done(order)
        self._receive(self.request, {self.product: 5})
        self._run_release()
        self.assertEqual(order.preorder_deposit, "invoiced")
        picking = order.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")
        self.assertEqual(picking.state, "assigned", "released: reserved for the customer")
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        return order, picking

    def test_no_parcel_leaves_while_the_balance_is_unpaid(self):
        """A stock user validating the delivery is told which order owes what;
        nothing leaves. Once the balance is paid, the same user ships."""
        order, picking = self._released_deposit_order()
        stock_user = new_test_user(self.env, "deposit_packer", groups="stock.group_stock_user")
        self.assertTrue(picking.with_user(stock_user).preorder_balance_unpaid)
        with self.assertRaisesRegex(UserError, r"%s: \$\s?150\.00 due" % order.name):
            picking.with_user(stock_user).button_validate()
        self.assertEqual(picking.state, "assigned", "nothing left")
        balance = order.invoice_ids.sorted("id")[-1]
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=balance.ids
        ).create({})._create_payments()
        picking.invalidate_recordset(["preorder_balance_unpaid"])
        self.assertFalse(picking.preorder_balance_unpaid)
        picking.with_user(stock_user).button_validate()
        self.assertEqual(picking.state, "done")

    def test_stock_items_of_a_deposit_cart_ship_before_the_preorders(self):
        """The widget from stock was paid in full: it leaves while the pre-order
        waits for its release (the delivery's other move has no quantity)."""
        order = self._cart()
        self._pay_online(order, 150.0)
        self._payment_done(order)
        picking = order.picking_ids
        widget = picking.move_ids.filtered(lambda move: move.product_id == self.product_b)
        gadget = picking.move_ids - widget
        self.assertEqual((widget.quantity, gadget.quantity), (1.0, 0.0))
        self.assertFalse(picking._preorder_unpaid_balances(), "nothing pre-ordered leaves")
        action = picking.button_validate()
        if isinstance(action, dict):  # Odoo asks whether to make a backorder: yes
            wizard = self.env[action["res_model"]].with_context(**action["context"])
            wizard.create({}).process()
        self.assertEqual(widget.state, "done")
        self.assertNotEqual(gadget.state, "done", "the pre-order waits in the backorder")

    def test_trusted_customers_and_the_company_setting_ship_before_payment(self):
        for allow in ("company", "partner"):
            savepoint = self.env.cr.savepoint()
            try:
                with self.subTest(allow=allow):
                    order, picking = self._released_deposit_order()
                    if allow == "company":
                        self.company.preorder_ship_unpaid_balance = True
                    else:
                        order.partner_id.commercial_partner_id.preorder_ship_before_payment = True
                    self.assertFalse(picking.preorder_balance_unpaid)
                    picking.button_validate()
                    self.assertEqual(picking.state, "done")
            finally:
                savepoint.close(rollback=True)

    def test_inventory_manager_ships_before_payment_with_a_reason(self):
        order, picking = self._released_deposit_order()
        stock_user = new_test_user(self.env, "deposit_clerk", groups="stock.group_stock_user")
        with self.assertRaises(AccessError):
            picking.with_user(stock_user).action_preorder_ship_unpaid()
        # the wizard's context key, sent by a stock user over RPC, changes nothing
        with self.assertRaisesRegex(UserError, "before the balance is paid"):
            picking.with_user(stock_user).with_context(
                preorder_ship_unpaid_reason="let me"
            ).button_validate()
        self.assertEqual(picking.state, "assigned")
        manager = new_test_user(self.env, "deposit_boss", groups="stock.group_stock_manager")
        action = picking.with_user(manager).action_preorder_ship_unpaid()
        wizard = (
            self.env[action["res_model"]]
            .with_user(manager)
            .with_context(**action["context"])
            .create({"reason": "Pays by bank transfer on delivery"})
        )
        wizard.action_ship()
        self.assertEqual(picking.state, "done")
        note = order.message_ids.filtered(lambda m: "before the balance" in (m.body or ""))
        self.assertIn("Pays by bank transfer on delivery", note[:1].body)
        self.assertIn("deposit_boss", note[:1].body)

    def test_cart_without_deposit_is_paid_in_full_as_odoo_does(self):
        order = self._cart([(self.product_b, 1, "stock")])
        self.assertIn("error", self._pay_online(order, 25.0))
        self.assertNotIn("error", self._pay_online(order, 100.0))
        self.assertEqual(order.transaction_ids.amount, 100.0)
        self.assertFalse(order.preorder_deposit)

    def test_removing_the_preorder_brings_back_the_full_payment(self):
        order = self._cart()
        order._preorder_deposit_prepare_payment()
        self.assertEqual(order.preorder_deposit, "due")
        order.order_line.filtered(lambda line: line.preorder_kind == "national").unlink()
        self.assertIsNone(order._preorder_deposit_prepare_payment())
        self.assertFalse(order.preorder_deposit)
        self.assertEqual(order.prepayment_percent, self.company.prepayment_percent)

    def test_balance_is_invoiced_when_the_preorders_are_released(self):
        order = self._cart()
        self._pay_online(order, 150.0)
        self._payment_done(order)
        line = order.order_line.filtered(lambda line: line.preorder_kind == "national")
        self.assertEqual(line.preorder_state, "allocated")
        self._receive(self.request, {self.product: 1})
        self._run_release()
        self.assertEqual(line.preorder_state, "allocated", "half released: nothing invoiced yet")
        self.assertEqual(len(order.invoice_ids), 1)
        self._receive(self.request, {self.product: 4})
        self._run_release()
        self.assertEqual(line.preorder_state, "released")
        self.assertEqual(order.preorder_deposit, "invoiced")
        balance = order.invoice_ids - order.invoice_ids.sorted("id")[0]
        self.assertEqual(len(balance), 1)
        self.assertEqual(balance.state, "posted")
        self.assertEqual(balance.amount_total, 300.0 - 150.0, "a regular invoice less the deposit")
        deducted = balance.invoice_line_ids.filtered(
            lambda aml: aml.display_type == "product" and aml.sale_line_ids.is_downpayment
        )
        self.assertEqual(deducted.price_subtotal, -150.0)
        mail = self.env["mail.mail"].search(
            [("model", "=", "sale.order"), ("res_id", "=", order.id)]
        )
        self.assertIn("the balance", "".join(mail.mapped("body_html")))
        self._run_release()
        self.assertEqual(len(order.invoice_ids), 2, "invoiced once")

    def test_balance_that_cannot_be_invoiced_never_holds_back_the_release(self):
        order = self._cart()
        self._pay_online(order, 150.0)
        self._payment_done(order)
        self._receive(self.request, {self.product: 5})
        SaleOrder = type(self.env["sale.order"])
        with patch.object(
            SaleOrder, "_preorder_invoice_balance", side_effect=UserError("period locked")
        ):
            self._run_release()
        line = order.order_line.filtered(lambda line: line.preorder_kind == "national")
        self.assertEqual(line.preorder_state, "released", "the goods are released all the same")
        self.assertEqual(order.preorder_deposit, "due", "the balance is still due")
        self.assertEqual(len(order.invoice_ids), 1, "only the down payment")
        todo = order.activity_ids.filtered(lambda act: "balance" in act.summary)
        self.assertIn("period locked", str(todo.note))

    def test_deposit_that_cannot_be_invoiced_never_undoes_the_confirmation(self):
        order = self._cart()
        self._pay_online(order, 150.0)
        SaleOrder = type(self.env["sale.order"])
        failing = patch.object(
            SaleOrder, "_generate_downpayment_invoices", side_effect=UserError("no deposit product")
        )
        with failing:
            self._payment_done(order)
        self.assertEqual(order.state, "sale", "the paid deposit confirms the order")
        self.assertFalse(order.invoice_ids)
        self.assertEqual(order.transaction_ids.payment_id.amount, 150.0, "the payment is recorded")
        todo = order.activity_ids.filtered(lambda act: "deposit" in act.summary)
        self.assertIn("no deposit product", str(todo.note))


@tagged("post_install", "-at_install")
class TestBalanceCollection(ShopPaymentMixin, HttpCase, PreorderCase):
    """Release day (README, "Balance collection"): the payment method saved with
    the deposit pays the balance when the goods are released; a declined
    charge is retried, the customer gets a payment link, the delivery waits;
    at last the company's final action."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_shop_payment(allow_tokenization=True)
        cls.product.taxes_id = False
        cls.company.preorder_deposit_national = 25.0
        cls.request = cls._create_request("national", [(cls.product, 5, 10)], confirm=True)
        cls.stock_user = new_test_user(cls.env, "balance_stock", groups="stock.group_stock_user")

    def _paid_deposit(self, card_state="done"):
        """A cart of 2 pre-ordered gadgets (200) pays its 50 deposit with the
        demo card, which the checkout saves; ``card_state``: what the saved
        card answers later."""
        order = self._website_cart([(self.product, 2, "national")])
        self.assertTrue(
            self.demo._is_tokenization_required(sale_order_id=order.id), "a deposit cart saves"
        )
        answer = self._pay_online(order, 50.0)
        self.assertNotIn("error", answer)
        tx = order.transaction_ids
        self.assertTrue(tx.tokenize, "saved without the shopper ticking anything")
        tx._handle_notification_data(
            "demo",
            {"reference": tx.reference, "payment_details": "4242", "simulated_state": "done"},
        )
        tx._post_process()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.preorder_balance_token_id, tx.token_id)
        tx.token_id.demo_simulated_state = card_state
        return order

    def _release(self, order):
        self._receive(self.request, {self.product: 2})
        self._run_release()
        self.assertEqual(order.preorder_deposit, "invoiced")
        return order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))

    def _validate(self, picking):
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        return picking.with_user(self.stock_user).button_validate()

    def test_balance_is_charged_to_the_saved_card_and_the_parcel_leaves(self):
        order = self._paid_deposit()
        picking = self._release(order)
        charge = order.transaction_ids.filtered(lambda tx: tx.operation == "offline")
        self.assertEqual((charge.amount, charge.state), (150.0, "done"))
        self.assertEqual(order.preorder_balance_state, "paid")
        balance = order.invoice_ids.filtered(lambda move: move.amount_total == 150.0)
        self.assertIn(balance.payment_state, ("paid", "in_payment"))
        self.assertTrue(self._validate(picking))
        self.assertEqual(picking.state, "done", "paid: the stock user ships it")

    def test_declined_card_overdue_link_retry_then_paid(self):
        order = self._paid_deposit(card_state="error")
        picking = self._release(order)
        self.assertEqual(order.preorder_balance_state, "overdue")
        self.assertEqual(order.preorder_balance_attempts, 1)
        mail = self.env["mail.mail"].search(
            [("model", "=", "sale.order"), ("res_id", "=", order.id),
             ("subject", "ilike", "please pay the balance")]
        )  # fmt: skip
        self.assertEqual(len(mail), 1)
        self.assertIn("/my/invoices/", mail.body_html, "a link to pay the invoice online")
        with self.assertRaises(UserError):
            self._validate(picking)
        self.assertIn(
            order, self.env["sale.order"].search([("preorder_balance_state", "=", "overdue")])
        )
        Order = self.env["sale.order"]
        Order._cron_preorder_collect_balances()
        self.assertEqual(order.preorder_balance_attempts, 1, "not yet")
        order.preorder_balance_token_id.demo_simulated_state = "done"
        with freeze_time(order.preorder_balance_retry_at + timedelta(minutes=1)):
            Order._cron_preorder_collect_balances()
        self.assertEqual(order.preorder_balance_state, "paid")
        self.assertEqual(
            len(order.transaction_ids.filtered(lambda tx: tx.operation == "offline")), 2
        )
        self.assertTrue(self._validate(picking))

    def test_final_action_cancels_and_refunds_the_deposit(self):
        self.company.write(
            {
                "preorder_balance_attempts": 1,
                "preorder_balance_final_days": 3,
                "preorder_balance_final_action": "cancel",
            }
        )
        order = self._paid_deposit(card_state="error")
        self._release(order)
        self.assertFalse(order.preorder_balance_retry_at, "no attempt left")
        with freeze_time(order.preorder_balance_failed_at + timedelta(days=3, minutes=1)):
            self.env["sale.order"]._cron_preorder_collect_balances()
        self.assertEqual(order.state, "cancel")
        deposit = order.transaction_ids.filtered(lambda tx: tx.operation != "offline")[:1]
        refund = deposit.child_transaction_ids.filtered(lambda tx: tx.operation == "refund")
        self.assertEqual((refund.amount, refund.state), (-50.0, "done"), "the deposit goes back")
        self.assertFalse(order._preorder_balance_invoices(), "the balance invoice is credited")

    def test_final_action_keeps_the_order_with_a_to_do_by_default(self):
        self.company.write({"preorder_balance_attempts": 1, "preorder_balance_final_days": 3})
        order = self._paid_deposit(card_state="error")
        self._release(order)
        with freeze_time(order.preorder_balance_failed_at + timedelta(days=3, minutes=1)):
            self.env["sale.order"]._cron_preorder_collect_balances()
        self.assertEqual(order.state, "sale")
        self.assertTrue(order.activity_ids.filtered(lambda a: a.summary == "Balance overdue"))

    def test_upcoming_charge_is_announced_once(self):
        order = self._paid_deposit()
        line = order.order_line.filtered(lambda sol: sol.preorder_kind == "national")
        Order = self.env["sale.order"]

        def notices():
            return self.env["mail.mail"].search(
                [("model", "=", "sale.order"), ("res_id", "=", order.id),
                 ("subject", "ilike", "will be charged soon")]
            )  # fmt: skip

        Order._cron_preorder_collect_balances()
        self.assertFalse(notices(), "10 days ahead")
        with freeze_time(line.promise_date - timedelta(days=3)):
            Order._cron_preorder_collect_balances()
            Order._cron_preorder_collect_balances()
        self.assertEqual(len(notices()), 1, "once")
        self.assertTrue(order.preorder_balance_noticed)
        self.assertIn("/my/payment_method", notices().body_html)

    def test_balance_settings_refuse_nonsense(self):
        for values in (
            {"preorder_balance_attempts": 0},
            {"preorder_balance_retry_days": -1},
            {"preorder_balance_final_days": -2},
        ):
            with self.subTest(values=values), self.assertRaises(ValidationError):
                self.env["res.config.settings"].create(values).execute()
        self.assertEqual(self.company.preorder_balance_attempts, 3, "nothing changed")

    def test_bad_order_ids_and_strangers_are_refused_cleanly(self):
        """A payment link's parameter that is no order id keeps Odoo's rule (no
        traceback); the e-mails' helpers are refused to a user who cannot read
        the order (the link carries an access token)."""
        for value in ("abc", "", None, -3, 10**9):
            with self.subTest(value=value):
                self.assertFalse(self.demo._is_tokenization_required(sale_order_id=value))
        order = self._paid_deposit()
        stranger = new_test_user(self.env, "balance_stranger", groups="base.group_portal")
        with self.assertRaises(AccessError):
            order.with_user(stranger).preorder_balance_payment_url()
        with self.assertRaises(AccessError):
            order.with_user(stranger).preorder_balance_amount()
        self.assertIn("/my/orders/", order.preorder_balance_payment_url(), "no invoice yet")
