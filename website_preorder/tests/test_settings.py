from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import PreorderCase


@tagged("post_install", "-at_install")
class TestSettings(PreorderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Pricelist = cls.env["product.pricelist"]
        cls.pl_presale = Pricelist.create({"name": "Pre-sale"})
        cls.pl_excluded = Pricelist.create({"name": "Excluded"})
        cls.pl_international = Pricelist.create({"name": "International"})
        cls.pl_cash = Pricelist.create({"name": "Cash Next Day"})
        cls.pl_credit = Pricelist.create({"name": "Credit Next Day"})
        cls.activity_user = cls.env["res.users"].create(
            {"name": "Activity User", "login": "preorder_activity_user"}
        )

    def _save_settings(self, **values):
        settings = self.env["res.config.settings"].create(values)
        settings.execute()
        return settings

    def test_every_setting_is_stored_on_the_company(self):
        values = {
            "preorder_enabled": False,
            "presale_enabled": False,
            "preorder_warehouse_mode": "several",
            "preorder_warehouse_ids": [(6, 0, (self.wh1 | self.wh2).ids)],
            "presale_pricelist_id": self.pl_presale.id,
            "preorder_excluded_pricelist_id": self.pl_excluded.id,
            "presale_cash_payment_percent": 12.5,
            "presale_qty_multiplier": 1.75,
            "presale_min_qty": 3.0,
            "presale_days": 45,
            "international_pricelist_id": self.pl_international.id,
            "next_day_cash_pricelist_id": self.pl_cash.id,
            "next_day_credit_pricelist_id": self.pl_credit.id,
            "preorder_config_qty": 20.0,
            "preorder_activity_user_id": self.activity_user.id,
            "presale_message": "Pre-sale message",
            "international_preorder_message": "International message",
            "preorder_cancel_enabled": True,
            "preorder_cancel_hours": 48.0,
        }
        self._save_settings(**values)
        company = self.company
        self.assertFalse(company.preorder_enabled)
        self.assertFalse(company.presale_enabled)
        self.assertEqual(company.preorder_warehouse_mode, "several")
        self.assertEqual(company.preorder_warehouse_ids, self.wh1 | self.wh2)
        self.assertEqual(company.presale_pricelist_id, self.pl_presale)
        self.assertEqual(company.preorder_excluded_pricelist_id, self.pl_excluded)
        self.assertEqual(company.presale_cash_payment_percent, 12.5)
        self.assertEqual(company.presale_qty_multiplier, 1.75)
        self.assertEqual(company.presale_min_qty, 3.0)
        self.assertEqual(company.presale_days, 45)
        self.assertEqual(company.international_pricelist_id, self.pl_international)
        self.assertEqual(company.next_day_cash_pricelist_id, self.pl_cash)
        self.assertEqual(company.next_day_credit_pricelist_id, self.pl_credit)
        self.assertEqual(company.preorder_config_qty, 20.0)
        self.assertEqual(company.preorder_activity_user_id, self.activity_user)
        self.assertEqual(company.presale_message, "Pre-sale message")
        self.assertEqual(company.international_preorder_message, "International message")
        self.assertTrue(company.preorder_cancel_enabled)
        self.assertEqual(company.preorder_cancel_hours, 48.0)
        # and read back into a new settings form
        settings = self.env["res.config.settings"].create({})
        for name, value in values.items():
            if name == "preorder_warehouse_ids":
                self.assertEqual(settings[name], self.wh1 | self.wh2)
            elif name.endswith("_id"):
                self.assertEqual(settings[name].id, value, name)
            else:
                self.assertEqual(settings[name], value, name)

    def test_specific_warehouse(self):
        self._save_settings(preorder_warehouse_mode="specific", preorder_warehouse_id=self.wh2.id)
        self.assertEqual(self.company._get_preorder_warehouses(), self.wh2)
        self._save_settings(preorder_warehouse_mode="all")
        self.assertIn(self.wh1, self.company._get_preorder_warehouses())
        self.assertIn(self.wh2, self.company._get_preorder_warehouses())

    def test_bad_values_are_refused(self):
        bad = [
            ({"presale_qty_multiplier": -0.5}, "Multiplier cannot be negative"),
            ({"presale_days": -1}, "Days for Calculation cannot be negative"),
            ({"presale_cash_payment_percent": -1}, "between 0 and 100"),
            ({"presale_cash_payment_percent": 100.5}, "between 0 and 100"),
            ({"preorder_cancel_hours": -2}, "cannot be negative"),
            ({"presale_min_qty": -1}, "cannot be negative"),
            ({"preorder_config_qty": -1}, "cannot be negative"),
            ({"preorder_warehouse_mode": "specific", "preorder_warehouse_id": False}, "Specific"),
            ({"preorder_warehouse_mode": "several", "preorder_warehouse_ids": [(5,)]}, "Several"),
            (
                {
                    "presale_pricelist_id": self.pl_presale.id,
                    "preorder_excluded_pricelist_id": self.pl_presale.id,
                },
                "cannot also be the Pre-sale Pricelist",
            ),
        ]
        before = self.company.read(list(bad[0][0]) + ["presale_days", "preorder_warehouse_mode"])
        for values, message in bad:
            with (
                self.subTest(values=values),
                self.assertRaisesRegex(ValidationError, message),
                self.env.cr.savepoint(),
            ):
                self._save_settings(**values)
        self.company.invalidate_recordset()
        after = self.company.read(list(bad[0][0]) + ["presale_days", "preorder_warehouse_mode"])
        self.assertEqual(before, after, "nothing changed")

    def test_boundaries_are_accepted(self):
        self._save_settings(
            presale_qty_multiplier=0.0,
            presale_days=0,
            presale_cash_payment_percent=100.0,
            preorder_cancel_hours=0.0,
        )
        self.assertEqual(self.company.presale_cash_payment_percent, 100.0)

    def test_product_settings(self):
        template = self.product.product_tmpl_id
        template.write(
            {
                "next_day_shipping": True,
                "preorder_min_qty": 2.0,
                "exclusivity_min_qty": 10.0,
                "delivery_estimated_time": "6 to 8 weeks",
            }
        )
        self.assertTrue(self.product.next_day_shipping)
        self.assertEqual(self.product.preorder_min_qty, 2.0)
        self.assertEqual(self.product.exclusivity_min_qty, 10.0)
        self.assertEqual(self.product.delivery_estimated_time, "6 to 8 weeks")
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            template.preorder_min_qty = -1
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            template.exclusivity_min_qty = -1
