from odoo.tests import HttpCase, new_test_user, tagged

from .common import PreorderCase


@tagged("post_install", "-at_install")
class TestCheckoutTours(HttpCase, PreorderCase):
    """Odoo's whole checkout in headless Chromium, with the pricelists a shop has."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env["website"].search([("company_id", "=", cls.company.id)], limit=1)
        Pricelist = cls.env["product.pricelist"]
        Pricelist.search([("website_id", "=", cls.website.id)]).write({"website_id": False})
        cls.pl_public = Pricelist.create(
            {"name": "Tour Public", "website_id": cls.website.id, "selectable": True,
             "sequence": 1}
        )  # fmt: skip
        cls.pl_ten_off = Pricelist.create(
            {
                "name": "Tour Ten Off",
                "website_id": cls.website.id,
                "selectable": True,
                "sequence": 5,
                "item_ids": [(0, 0, {"compute_price": "percentage", "percent_price": 10})],
            }
        )
        cls.pl_presale = Pricelist.create({"name": "Tour Pre-sale", "website_id": False})
        cls.company.write(
            {"presale_pricelist_id": cls.pl_presale.id, "presale_cash_payment_percent": 30.0}
        )
        untaxed = {"is_published": True, "taxes_id": [(6, 0, [])]}
        cls.boots = cls._create_product("Tour Presale Boots", "TOUR-BOOTS", **untaxed)
        cls.mug = cls._create_product("Tour Stock Mug", "TOUR-MUG", **untaxed)
        cls.clock = cls._create_product(
            "Tour Preorder Clock", "TOUR-CLOCK", allow_out_of_stock_order=False, **untaxed
        )
        cls.lamp = cls._create_product("Tour Config Lamp", "TOUR-LAMP", **untaxed)
        cls.bulb = cls._create_product("Tour Lamp Bulb", "TOUR-BULB", **untaxed)
        cls.lamp.optional_product_ids = cls.bulb.product_tmpl_id
        cls._set_stock(cls.mug, 10)
        cls._set_stock(cls.bulb, 10)
        cls._create_request("presale", [(cls.boots, 6, 10)], confirm=True)
        cls._create_request("national", [(cls.clock, 5, 10), (cls.lamp, 5, 10)])
        cls.env["product.pricelist"]._preorder_update_presale_prices(cls.boots)
        delivery_product = cls.env["product.product"].create(
            {"name": "Tour Delivery", "type": "service", "taxes_id": [(6, 0, [])]}
        )
        cls.env["delivery.carrier"].search([]).write({"is_published": False})
        cls.env["delivery.carrier"].create(
            {
                "name": "Tour Free Delivery",
                "product_id": delivery_product.id,
                "delivery_type": "fixed",
                "fixed_price": 0.0,
                "is_published": True,
            }
        )

    @classmethod
    def _publish_demo_provider(cls):
        """Odoo's demo payment provider (payment_demo, installed with the test
        database), the only one offered."""
        demo = cls.env.ref("payment.payment_provider_demo")
        cls.env["payment.provider"].search([("id", "!=", demo.id)]).write({"state": "disabled"})
        demo.write({"state": "test", "is_published": True, "company_id": cls.company.id})

    def _portal_shopper(self, login, name):
        """A portal user (password = login) with a Belgian address: checkout
        goes straight to the payment page."""
        shopper = new_test_user(
            self.env, login, password=login, groups="base.group_portal", name=name,
            email=f"{login}@example.com",
        )  # fmt: skip
        shopper.partner_id.write(
            {"street": "2 Tour Street", "city": "Brussels", "zip": "1000", "phone": "123456",
             "country_id": self.env.ref("base.be").id}
        )  # fmt: skip
        return shopper

    def _last_cart(self):
        return self.env["sale.order"].search(
            [("website_id", "=", self.website.id)], order="id desc", limit=1
        )

    def _prices(self, order):
        return {
            (line.product_id, line.preorder_kind): line.price_unit
            for line in order.order_line
            if not line.is_delivery
        }

    def test_tour_guest_checkout_keeps_the_presale_price(self):
        self.start_tour("/shop", "website_preorder_guest_presale_checkout")
        order = self._last_cart()
        self.assertNotEqual(order.partner_id, self.website.user_id.partner_id, "address entered")
        self.assertEqual(order.pricelist_id, self.pl_presale)
        self.assertEqual(self._prices(order), {(self.boots, "presale"): 70.0})

    def test_tour_logged_in_shopper_with_own_pricelist(self):
        shopper = new_test_user(
            self.env, "tour_shopper", password="tour_shopper", groups="base.group_portal",
            name="Tour Shopper", email="tour.shopper@example.com",
        )  # fmt: skip
        shopper.partner_id.write(
            {
                "street": "1 Tour Street",
                "city": "Brussels",
                "zip": "1000",
                "phone": "123456",
                "country_id": self.env.ref("base.be").id,
                "property_product_pricelist": self.pl_ten_off.id,
            }
        )
        self.start_tour("/shop", "website_preorder_shopper_pricelist_checkout",
                        login="tour_shopper")  # fmt: skip
        order = self._last_cart()
        self.assertEqual(order.partner_id, shopper.partner_id)
        self.assertEqual((order.pricelist_id, order.preorder_base_pricelist_id),
                         (self.pl_presale, self.pl_ten_off))  # fmt: skip
        self.assertEqual(
            self._prices(order), {(self.boots, "presale"): 70.0, (self.mug, "stock"): 90.0}
        )

    def test_tour_pricelist_switch_with_a_presale_line(self):
        self.start_tour("/shop", "website_preorder_pricelist_switch")
        order = self._last_cart()
        self.assertEqual((order.pricelist_id, order.preorder_base_pricelist_id),
                         (self.pl_presale, self.pl_ten_off))  # fmt: skip
        self.assertEqual(
            self._prices(order), {(self.boots, "presale"): 70.0, (self.mug, "stock"): 90.0}
        )

    def test_tour_configurator_product_as_preorder(self):
        self.start_tour("/shop", "website_preorder_configurator_preorder")
        order = self._last_cart()
        lamp = order.order_line.filtered(lambda line: line.product_id == self.lamp)
        bulb = order.order_line.filtered(lambda line: line.product_id == self.bulb)
        self.assertEqual(lamp.preorder_kind, "national", "the kind survived the configurator")
        self.assertEqual((bulb.preorder_kind, bulb.linked_line_id), ("stock", lamp))

    def test_tour_increase_a_preorder_line_on_the_cart_page(self):
        self.start_tour("/shop", "website_preorder_cart_increase")
        order = self._last_cart()
        line = order.order_line.filtered(lambda line: line.product_id == self.clock)
        self.assertEqual((line.preorder_kind, line.product_uom_qty), ("national", 2))

    def test_tour_shipping_choice_then_demo_payment(self):
        """The shopper picks "Ship everything together" on the payment page, pays
        with Odoo's demo provider; the order is confirmed with that picking policy
        and the confirmation page, the portal and the e-mail tell it."""
        self._publish_demo_provider()
        shopper = self._portal_shopper("tour_shipper", "Tour Shipper")
        self.start_tour("/shop", "website_preorder_shipping_choice", login="tour_shipper")
        order = self._last_cart()
        self.assertEqual(order.partner_id, shopper.partner_id)
        self.assertEqual(order.state, "sale", "paid in full with the demo provider")
        self.assertEqual(order.picking_policy, "one")
        self.assertEqual(order.picking_ids.move_type, "one", "one delivery when all is ready")
        mail = self.env["mail.mail"].search(
            [("model", "=", "sale.order"), ("res_id", "=", order.id)]
        )
        self.assertIn("Ship everything together", "".join(mail.mapped("body_html")))
        portal = self.url_open(order.get_portal_url()).text
        self.assertIn("Ship everything together", portal)

    def test_order_pdf_is_rendered_by_wkhtmltopdf(self):
        """The confirmation e-mail a payment sends (synchronously, Odoo's
        default) attaches the order's PDF: wkhtmltopdf must be installed and
        work (tools/setup.sh installs it). Odoo's test mode renders reports as
        HTML, so the PDF is forced here."""
        order = self._create_sale([(self.clock, 1, "national")])
        Report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        self.assertEqual(Report.get_wkhtmltopdf_state(), "ok", "wkhtmltopdf is installed")
        pdf, kind = Report._render_qweb_pdf("sale.action_report_saleorder", order.ids)
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"), "a real PDF, made by wkhtmltopdf")

    def test_tour_deposit_paid_with_the_demo_provider(self):
        """With a 30 % pre-order deposit the shopper pays 30 % of the pre-order
        and all of the stock item, the card saved for the balance; the payment
        confirms the order and is invoiced as a down payment, paid."""
        self._publish_demo_provider()
        self.env.ref("payment.payment_provider_demo").allow_tokenization = True
        self.company.preorder_deposit_national = 30.0
        shopper = self._portal_shopper("tour_depositor", "Tour Depositor")
        self.start_tour("/shop", "website_preorder_deposit", login="tour_depositor")
        order = self._last_cart()
        token = order.preorder_balance_token_id
        self.assertTrue(token, "the card is saved with the deposit, for the balance")
        self.assertEqual(token.partner_id, shopper.partner_id)
        self.assertEqual(order.partner_id, shopper.partner_id)
        self.assertEqual(order.state, "sale", "the deposit confirms the order")
        self.assertEqual(
            order.transaction_ids.filtered(lambda tx: tx.state == "done").amount, 130.0
        )
        self.assertEqual((order.require_payment, order.prepayment_percent), (True, 0.65))
        self.assertEqual(order.preorder_deposit, "due")
        down_payment = order.invoice_ids
        self.assertEqual(len(down_payment), 1)
        self.assertEqual((down_payment.state, down_payment.amount_total), ("posted", 130.0))
        self.assertIn(down_payment.payment_state, ("paid", "in_payment"))
        clock = order.order_line.filtered(lambda line: line.product_id == self.clock)
        self.assertEqual(clock.preorder_state, "allocated")
