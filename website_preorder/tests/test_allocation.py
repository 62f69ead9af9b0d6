from datetime import timedelta
from unittest.mock import patch

from odoo import api
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from ..models import preorder_allocation
from .common import PreorderCase


@tagged("post_install", "-at_install")
class TestAllocation(PreorderCase):
    def test_confirm_allocates_fifo_and_parks_the_rest(self):
        late = self._create_request("national", [(self.product, 5, 30)])
        early = self._create_request("national", [(self.product, 3, 10)])
        order = self._create_sale([(self.product, 10, "national")])
        line = order.order_line
        allocations = line.preorder_allocation_ids.sorted("id")
        self.assertEqual(
            [(a.purchase_order_id, a.quantity) for a in allocations],
            [(early, 3.0), (late, 5.0)],
            "earliest Expected Arrival first",
        )
        self.assertEqual(line.preorder_allocated_qty, 8.0)
        self.assertEqual(line.preorder_parked_qty, 2.0)
        self.assertEqual(line.preorder_state, "parked")
        self.assertFalse(line.promise_date, "a (partly) parked line has no promise date")
        self.assertEqual(early.order_line.preorder_atp, 0.0)
        self.assertEqual(late.order_line.preorder_atp, 0.0)
        self.assertEqual(self.product.preorder_national_qty, 0.0)

    def test_fully_allocated_line_gets_latest_arrival(self):
        self._create_request("national", [(self.product, 2, 10), (self.product, 2, 20)])
        order = self._create_sale([(self.product, 3, "national")])
        line = order.order_line
        self.assertEqual(line.preorder_state, "allocated")
        self.assertEqual(line.promise_date, self.today + timedelta(days=20))
        self.assertEqual(line.preorder_request_ids, line.preorder_allocation_ids.purchase_order_id)

    def test_planned_allocations_leave_no_stale_dependents(self):
        """Allocations the allocator inserts in one statement
        (preorder.allocation._create_planned) update every cached and stored
        dependent as records created through the ORM do."""
        request = self._create_request("national", [(self.product, 5, 10), (self.product_b, 4, 20)])
        order = self._create_sale(
            [(self.product, 3, "national"), (self.product_b, 6, "national")], confirm=False
        )
        line, line_b = order.order_line
        supply, supply_b = request.order_line
        # read into the cache before allocating: nothing may stay stale
        self.assertFalse(line.preorder_allocation_ids | supply.preorder_allocation_ids)
        self.assertFalse(request.preorder_allocation_ids)
        self.assertEqual((supply.preorder_atp, supply_b.preorder_atp), (5.0, 4.0))
        uid = self.env.uid

        order.action_confirm()

        def check():
            allocation = line.preorder_allocation_ids
            self.assertEqual(allocation.purchase_line_id, supply)
            self.assertEqual(
                (allocation.quantity, allocation.state, allocation.kind),
                (3.0, "allocated", "national"),
            )
            self.assertEqual(
                (allocation.sale_order_id, allocation.purchase_order_id, allocation.company_id),
                (order, request, self.company),
            )
            self.assertEqual(allocation.order_confirmed_at, order.date_order)
            self.assertEqual(allocation.create_uid.id, uid)
            self.assertEqual(supply.preorder_allocation_ids, allocation)
            self.assertEqual(len(request.preorder_allocation_ids), 2)
            self.assertEqual(
                (line.preorder_allocated_qty, line.preorder_parked_qty, line.preorder_state),
                (3.0, 0.0, "allocated"),
            )
            self.assertEqual(
                (line_b.preorder_allocated_qty, line_b.preorder_parked_qty, line_b.preorder_state),
                (4.0, 2.0, "parked"),
            )
            self.assertEqual((supply.preorder_allocated_qty, supply.preorder_atp), (3.0, 2.0))
            self.assertEqual((supply_b.preorder_allocated_qty, supply_b.preorder_atp), (4.0, 0.0))
            self.assertEqual(line.preorder_request_ids, request)
            self.assertEqual(order.preorder_request_count, 1)
            self.assertEqual(line.promise_date, self.today + timedelta(days=10))

        check()  # from the cache, as the rest of the transaction sees it
        self.env.flush_all()
        self.env.invalidate_all()
        check()  # from the database
        self.assertEqual(self.product.preorder_national_qty, 2.0)

    def test_planned_allocations_run_every_constraint_and_the_hook_once(self):
        """Allocations inserted in one statement still go through every
        ``@api.constrains`` on their fields (another addon's too), once for the
        whole set, and through the overridable hook ``_preorder_allocations_created``."""
        self._create_request("national", [(self.product, 5, 10), (self.product_b, 4, 20)])
        order = self._create_sale(
            [(self.product, 3, "national"), (self.product_b, 2, "national")], confirm=False
        )
        Allocation = type(self.env["preorder.allocation"])
        checked, hooked = [], []

        @api.constrains("quantity")
        def another_addons_check(records):
            checked.append(records)

        def hook(records):
            hooked.append(records)

        methods = [*self.env["preorder.allocation"]._constraint_methods, another_addons_check]
        with (
            patch.object(Allocation, "_constraint_methods", methods),
            patch.object(Allocation, "_preorder_allocations_created", hook),
        ):
            order.action_confirm()
        allocations = order.order_line.preorder_allocation_ids
        self.assertEqual(len(allocations), 2)
        self.assertEqual(checked, [allocations], "one check of the whole set")
        self.assertEqual(hooked, [allocations], "one call with the whole set")

        # a constraint that refuses: nothing is allocated
        @api.constrains("sale_line_id")
        def refusing(records):
            raise ValidationError(records.env._("refused by another addon"))

        late = self._create_sale([(self.product, 1, "national")], confirm=False)
        methods = [*self.env["preorder.allocation"]._constraint_methods, refusing]
        with (
            patch.object(Allocation, "_constraint_methods", methods),
            self.assertRaisesRegex(ValidationError, "refused by another addon"),
        ):
            late.action_confirm()

    def test_parked_lines_are_allocated_in_batches_of_whole_products(self):
        """Many parked lines are allocated a batch of products at a time
        (preorder_allocation.ALLOCATION_BATCH_LINES lines, cache emptied between batches):
        the same FIFO result, and allocations of products with no parked line
        still move to earlier supply."""
        self.company.preorder_move_earlier = True
        product_c = self._create_product("Pre-order Gizmo", "PRE-GIZMO")
        late_c = self._create_request("national", [(product_c, 5, 20)])
        held_c = self._create_sale([(product_c, 2, "national")])
        older = self._create_sale([(self.product, 2, "national"), (self.product_b, 1, "national")])
        newer = self._create_sale([(self.product, 3, "national")], partner=self.customer_b)
        newer.date_order = older.date_order + timedelta(minutes=5)
        request = self._create_request(
            False, [(self.product, 4, 10), (self.product_b, 1, 10), (product_c, 2, 5)]
        )
        buyer = new_test_user(self.env, "batch_buyer", groups="purchase.group_purchase_user")
        Allocator = type(self.env["preorder.allocation"])
        allocate = Allocator._allocate
        with (
            patch.object(preorder_allocation, "ALLOCATION_BATCH_LINES", 1),
            patch.object(Allocator, "_allocate", autospec=True, side_effect=allocate) as batches,
        ):
            request.with_user(buyer).write({"preorder_kind": "national"})
        self.assertEqual(
            [call.args[1].product_id for call in batches.call_args_list if call.args[1]],
            [self.product, self.product_b],
            "a batch per product with parked lines, in product order",
        )
        line_a, line_b = older.order_line
        self.assertEqual((line_a.preorder_allocated_qty, line_a.preorder_state), (2.0, "allocated"))
        self.assertEqual((line_b.preorder_allocated_qty, line_b.preorder_state), (1.0, "allocated"))
        self.assertEqual(
            (newer.order_line.preorder_allocated_qty, newer.order_line.preorder_parked_qty),
            (2.0, 1.0),
            "the newer order gets what the older one left",
        )
        self.assertEqual(
            held_c.order_line.preorder_allocation_ids.purchase_order_id,
            request,
            "moved to the earlier supply though no line of it was parked",
        )
        self.assertEqual(late_c.order_line.preorder_atp, 5.0)
        self.assertEqual(held_c.order_line.promise_date, self.today + timedelta(days=5))

    def test_allocation_display_name(self):
        request = self._create_request("national", [(self.product, 5, 10)])
        order = self._create_sale([(self.product, 3, "national")])
        allocation = order.order_line.sudo().preorder_allocation_ids
        buyer = new_test_user(self.env, "alloc_buyer", groups="purchase.group_purchase_user")
        name = allocation.with_user(buyer).display_name
        self.assertIn(order.name, name)
        self.assertIn(request.name, name)
        self.assertIn(self.product.display_name, name)
        self.assertIn("3", name)

    def test_kinds_never_mix_and_stock_lines_untouched(self):
        self._create_request("international", [(self.product, 5, 10)])
        order = self._create_sale([(self.product, 2, "national"), (self.product, 1, "stock")])
        national, stock = order.order_line
        self.assertEqual(national.preorder_state, "parked")
        self.assertFalse(stock.preorder_state)
        self.assertFalse(stock.preorder_allocation_ids)

    def test_presale_draft_takes_nothing_until_confirmed(self):
        request = self._create_request("presale", [(self.product, 5, 10)])
        order = self._create_sale([(self.product, 2, "presale")])
        self.assertEqual(order.order_line.preorder_state, "parked")
        request.button_confirm()
        self.assertEqual(order.order_line.preorder_state, "allocated")

    def test_request_confirmation_allocates_parked_oldest_first(self):
        first = self._create_sale([(self.product, 2, "presale")])
        second = self._create_sale([(self.product, 2, "presale")], partner=self.customer_b)
        first.date_order = second.date_order - timedelta(hours=1)
        request = self._create_request("presale", [(self.product, 3, 15)], confirm=True)
        self.assertEqual(first.order_line.preorder_allocated_qty, 2.0, "oldest order first")
        self.assertEqual(first.order_line.promise_date, self.today + timedelta(days=15))
        self.assertEqual(second.order_line.preorder_allocated_qty, 1.0)
        self.assertEqual(second.order_line.preorder_parked_qty, 1.0)
        self.assertEqual(request.order_line.preorder_atp, 0.0)
        self.assertEqual(len(request.preorder_allocation_ids), 2)

    def test_saving_a_taking_request_allocates(self):
        order = self._create_sale([(self.product, 4, "national")])
        request = self._create_request("national", [(self.product, 1, 10)])
        self.assertEqual(order.order_line.preorder_allocated_qty, 1.0, "a new draft line")
        request.order_line.product_qty = 6
        self.assertEqual(order.order_line.preorder_allocated_qty, 4.0, "raised quantity")
        self.assertEqual(order.order_line.preorder_state, "allocated")

    def test_cancel_sale_order_frees_allocations(self):
        request = self._create_request("national", [(self.product, 5, 10)])
        order = self._create_sale([(self.product, 5, "national")])
        parked = self._create_sale([(self.product, 2, "national")], partner=self.customer_b)
        self.assertEqual(parked.order_line.preorder_state, "parked")
        order._action_cancel()
        self.assertFalse(order.order_line.preorder_allocation_ids)
        self.assertEqual(parked.order_line.preorder_state, "allocated", "freed quantity serves")
        self.assertEqual(request.order_line.preorder_atp, 3.0)

    def test_cancel_request_parks_and_tells_staff(self):
        request = self._create_request("national", [(self.product, 5, 10)], confirm=True)
        order = self._create_sale([(self.product, 3, "national")])
        request.button_cancel()
        line = order.order_line
        self.assertEqual(line.preorder_state, "parked")
        self.assertFalse(line.promise_date)
        self.assertIn(order.name, request.message_ids[0].body)

    def test_lowered_request_quantity_parks_latest_orders(self):
        request = self._create_request("national", [(self.product, 6, 10)])
        old = self._create_sale([(self.product, 3, "national")])
        new = self._create_sale([(self.product, 3, "national")], partner=self.customer_b)
        new.date_order = old.date_order + timedelta(hours=1)
        request.order_line.product_qty = 4
        self.assertEqual(old.order_line.preorder_allocated_qty, 3.0)
        self.assertEqual(new.order_line.preorder_allocated_qty, 1.0, "the latest order pays")
        self.assertEqual(new.order_line.preorder_parked_qty, 2.0)
        self.assertIn("lowered", request.message_ids[0].body)

    def test_sale_quantity_change_replans(self):
        self._create_request("national", [(self.product, 4, 10), (self.product, 4, 20)])
        order = self._create_sale([(self.product, 6, "national")])
        line = order.order_line
        line.product_uom_qty = 3
        self.assertEqual(line.preorder_allocated_qty, 3.0)
        self.assertEqual(line.promise_date, self.today + timedelta(days=10), "latest freed first")
        line.product_uom_qty = 10
        self.assertEqual(line.preorder_allocated_qty, 8.0)
        self.assertEqual(line.preorder_parked_qty, 2.0)

    def test_kind_of_confirmed_line_locked(self):
        order = self._create_sale([(self.product, 1, "national")])
        with self.assertRaisesRegex(UserError, "cannot change"):
            order.order_line.preorder_kind = "stock"

    def test_remove_allocations_and_allocate_again(self):
        request = self._create_request("national", [(self.product, 5, 10)])
        order = self._create_sale([(self.product, 2, "national")])
        action = request.order_line.action_preorder_review_allocations()
        allocations = self.env["preorder.allocation"].search(action["domain"])
        self.assertEqual(allocations.sale_line_id, order.order_line)
        allocations.action_remove_allocations()
        self.assertEqual(order.order_line.preorder_state, "parked")
        self.assertEqual(request.order_line.preorder_atp, 5.0)
        request.order_line.action_preorder_allocate()
        self.assertEqual(order.order_line.preorder_state, "allocated")
        request.preorder_allocation_ids.action_remove_allocations()
        request.action_allocate_sales_orders()
        self.assertEqual(order.order_line.preorder_state, "allocated")

    def test_sync_promise_dates(self):
        request = self._create_request("national", [(self.product, 5, 10)])
        order = self._create_sale([(self.product, 2, "national")])
        line = order.order_line
        manual = self.today + timedelta(days=30)
        line.promise_date = manual
        request.order_line.date_planned = self._arrival(40)
        self.assertEqual(line.promise_date, manual, "a date set by hand waits for the sync")
        request.action_sync_promise_dates()
        self.assertEqual(line.promise_date, self.today + timedelta(days=40))

    def test_changed_expected_arrival_is_never_silent(self):
        """A purchase user moves the request's Expected Arrival: the allocated
        customers' promise dates follow at once, the change is logged on their
        orders, and a date that slips later asks the customer (date-slip
        consent), who was told the first date at confirmation."""
        request = self._create_request("national", [(self.product, 5, 10)], confirm=True)
        order = self._create_sale([(self.product, 2, "national")])
        line = order.order_line
        line._preorder_mark_notified()  # as the confirmation e-mail does
        buyer = new_test_user(self.env, "slip_buyer", groups="purchase.group_purchase_user")
        request.order_line.with_user(buyer).date_planned = self._arrival(40)
        self.assertEqual(line.promise_date, self.today + timedelta(days=40))
        self.assertEqual(line.preorder_consent_state, "pending", "the customer is asked")
        self.assertIn(
            "Expected Arrival of the request changed", "".join(order.message_ids.mapped("body"))
        )
        request.order_line.with_user(buyer).date_planned = self._arrival(10)
        self.assertEqual(line.promise_date, self.today + timedelta(days=10))
        self.assertFalse(line.preorder_consent_state, "back to the agreed date: nothing to ask")

    def test_manual_promise_date_is_logged(self):
        self._create_request("national", [(self.product, 5, 10)])
        order = self._create_sale([(self.product, 2, "national")])
        order.order_line.promise_date = self.today + timedelta(days=50)
        self.assertIn("promise date", "".join(order.message_ids.mapped("body")))

    def test_allocation_constraints(self):
        request = self._create_request("national", [(self.product, 5, 10)])
        order = self._create_sale([(self.product, 4, "national")], confirm=False)
        order.action_confirm()
        line = order.order_line
        Allocation = self.env["preorder.allocation"]
        with self.assertRaisesRegex(ValidationError, "Only 1.00 Units can still be promised"):
            Allocation.create(
                {
                    "sale_line_id": line.id,
                    "purchase_line_id": request.order_line.id,
                    "product_id": self.product.id,
                    "quantity": 2,
                }
            )
        other = self._create_sale([(self.product, 1, "national")], confirm=False)
        other.action_confirm()  # takes the last unit
        line.preorder_allocation_ids.unlink()
        with self.assertRaisesRegex(ValidationError, "more than the"):
            Allocation.create(
                {
                    "sale_line_id": other.order_line.id,
                    "purchase_line_id": request.order_line.id,
                    "product_id": self.product.id,
                    "quantity": 1,
                }
            )
        international = self._create_request("international", [(self.product, 5, 10)])
        with self.assertRaisesRegex(ValidationError, "cannot be allocated to"):
            Allocation.create(
                {
                    "sale_line_id": line.id,
                    "purchase_line_id": international.order_line.id,
                    "product_id": self.product.id,
                    "quantity": 1,
                }
            )
        with self.assertRaisesRegex(ValidationError, "same product"):
            Allocation.create(
                {
                    "sale_line_id": line.id,
                    "purchase_line_id": request.order_line.id,
                    "product_id": self.product_b.id,
                    "quantity": 1,
                }
            )

    def test_units_of_measure(self):
        dozen = self.env.ref("uom.product_uom_dozen")
        request = self._create_request("national", [(self.product, 1, 10, dozen)])
        order = self._create_sale([(self.product, 1, "national", dozen)])
        self.assertEqual(order.order_line.preorder_allocated_qty, 12.0, "in product units")
        self.assertEqual(request.order_line.preorder_atp, 0.0)
        units = self._create_sale([(self.product, 1, "national")])
        self.assertEqual(units.order_line.preorder_state, "parked")

    def test_fulfilment_and_details(self):
        request = self._create_request("national", [(self.product, 5, 10)], confirm=True)
        order = self._create_sale([(self.product, 4, "national")])
        allocation = request.preorder_allocation_ids
        self.assertEqual((allocation.quantity, allocation.qty_delivered), (4.0, 0.0))
        self.assertEqual(allocation.partner_id, self.customer)
        self._receive(request, {self.product: 5})
        self.env["preorder.allocation"]._cron_release_preorders()
        self.assertEqual(order.order_line.preorder_state, "released")
        picking = order.picking_ids
        picking.move_ids.quantity = 2
        picking.move_ids.picked = True
        picking.with_context(cancel_backorder=False)._action_done()
        allocation.invalidate_recordset()
        self.assertEqual(allocation.qty_delivered, 2.0)
        self.assertEqual(allocation.fulfilled_percent, 50.0)

    def test_national_threshold_activity_once(self):
        user = self.env["res.users"].create({"name": "Planner", "login": "preorder_planner"})
        self.company.write({"preorder_config_qty": 5, "preorder_activity_user_id": user.id})
        request = self._create_request("national", [(self.product, 20, 10)])
        order = self._create_sale([(self.product, 6, "national")])
        small = self._create_sale([(self.product, 5, "national")])
        activities = request.activity_ids.filtered(lambda a: a.user_id == user)
        self.assertEqual(len(activities), 1, "one To-Do on the request, for the large line")
        self.assertIn(order.name, activities.note)
        self.assertFalse(small.activity_ids)
        parked = self._create_sale([(self.product_b, 7, "national")])
        self.assertEqual(len(parked.activity_ids.filtered(lambda a: a.user_id == user)), 1)
        parked.order_line._preorder_schedule_large_order_todo()
        self.assertEqual(len(parked.activity_ids), 1, "once per line")

    def test_fulfilment_credited_in_arrival_order_across_requests(self):
        first = self._create_request("national", [(self.product, 4, 10)], confirm=True)
        second = self._create_request("national", [(self.product, 2, 20)], confirm=True)
        order = self._create_sale([(self.product, 6, "national")])
        self._receive(first, {self.product: 4})
        self._receive(second, {self.product: 2})
        self._run_release()  # the receipt triggers the release job
        self.assertEqual(order.order_line.preorder_state, "released")
        picking = order.picking_ids
        picking.move_ids.quantity = 3
        picking.move_ids.picked = True
        picking.with_context(cancel_backorder=False)._action_done()
        self.env.invalidate_all()
        # each request's Details tab reads only its own allocations
        on_second = self.env["preorder.allocation"].browse(second.preorder_allocation_ids.ids)
        self.assertEqual(on_second.qty_delivered, 0.0, "earliest arrival is delivered first")
        self.assertEqual(on_second.fulfilled_percent, 0.0)
        self.env.invalidate_all()
        on_first = self.env["preorder.allocation"].browse(first.preorder_allocation_ids.ids)
        self.assertEqual(on_first.qty_delivered, 3.0)
        self.assertEqual(on_first.fulfilled_percent, 75.0)
