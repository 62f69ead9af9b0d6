import json
from datetime import datetime, time, timedelta

from odoo import fields
from odoo.tests import TransactionCase


def json_call(case, url, **params):
    """Call a website JSON route as the page's JavaScript does (an HttpCase's
    session); the decoded answer, ``result`` or ``error``."""
    payload = {"jsonrpc": "2.0", "method": "call", "params": params}
    response = case.url_open(
        url, data=json.dumps(payload), headers={"Content-Type": "application/json"}
    )
    return response.json()


class PreorderCase(TransactionCase):
    """Fixtures built in setUpClass, with no demo data: two warehouses, a
    vendor, products and helpers for requests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.company.write(
            {
                "preorder_enabled": True,
                "presale_enabled": True,
                "preorder_warehouse_mode": "all",
                "presale_qty_multiplier": 1.0,
                "presale_min_qty": 0.0,
                "presale_days": 0,
                "presale_cash_payment_percent": 0.0,
            }
        )
        Warehouse = cls.env["stock.warehouse"]
        cls.wh1 = Warehouse.search([("company_id", "=", cls.company.id)], limit=1)
        cls.wh2 = Warehouse.create({"name": "Preorder Second WH", "code": "PWH2"})
        cls.vendor = cls.env["res.partner"].create({"name": "Preorder Vendor"})
        cls.product = cls._create_product("Pre-order Gadget", "PRE-GADGET")
        cls.product_b = cls._create_product("Pre-order Widget", "PRE-WIDGET")
        cls.today = fields.Date.context_today(cls.env["product.product"])
        cls.customer = cls.env["res.partner"].create(
            {"name": "Preorder Customer", "email": "customer@example.com"}
        )
        cls.customer_b = cls.env["res.partner"].create(
            {"name": "Second Customer", "email": "second@example.com"}
        )

    @classmethod
    def _create_product(cls, name, code, **vals):
        return cls.env["product.product"].create(
            {
                "name": name,
                "default_code": code,
                "type": "consu",
                "is_storable": True,
                "list_price": 100.0,
                "standard_price": 50.0,
                **vals,
            }
        )

    @classmethod
    def _arrival(cls, days):
        return datetime.combine(fields.Date.today() + timedelta(days=days), time(12, 0))

    @classmethod
    def _create_request(cls, kind, lines, warehouse=None, confirm=False, **vals):
        """``lines``: (product, quantity, days until Expected Arrival[, uom])."""
        order_vals = {"partner_id": cls.vendor.id, "preorder_kind": kind, **vals}
        if warehouse:
            order_vals["picking_type_id"] = warehouse.in_type_id.id
        line_vals = []
        for product, qty, days, *uom in lines:
            values = {
                "product_id": product.id,
                "product_qty": qty,
                "price_unit": 10.0,
                "date_planned": cls._arrival(days),
            }
            if uom:
                values["product_uom"] = uom[0].id
            line_vals.append((0, 0, values))
        order_vals["order_line"] = line_vals
        request = cls.env["purchase.order"].create(order_vals)
        if confirm:
            request.button_confirm()
        return request

    @classmethod
    def _create_sale(cls, lines, partner=None, confirm=True, **vals):
        """``lines``: (product, quantity, kind[, uom]). Confirmed unless told not to."""
        line_vals = []
        for product, qty, kind, *uom in lines:
            values = {"product_id": product.id, "product_uom_qty": qty, "preorder_kind": kind}
            if uom:
                values["product_uom"] = uom[0].id
            line_vals.append((0, 0, values))
        order = cls.env["sale.order"].create(
            {"partner_id": (partner or cls.customer).id, "order_line": line_vals, **vals}
        )
        if confirm:
            order.action_confirm()
        return order

    @classmethod
    def _set_stock(cls, product, quantity, warehouse=None):
        location = (warehouse or cls.wh1).lot_stock_id
        cls.env["stock.quant"]._update_available_quantity(product, location, quantity)

    def _availability(self, product=None):
        product = product or self.product
        return product._get_preorder_availability()[product.id]

    def _receive(self, request, quantities):
        """Receive ``{product: qty}`` of a confirmed request, leaving a backorder."""
        picking = request.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        left = dict(quantities)
        for move in picking.move_ids:
            # a raised request quantity adds a second move of the product: fill in turn
            move.quantity = min(left.get(move.product_id, 0.0), move.product_uom_qty)
            left[move.product_id] = left.get(move.product_id, 0.0) - move.quantity
        result = picking.with_context(cancel_backorder=False).button_validate()
        if isinstance(result, dict) and result.get("res_model"):
            wizard = self.env[result["res_model"]].with_context(**result["context"]).create({})
            wizard.process()
        return picking

    def _run_release(self):
        """Run the release job the way the cron runner does: batch after batch."""
        Job = self.env["preorder.allocation"]
        totals = {"released": 0, "failed": 0}
        for _i in range(20):
            counts = Job._cron_release_preorders()
            for key in totals:
                totals[key] += counts.get(key, 0)
            if not counts.get("remaining"):
                break
        return totals


class ShopPaymentMixin:
    """Paying as the shop does, with Odoo's demo provider (payment_demo,
    installed with the test database): for HttpCase + PreorderCase classes."""

    @classmethod
    def _setup_shop_payment(cls, **provider_values):
        """The company's website, the demo provider published in test mode, a
        free delivery method."""
        cls.website = cls.env["website"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.demo = cls.env.ref("payment.payment_provider_demo")
        cls.demo.write(
            {"state": "test", "is_published": True, "company_id": cls.company.id, **provider_values}
        )
        cls.demo_method = cls.env.ref("payment_demo.payment_method_demo")
        cls.carrier = cls.env["delivery.carrier"].create(
            {
                "name": "Test Free Delivery",
                "product_id": cls.env["product.product"]
                .create({"name": "Delivery", "type": "service"})
                .id,
                "delivery_type": "fixed",
                "fixed_price": 0.0,
            }
        )

    def _website_cart(self, lines, partner=None):
        """A website cart of ``lines`` ((product, quantity, kind)) with its
        delivery method, ready to be paid."""
        order = self._create_sale(lines, partner=partner, confirm=False, website_id=self.website.id)
        order.set_delivery_line(self.carrier, 0.0)
        order._portal_ensure_token()
        return order

    def _pay_online(self, order, amount=None, portal=False):
        """The payment form's call, as the shopper's browser makes it (the
        shop's checkout, or with ``portal`` the order's portal page); the
        decoded JSON-RPC answer."""
        return json_call(
            self,
            f"/my/orders/{order.id}/transaction"
            if portal
            else f"/shop/payment/transaction/{order.id}",
            access_token=order.access_token,
            provider_id=self.demo.id,
            payment_method_id=self.demo_method.id,
            token_id=None,
            amount=order.amount_total if amount is None else amount,
            flow="direct",
            tokenization_requested=False,
            landing_route=order.get_portal_url() if portal else "/shop/payment/validate",
            is_validation=False,
        )

    def _payment_done(self, order):
        """The demo provider confirms the order's payment; Odoo post-processes it."""
        tx = order.transaction_ids
        tx._set_done()
        tx._post_process()
        return tx

    def _paid_by_demo(self, order):
        """A done demo payment of the whole of a confirmed ``order``."""
        return self.env["payment.transaction"].create(
            {
                "provider_id": self.demo.id,
                "payment_method_id": self.demo_method.id,
                "amount": order.amount_total,
                "currency_id": order.currency_id.id,
                "partner_id": order.partner_id.id,
                "sale_order_ids": [(6, 0, order.ids)],
                "state": "done",
            }
        )
