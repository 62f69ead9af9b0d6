from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import PreorderCase


@tagged("post_install", "-at_install")
class TestCatalog(PreorderCase):
    def _refresh(self):
        counts = self.env["product.product"]._cron_refresh_preorder_catalog()
        self.product.invalidate_recordset()
        self.product_b.invalidate_recordset()
        return counts

    def _flags(self, product=None):
        product = product or self.product
        return (
            product.preorder_national_listed,
            product.preorder_international_listed,
            product.presale_listed,
        )

    def test_lists_each_kind(self):
        self._create_request("national", [(self.product, 5, 10)])
        self._create_request("international", [(self.product, 5, 10)])
        self._create_request("presale", [(self.product_b, 5, 10)], confirm=True)
        counts = self._refresh()
        self.assertEqual(self._flags(), (True, True, False))
        self.assertEqual(self._flags(self.product_b), (False, False, True))
        self.assertEqual(counts["changed"], 2)
        self.assertEqual(self._refresh()["changed"], 0, "nothing to change the second time")

    def test_unlisted_when_quantity_taken(self):
        self._create_request("national", [(self.product, 2, 10)])
        self._refresh()
        self._create_sale([(self.product, 2, "national")])
        self._refresh()
        self.assertEqual(self._flags(), (False, False, False))

    def test_unlisted_when_request_cancelled_not_when_locked(self):
        cancelled = self._create_request("national", [(self.product, 2, 10)])
        locked = self._create_request("international", [(self.product, 2, 10)], confirm=True)
        self._refresh()
        self.assertEqual(self._flags(), (True, True, False))
        cancelled.button_cancel()
        locked.button_done()  # Lock: still open until received (SPEC §2)
        self._refresh()
        self.assertEqual(self._flags(), (False, True, False))
        self._receive(locked, {self.product: 2})  # fully received: finished
        self._refresh()
        self.assertEqual(self._flags(), (False, False, False))

    def test_unlisted_when_received(self):
        request = self._create_request("national", [(self.product, 2, 10)], confirm=True)
        self._refresh()
        self._receive(request, {self.product: 2})
        self._refresh()
        self.assertFalse(self.product.preorder_national_listed)

    def test_unlisted_when_arrival_passed(self):
        self._create_request("national", [(self.product, 2, 3)])
        self._refresh()
        self.assertTrue(self.product.preorder_national_listed)
        with freeze_time(self.today + timedelta(days=4)):
            self._refresh()
        self.assertFalse(self.product.preorder_national_listed)

    def test_kind_disabled(self):
        self._create_request("national", [(self.product, 2, 10)])
        self.company.preorder_enabled = False
        self._refresh()
        self.assertFalse(self.product.preorder_national_listed)

    def test_only_out_of_stock_setting(self):
        self._create_request("national", [(self.product, 2, 10)])
        self._set_stock(self.product, 1)
        self._refresh()
        self.assertTrue(self.product.preorder_national_listed, "setting off")
        self.company.preorder_only_out_of_stock = True
        self._refresh()
        self.assertFalse(self.product.preorder_national_listed, "in stock: no pre-order")

    def _changes(self, product=None):
        return [
            (change.kind, change.listed, change.reason)
            for change in self.env["preorder.listing.change"]
            .search([("product_id", "=", (product or self.product).id)])
            .sorted("id")
        ]

    def test_each_listing_change_is_recorded_with_its_reason(self):
        self._create_request("national", [(self.product, 2, 10)])
        self._create_request("presale", [(self.product, 2, 10)], confirm=True)
        self._refresh()
        self.assertEqual(
            self._changes(), [("national", True, "offered"), ("presale", True, "offered")]
        )
        self._refresh()
        self.assertEqual(len(self._changes()), 2, "nothing changed, nothing recorded")
        # in stock while pre-orders are offered only out of stock: held back
        self.company.preorder_only_out_of_stock = True
        self._set_stock(self.product, 1)
        self._refresh()
        self.assertEqual(self._changes()[2:], [("national", False, "in_stock")])
        # the pre-sale quantity taken: nothing left
        self._create_sale([(self.product, 2, "presale")])
        self._refresh()
        self.assertEqual(self._changes()[3:], [("presale", False, "nothing")])
        change = self.env["preorder.listing.change"].search([], limit=1)
        self.assertTrue(change.changed_at)
        self.assertEqual(change.company_id, self.product.company_id)

    def test_listing_changes_are_read_by_purchase_users_only(self):
        self._create_request("national", [(self.product, 2, 10)])
        self._refresh()
        Change = self.env["preorder.listing.change"]
        buyer = new_test_user(self.env, "listing_buyer", groups="purchase.group_purchase_user")
        self.assertEqual(len(Change.with_user(buyer).search([])), 1)
        for groups in ("sales_team.group_sale_salesman", "base.group_portal"):
            user = new_test_user(self.env, f"listing_{groups[:6]}", groups=groups)
            with self.subTest(groups=groups), self.assertRaises(AccessError):
                Change.with_user(user).search([])
        with self.assertRaises(AccessError):
            Change.with_user(buyer).create(
                {"product_id": self.product.id, "kind": "national", "reason": "offered"}
            )

    def test_failing_record_is_isolated(self):
        self._create_request("national", [(self.product, 2, 10), (self.product_b, 2, 10)])
        Catalog = type(self.env["product.product"])
        original = Catalog._preorder_refresh_listing
        product_b_id = self.product_b.id

        def flaky(self, companies):
            if product_b_id in self.ids:
                raise ValueError("boom")
            return original(self, companies)

        with (
            patch.object(Catalog, "_preorder_refresh_listing", flaky),
            self.assertLogs("odoo.addons.website_preorder.models.product_product", level="ERROR"),
        ):
            counts = self._refresh()
        self.assertEqual(counts["failed"], 1)
        self.assertTrue(self.product.preorder_national_listed, "the others are refreshed")
        self.assertFalse(self.product_b.preorder_national_listed)

    def test_pass_in_committed_batches_resumes_after_an_interruption(self):
        products = self.product | self.product_b
        for product in products:
            self._create_request("national", [(product, 5, 10)])
        Catalog = self.env["product.product"]
        cron = self.env.ref("website_preorder.ir_cron_refresh_catalog")
        cron, progress = cron._add_progress()
        first = Catalog.with_context(**cron.env.context)._cron_refresh_preorder_catalog(
            batch_size=1
        )
        self.assertEqual((first["checked"], first["remaining"]), (1, 1))
        self.assertEqual((progress.done, progress.remaining), (1, 1), "cron progress API")
        self.assertTrue(self.product.preorder_national_listed, "first batch, lowest id")
        self.assertFalse(self.product_b.preorder_national_listed, "not reached yet")
        # the next batch fails as if the worker were killed: nothing of it is written
        with (
            patch.object(type(Catalog), "_preorder_refresh_listing", side_effect=KeyboardInterrupt),
            self.assertRaises(KeyboardInterrupt),
            self.env.cr.savepoint(),
        ):
            Catalog._cron_refresh_preorder_catalog(batch_size=1)
        self.assertFalse(self.product_b.preorder_national_listed)
        # the next run resumes after the last committed batch, then starts over
        second = Catalog._cron_refresh_preorder_catalog(batch_size=1)
        self.assertEqual((second["checked"], second["remaining"]), (1, 0))
        self.product_b.invalidate_recordset()
        self.assertTrue(self.product_b.preorder_national_listed)
        third = Catalog._cron_refresh_preorder_catalog(batch_size=1)
        self.assertEqual((third["checked"], third["changed"]), (1, 0), "a new pass, from the start")

    def test_batches_never_clear_the_workers_caches(self):
        """The cursor a pass resumes from is stored at every batch without
        ``set_param``, which would clear the registry caches of every worker."""
        for product in self.product | self.product_b:
            self._create_request("national", [(product, 5, 10)])
        Catalog = self.env["product.product"]
        with patch.object(type(self.registry), "clear_cache") as clear_cache:
            first = Catalog._cron_refresh_preorder_catalog(batch_size=1)
            second = Catalog._cron_refresh_preorder_catalog(batch_size=1)
        self.assertEqual((first["remaining"], second["remaining"]), (1, 0), "resumed")
        self.assertTrue(self.product_b.preorder_national_listed)
        clear_cache.assert_not_called()

    def test_a_pass_reads_open_supply_and_listed_variants_not_history(self):
        """Candidates are the variants on an open request and those listed now (to
        be unlisted): a variant whose requests are history is never read again,
        and each call takes only its batch."""
        Catalog = self.env["product.product"]
        done = self._create_product("Sold-out Gadget", "PRE-DONE")
        past = self._create_request("national", [(done, 2, 10)])
        self._create_request("national", [(self.product, 2, 10)])
        self._create_request("international", [(self.product_b, 2, 10)])
        self._refresh()
        self.assertTrue(done.preorder_national_listed)
        past.button_cancel()
        # listed but on no open request any more: still a candidate, to be unlisted
        candidates, remaining = Catalog._preorder_catalog_candidates(0, 10)
        self.assertEqual(candidates, sorted((self.product | self.product_b | done).ids))
        self.assertEqual(remaining, 0)
        first, remaining = Catalog._preorder_catalog_candidates(0, 1)
        self.assertEqual((first, remaining), (candidates[:1], 2), "a batch, and what follows")
        self.assertEqual(
            Catalog._preorder_catalog_candidates(candidates[1], 1), (candidates[2:], 0)
        )
        with patch.object(
            type(Catalog), "_preorder_refresh_listing", autospec=True, return_value=0
        ) as refresh:
            self.assertEqual(self._refresh()["remaining"], 0)
        self.assertEqual(
            sorted(refresh.call_args.args[0].ids), candidates, "one owner: one batch of three"
        )
        self._refresh()
        done.invalidate_recordset()
        self.assertFalse(done.preorder_national_listed, "unlisted once its request closed")
        self.assertEqual(
            Catalog._preorder_catalog_candidates(0, 10)[0],
            sorted((self.product | self.product_b).ids),
            "history is not read again",
        )

    def test_cron_record(self):
        cron = self.env.ref("website_preorder.ir_cron_refresh_catalog")
        self.assertEqual((cron.interval_number, cron.interval_type), (15, "minutes"))
        self.assertEqual(cron.code.strip(), "model._cron_refresh_preorder_catalog()")

    def test_shared_product_flags_stable_between_companies(self):
        other = self.env["res.company"].create({"name": "Second Preorder Shop"})
        other.write({"preorder_enabled": True, "presale_enabled": True})
        self.env.user.company_ids |= other
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", other.id)], limit=1)
        self.assertFalse(self.product.company_id, "the product is shared")
        self.env["purchase.order"].with_company(other).create(
            {
                "partner_id": self.vendor.id,
                "company_id": other.id,
                "preorder_kind": "national",
                "picking_type_id": warehouse.in_type_id.id,
                "order_line": [
                    (0, 0, {"product_id": self.product.id, "product_qty": 3, "price_unit": 1,
                            "date_planned": self._arrival(10)}),
                ],
            }
        )  # fmt: skip
        for run in range(1, 4):
            self._refresh()
            self.assertEqual(self._flags(), (True, False, False), f"run {run}: no flip")
        self._create_request("international", [(self.product, 2, 10)])
        for run in range(1, 3):
            self._refresh()
            self.assertEqual(
                self._flags(), (True, True, False), f"run {run}: each company's kinds count"
            )
