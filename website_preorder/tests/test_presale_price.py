from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..hooks import uninstall_hook
from .common import PreorderCase


@tagged("post_install", "-at_install")
class TestPresalePrice(PreorderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pricelist = cls.env["product.pricelist"].create({"name": "Pre-sale Prices"})
        cls.company.write(
            {"presale_pricelist_id": cls.pricelist.id, "presale_cash_payment_percent": 15.0}
        )
        cls.product.lst_price = 200.0
        cls.product_b.lst_price = 80.0
        cls.request = cls._create_request(
            "presale", [(cls.product, 10, 10), (cls.product_b, 5, 10)], confirm=True
        )

    def _rules(self, product=None, managed=True):
        domain = [("pricelist_id", "=", self.pricelist.id)]
        if managed is not None:
            domain.append(("preorder_managed", "=", managed))
        if product:
            domain.append(("product_id", "=", product.id))
        return self.env["product.pricelist.item"].search(domain)

    def test_button_writes_fixed_price_rules(self):
        self.request.action_compute_presale_prices()
        rule = self._rules(self.product)
        self.assertEqual(len(rule), 1)
        self.assertEqual(rule.applied_on, "0_product_variant")
        self.assertEqual(rule.compute_price, "fixed")
        self.assertEqual(rule.fixed_price, 170.0, "200 × (1 − 15 %)")
        self.assertEqual(self._rules(self.product_b).fixed_price, 68.0)
        self.assertEqual(
            self.pricelist._get_product_price(self.product, 1.0), 170.0, "the pricelist applies it"
        )

    def test_uninstall_removes_the_rules_it_wrote_and_keeps_the_others(self):
        self.request.action_compute_presale_prices()
        manual = self.env["product.pricelist.item"].create(
            {
                "pricelist_id": self.pricelist.id,
                "applied_on": "3_global",
                "compute_price": "percentage",
                "percent_price": 5,
            }
        )
        self.env["ir.config_parameter"]._preorder_set_job_cursor(
            "website_preorder.presale_price_cursor", "3:4"
        )
        self.assertEqual(len(self._rules()), 2)
        uninstall_hook(self.env)
        self.assertFalse(self._rules(), "the addon's rules are gone")
        self.assertTrue(manual.exists(), "a rule written by hand stays")
        self.assertFalse(
            self.env["ir.config_parameter"].search([("key", "=like", "website_preorder.%")])
        )

    def test_idempotent_and_follows_price_changes(self):
        self.request.action_compute_presale_prices()
        rules = self._rules()
        self.request.action_compute_presale_prices()
        self.assertEqual(self._rules(), rules, "a second run writes nothing new")
        self.product.lst_price = 100.0
        self.request.action_compute_presale_prices()
        self.assertEqual(self._rules(), rules, "same rules, updated")
        self.assertEqual(self._rules(self.product).fixed_price, 85.0)

    def test_stale_rules_removed_manual_kept(self):
        self.request.action_compute_presale_prices()
        manual = self.env["product.pricelist.item"].create(
            {
                "pricelist_id": self.pricelist.id,
                "applied_on": "0_product_variant",
                "product_id": self.product_b.id,
                "compute_price": "fixed",
                "fixed_price": 1.0,
            }
        )
        template_rule = self.env["product.pricelist.item"].create(
            {
                "pricelist_id": self.pricelist.id,
                "applied_on": "1_product",
                "product_tmpl_id": self.product.product_tmpl_id.id,
                "compute_price": "fixed",
                "fixed_price": 2.0,
            }
        )
        # product leaves pre-sale: its request line is fully received
        self._receive(self.request, {self.product: 10})
        counts = self.env["product.pricelist"]._cron_update_presale_prices()
        self.assertFalse(self._rules(self.product), "stale rule removed")
        self.assertFalse(self._rules(self.product_b), "ours goes beside a hand-written rule")
        self.assertTrue(manual.exists(), "hand-written rules are never touched")
        self.assertEqual(manual.fixed_price, 1.0)
        self.assertTrue(template_rule.exists())
        self.assertEqual(counts["removed"], 2)
        self.assertEqual(counts["failed_companies"], 0)

    def test_cron_creates_and_is_idempotent(self):
        counts = self.env["product.pricelist"]._cron_update_presale_prices()
        self.assertEqual((counts["created"], counts["updated"], counts["removed"]), (2, 0, 0))
        counts = self.env["product.pricelist"]._cron_update_presale_prices()
        self.assertEqual((counts["created"], counts["updated"], counts["removed"]), (0, 0, 0))
        cron = self.env.ref("website_preorder.ir_cron_presale_price_update")
        self.assertEqual(cron.code.strip(), "model._cron_update_presale_prices()")

    def test_cron_in_committed_batches_resumes_where_it_stopped(self):
        Pricelist = self.env["product.pricelist"]
        cron = self.env.ref("website_preorder.ir_cron_presale_price_update")
        cron, progress = cron._add_progress()
        first = Pricelist.with_context(**cron.env.context)._cron_update_presale_prices(batch_size=1)
        self.assertEqual((first["created"], first["remaining"]), (1, 1))
        self.assertEqual((progress.done, progress.remaining), (1, 1), "cron progress API")
        with (
            patch.object(
                type(Pricelist), "_preorder_update_presale_prices", side_effect=SystemExit
            ),
            self.assertRaises(SystemExit),
            self.env.cr.savepoint(),
        ):
            Pricelist._cron_update_presale_prices(batch_size=1)  # killed: nothing written
        second = Pricelist._cron_update_presale_prices(batch_size=1)
        self.assertEqual((second["created"], second["remaining"]), (1, 0), "resumed, not redone")
        self.assertTrue(self._rules(self.product) and self._rules(self.product_b))
        again = Pricelist._cron_update_presale_prices(batch_size=5)
        self.assertEqual((again["created"], again["updated"], again["remaining"]), (0, 0, 0))

    def test_presale_disabled_removes_rules(self):
        self.request.action_compute_presale_prices()
        self.company.presale_enabled = False
        self.env["product.pricelist"]._cron_update_presale_prices()
        self.assertFalse(self._rules(), "nothing is on pre-sale any more")

    def test_without_pricelist_clear_message(self):
        self.company.presale_pricelist_id = False
        with self.assertRaisesRegex(UserError, "Set a Pre-sale Pricelist"):
            self.request.action_compute_presale_prices()
        self.assertEqual(
            self.env["product.pricelist"]._cron_update_presale_prices()["created"],
            0,
            "the cron skips companies without a pre-sale pricelist",
        )

    def test_pricelist_currency(self):
        other = self.env["res.currency"].search(
            [("id", "!=", self.company.currency_id.id), ("active", "in", [True, False])], limit=1
        )
        other.active = True
        self.env["res.currency.rate"].create(
            {"currency_id": other.id, "rate": 2.0, "company_id": self.company.id}
        )
        self.pricelist.currency_id = other
        self.request.action_compute_presale_prices()
        self.assertAlmostEqual(self._rules(self.product).fixed_price, 340.0)
