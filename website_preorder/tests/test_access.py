"""The README's access matrix, cell by cell, run as each role.

Every test loops over the eleven roles; a cell that is opened up (or closed)
fails the test for that role (subTest). HTTP routes and JSON-RPC are in
``TestAccessHttp`` below and in ``test_feed.py``.
"""

import base64
from contextlib import contextmanager
from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from .common import PreorderCase

PIXEL = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9a"
    "wAAAABJRU5ErkJggg=="
)

ROLES = {
    "public": None,
    "portal_customer": "base.group_portal",
    "portal_vendor": "base.group_portal",
    "salesman_own": "sales_team.group_sale_salesman",
    "salesman_all": "sales_team.group_sale_salesman_all_leads",
    "sales_manager": "sales_team.group_sale_manager",
    "purchase_user": "purchase.group_purchase_user",
    "purchase_manager": "purchase.group_purchase_manager",
    "stock_user": "stock.group_stock_user",
    "accountant": "account.group_account_readonly",
    # every back-office right, but only in another company
    "multi_company": "sales_team.group_sale_manager,purchase.group_purchase_manager,"
    "stock.group_stock_user",
}

# the matrix (README "Access matrix"): who may, on this company's records
READ_REQUESTS = {"purchase_user", "purchase_manager", "stock_user", "accountant"}
WRITE_REQUESTS = {"purchase_user", "purchase_manager"}
READ_ALL_ALLOCATIONS = {
    "salesman_all",
    "sales_manager",
    "purchase_user",
    "purchase_manager",
    "stock_user",
}
READ_OWN_ALLOCATIONS = {"salesman_own"}
REMOVE_ALLOCATIONS = {"sales_manager", "purchase_user", "purchase_manager"}
ALLOCATE_SYNC = {"purchase_user", "purchase_manager"}
REVIEW = {"purchase_user", "purchase_manager", "stock_user"}
PRESALE_PRICES = {"purchase_user", "purchase_manager"}
IMPORT_ALL = {"salesman_all", "sales_manager"}
IMPORT_OWN = {"salesman_own"}
NOTIFY_ALL = {"salesman_all", "sales_manager"}
NOTIFY_OWN = {"salesman_own"}


class AccessCase(PreorderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Access Other Co"})
        cls.users = {}
        for role, groups in ROLES.items():
            if groups is None:
                cls.users[role] = cls.env.ref("base.public_user")
                continue
            extra = {}
            if role == "multi_company":
                extra = {
                    "company_id": cls.other_company.id,
                    "company_ids": [(6, 0, cls.other_company.ids)],
                }
            cls.users[role] = new_test_user(
                cls.env, f"acl_{role}", groups=groups, email=f"acl_{role}@example.com", **extra
            )
        cls.other_seller = new_test_user(
            cls.env, "acl_other_seller", groups="sales_team.group_sale_salesman"
        )
        cls.request = cls._create_request(
            "national",
            [(cls.product, 10, 10)],
            confirm=True,
            partner_id=cls.users["portal_vendor"].partner_id.id,
        )
        # Odoo's vendor portal page renders product images
        cls.product_b.image_1920 = PIXEL
        cls.ordinary = cls._create_request(
            False,
            [(cls.product_b, 4, 10)],
            confirm=True,
            partner_id=cls.users["portal_vendor"].partner_id.id,
        )
        cls.own_order = cls._create_sale(
            [(cls.product, 2, "national")],
            partner=cls.users["portal_customer"].partner_id,
            user_id=cls.users["salesman_own"].id,
        )
        cls.other_order = cls._create_sale(
            [(cls.product, 3, "national")],
            partner=cls.customer_b,
            user_id=cls.other_seller.id,
        )
        cls.other_order.date_order = cls.own_order.date_order + timedelta(minutes=5)
        cls.own_alloc = cls.own_order.order_line.preorder_allocation_ids
        cls.other_alloc = cls.other_order.order_line.preorder_allocation_ids
        cls.allocations = cls.own_alloc | cls.other_alloc
        assert len(cls.own_alloc) == 1 and len(cls.other_alloc) == 1

    @contextmanager
    def _undone(self):
        """Run the block, then roll it back: the next role starts from the same data."""
        savepoint = self.env.cr.savepoint()
        try:
            yield
        finally:
            savepoint.close(rollback=True)

    def _search_as(self, records, user):
        """What ``user`` finds of ``records`` (nothing when access rights refuse)."""
        try:
            return records.with_user(user).search([("id", "in", records.ids)])
        except AccessError:
            return records.browse()


@tagged("post_install", "-at_install")
class TestAccessMatrix(AccessCase):
    # ---------------------------------------------------------------- requests

    def test_requests_and_request_lines(self):
        for role, user in self.users.items():
            with self.subTest(role=role):
                for records, field in (
                    (self.request, "name"),
                    (self.request.order_line, "preorder_atp"),
                ):
                    if role in READ_REQUESTS:
                        self.assertEqual(self._search_as(records, user), records)
                        records.with_user(user).read([field])
                    else:
                        self.assertFalse(self._search_as(records, user), "finds no request")
                        with self.assertRaises(AccessError):
                            records.with_user(user).read([field])
                    if role in WRITE_REQUESTS:
                        records.with_user(user).check_access("write")
                    else:
                        with self.assertRaises(AccessError):
                            records.with_user(user).check_access("write")

    def test_purchase_users_confirm_and_cancel_requests(self):
        """Confirming a request allocates parked sale lines and cancelling one
        parks them: purchase users, who may not read sale orders, do both."""
        # pre-sale requests take pre-sales once confirmed (national ones as drafts already)
        parked = self._create_sale([(self.product_b, 2, "presale")])
        self.assertEqual(parked.order_line.preorder_state, "parked")
        for role, user in self.users.items():
            with self.subTest(role=role), self._undone():
                request = self._create_request("presale", [(self.product_b, 5, 10)])
                self.assertEqual(parked.order_line.preorder_state, "parked")
                if role not in WRITE_REQUESTS:
                    with self.assertRaises(AccessError):
                        request.with_user(user).button_confirm()
                    self.assertEqual(parked.order_line.preorder_state, "parked")
                    continue
                request.with_user(user).button_confirm()
                self.assertEqual(parked.order_line.preorder_state, "allocated")
                request.with_user(user).button_cancel()
                self.assertEqual(parked.order_line.preorder_state, "parked")
                self.assertFalse(request.preorder_allocation_ids)

    def test_purchase_users_lower_a_request_line(self):
        """Lowering a request line below what is allocated parks the latest
        orders and logs them on the request, for a purchase user too."""
        line = self.request.order_line
        for role, user in self.users.items():
            with self.subTest(role=role), self._undone():
                if role not in WRITE_REQUESTS:
                    with self.assertRaises(AccessError):
                        line.with_user(user).product_qty = 3
                    self.assertEqual(self.other_order.order_line.preorder_state, "allocated")
                    continue
                line.with_user(user).product_qty = 3
                self.assertEqual(self.own_order.order_line.preorder_state, "allocated")
                self.assertEqual(self.other_order.order_line.preorder_state, "parked")
                self.assertIn(self.other_order.name, self.request.message_ids[0].body)

    def test_salesmen_change_and_cancel_their_orders(self):
        """Changing or cancelling a confirmed pre-order frees its allocations
        (the freed quantity goes to parked lines), as the salesman of the order."""
        waiting = self._create_sale([(self.product, 6, "national")], partner=self.customer_b)
        self.assertEqual(waiting.order_line.preorder_parked_qty, 1.0, "10 on order, 11 sold")
        for role in ("salesman_own", "salesman_all", "sales_manager"):
            with self.subTest(role=role), self._undone():
                order = self.own_order.with_user(self.users[role])
                order.order_line.product_uom_qty = 1
                self.assertEqual(self.own_alloc.quantity, 1.0)
                order.with_context(disable_cancel_warning=True).action_cancel()
                self.assertEqual(order.state, "cancel")
                self.assertFalse(self.own_alloc.exists())
                self.assertEqual(waiting.order_line.preorder_state, "allocated")
        with self.assertRaises(AccessError):
            self.other_order.with_user(self.users["salesman_own"]).order_line.product_uom_qty = 1

    def _open_form(self, record):
        """What the web client does to open ``record`` in its form view: the
        view (groups applied), then a read of the fields its arch shows,
        with the columns of its x2many lists."""
        spec = self._view_spec(record, "form")
        return record.web_read(spec)[0]

    def _view_spec(self, model, view_type, view_id=False):
        views = model.get_views([(view_id, view_type)])
        models = views["models"]

        def spec_of(element, model):
            spec = {}
            for child in element.iterchildren(tag=etree.Element):
                if child.tag != "field":
                    spec.update(spec_of(child, model))
                    continue
                info = models[model]["fields"][child.get("name")]
                if info["type"] in ("one2many", "many2many"):
                    columns = {}
                    for sub_view in child.iterchildren("list"):
                        columns.update(spec_of(sub_view, info["relation"]))
                    spec[child.get("name")] = {"fields": columns or {"display_name": {}}}
                elif info["type"] == "many2one":
                    spec[child.get("name")] = {"fields": {"display_name": {}}}
                else:
                    spec[child.get("name")] = {}
            return spec

        arch = etree.fromstring(views["views"][view_type]["arch"])
        return spec_of(arch, model._name)

    def test_request_form_opens_for_its_readers(self):
        """The Pre-order Details tab and buttons are hidden by groups, so the
        readers without access to allocations (accountants) still open a request.

        Each role starts from an empty cache: a value another role's read left
        in the cache would hide a field this role may not read.
        """
        for role in sorted(READ_REQUESTS - {"stock_user"}):
            with self.subTest(role=role):
                self.env.invalidate_all()
                values = self._open_form(self.request.with_user(self.users[role]))
                self.assertEqual(values["name"], self.request.name)
                shown = role in REVIEW
                self.assertEqual("preorder_allocation_ids" in values, shown, "details tab")
        # Odoo's own purchase order form reads its lines' bill lines (a hidden
        # column), which a user with Inventory rights only may not read: plain
        # Odoo refuses them that form, addon or not. They read requests through
        # the ORM, their receipts and Review allocations (README, access matrix).
        self.env.invalidate_all()
        with self.assertRaisesRegex(AccessError, "Journal Item"):
            self._open_form(self.request.with_user(self.users["stock_user"]))

    def test_sale_order_form_opens_for_salesman(self):
        """Requests on the sale line are shown to purchase users only: a
        salesman or an accountant, who may not read requests, still opens the order."""
        for role in ("salesman_own", "salesman_all", "sales_manager", "accountant"):
            with self.subTest(role=role):
                values = self._open_form(self.own_order.with_user(self.users[role]))
                self.assertEqual(values["name"], self.own_order.name)

    def test_preorder_lines_list_opens_for_salesman(self):
        """Sales ▸ Pre-order Lines, as a salesman of their own documents."""
        user = self.users["salesman_own"]
        Line = self.env["sale.order.line"].with_user(user)
        view = self.env.ref("website_preorder.sale_order_line_preorder_list")
        spec = self._view_spec(Line, "list", view.id)
        result = Line.web_search_read([("preorder_state", "!=", False)], spec)
        self.assertEqual([r["id"] for r in result["records"]], self.own_order.order_line.ids)

    # ------------------------------------------------------------- allocations

    def test_allocations_read(self):
        for role, user in self.users.items():
            with self.subTest(role=role):
                visible = self._search_as(self.allocations, user)
                if role in READ_ALL_ALLOCATIONS:
                    self.assertEqual(visible, self.allocations)
                    self.allocations.with_user(user).read(["quantity", "partner_id"])
                elif role in READ_OWN_ALLOCATIONS:
                    self.assertEqual(visible, self.own_alloc, "own sale orders only")
                    self.own_alloc.with_user(user).read(["quantity", "partner_id"])
                    with self.assertRaises(AccessError):
                        self.other_alloc.with_user(user).read(["quantity"])
                else:
                    self.assertFalse(visible)
                    with self.assertRaises(AccessError):
                        self.allocations.with_user(user).read(["quantity"])

    def test_salesman_all_documents_lifts_the_own_rule(self):
        """A salesman of their own documents who is also a purchase user reads them all."""
        user = new_test_user(
            self.env,
            "acl_seller_buyer",
            groups="sales_team.group_sale_salesman,purchase.group_purchase_user",
        )
        self.assertEqual(self._search_as(self.allocations, user), self.allocations)

    def test_remove_allocations(self):
        """A read-only salesman cannot remove another customer's allocation to
        jump the queue; nothing changes."""
        for role, user in self.users.items():
            with self.subTest(role=role):
                for allocation in (self.other_alloc, self.own_alloc):
                    with self._undone():
                        line = allocation.sale_line_id
                        if role in REMOVE_ALLOCATIONS:
                            allocation.with_user(user).action_remove_allocations()
                            self.assertFalse(allocation.exists())
                            self.assertEqual(line.preorder_state, "parked")
                        else:
                            with self.assertRaises(AccessError):
                                allocation.with_user(user).action_remove_allocations()
                            self.assertTrue(allocation.exists(), "nothing removed")
                            self.assertEqual(line.preorder_state, "allocated")

    def test_change_an_allocation_quantity(self):
        """Who may write allocations (the matrix) lowers one; a quantity of zero
        or less is refused with a clear message, before the database (no SQL
        error in the log) and nothing changes. The others are refused."""
        writers = {"sales_manager", "purchase_user", "purchase_manager"}
        for role, user in self.users.items():
            with self.subTest(role=role), self._undone():
                allocation = self.own_alloc.with_user(user)
                if role not in writers:
                    with self.assertRaises(AccessError):
                        allocation.write({"quantity": 1.0})
                    continue
                allocation.write({"quantity": 1.0})
                self.assertEqual(self.own_alloc.quantity, 1.0)
                line = self.own_alloc.sale_line_id
                self.assertEqual((line.preorder_allocated_qty, line.preorder_parked_qty), (1, 1))
                for bad in (0.0, -1.0):
                    with (
                        self.assertNoLogs("odoo.sql_db", level="ERROR"),
                        self.assertRaisesRegex(UserError, "must be positive"),
                    ):
                        allocation.write({"quantity": bad})
                    self.assertEqual(self.own_alloc.quantity, 1.0, "nothing changed")

    def test_request_level_remove_and_links(self):
        """The request-level Remove works on the superuser's allocations, so it
        checks its caller first: only those who write requests remove from it."""
        for role, user in self.users.items():
            with self.subTest(role=role), self._undone():
                if role in WRITE_REQUESTS:
                    self.request.with_user(user).action_remove_preorder_allocations()
                    self.assertFalse(self.allocations.exists())
                else:
                    with self.assertRaises(AccessError):
                        self.request.with_user(user).action_remove_preorder_allocations()
                    self.assertEqual(self.allocations.exists(), self.allocations, "nothing removed")
                opens = role in REVIEW
                with self._undone():
                    if opens:
                        self.request.with_user(user).action_view_preorder_sale_orders()
                    else:
                        with self.assertRaises(AccessError):
                            self.request.with_user(user).action_view_preorder_sale_orders()

    # ------------------------------------------------ allocate / sync / review

    def test_allocate_sales_orders(self):
        line = self.own_order.order_line
        calls = {
            "request": lambda user: self.request.with_user(user).action_allocate_sales_orders(),
            "line": lambda user: self.request.order_line.with_user(user).action_preorder_allocate(),
        }
        for role, user in self.users.items():
            with self.subTest(role=role):
                for name, call in calls.items():
                    with self._undone():
                        self.own_alloc._deallocate()
                        self.assertEqual(line.preorder_state, "parked")
                        if role in ALLOCATE_SYNC:
                            call(user)
                            self.assertEqual(line.preorder_state, "allocated", name)
                        else:
                            with self.assertRaises(AccessError, msg=name):
                                call(user)
                            self.assertEqual(line.preorder_state, "parked", "nothing allocated")

    def test_sync_promise_dates(self):
        line = self.own_order.order_line
        promised = line.promise_date
        moved = promised + timedelta(days=40)
        calls = {
            "request": lambda user: self.request.with_user(user).action_sync_promise_dates(),
            "line": lambda user: self.request.order_line.with_user(
                user
            ).action_preorder_sync_promise_dates(),
        }
        for role, user in self.users.items():
            with self.subTest(role=role):
                for name, call in calls.items():
                    with self._undone():
                        line.with_context(preorder_system_update=True).promise_date = moved
                        if role in ALLOCATE_SYNC:
                            call(user)
                            self.assertEqual(line.promise_date, promised, name)
                        else:
                            with self.assertRaises(AccessError, msg=name):
                                call(user)
                            self.assertEqual(line.promise_date, moved, "nothing synced")

    def test_review_allocations(self):
        calls = {
            "request": lambda user: self.request.with_user(user).action_view_preorder_allocations(),
            "line": lambda user: self.request.order_line.with_user(
                user
            ).action_preorder_review_allocations(),
        }
        for role, user in self.users.items():
            with self.subTest(role=role):
                for name, call in calls.items():
                    if role in REVIEW:
                        action = call(user)
                        self.assertEqual(action["res_model"], "preorder.allocation", name)
                        found = (
                            self.env["preorder.allocation"].with_user(user).search(action["domain"])
                        )
                        self.assertEqual(found, self.allocations)
                    else:
                        with self.assertRaises(AccessError, msg=name):
                            call(user)

    def test_presale_price_job(self):
        pricelist = self.env["product.pricelist"].create({"name": "Access Pre-sale Prices"})
        self.company.write(
            {"presale_pricelist_id": pricelist.id, "presale_cash_payment_percent": 10.0}
        )
        presale = self._create_request("presale", [(self.product_b, 5, 10)], confirm=True)
        Item = self.env["product.pricelist.item"]
        domain = [("pricelist_id", "=", pricelist.id), ("product_id", "=", self.product_b.id)]
        for role, user in self.users.items():
            with self.subTest(role=role), self._undone():
                if role in PRESALE_PRICES:
                    presale.with_user(user).action_compute_presale_prices()
                    self.assertEqual(len(Item.search(domain)), 1)
                else:
                    with self.assertRaises(AccessError):
                        presale.with_user(user).action_compute_presale_prices()
                    self.assertFalse(Item.search(domain), "no price written")

    # ------------------------------------------------- promise dates, notify

    def _import(self, user, order, date):
        content = f"order,product,date\n{order.name},{self.product.default_code},{date}\n"
        wizard = (
            self.env["preorder.promise.import"]
            .with_user(user)
            .create({"file": base64.b64encode(content.encode())})
        )
        return wizard.action_import()

    def test_promise_date_import(self):
        new_date = fields.Date.today() + timedelta(days=60)
        for role, user in self.users.items():
            with self.subTest(role=role):
                for order in (self.own_order, self.other_order):
                    with self._undone():
                        line = order.order_line
                        before = line.promise_date
                        allowed = role in IMPORT_ALL or (
                            role in IMPORT_OWN and order == self.own_order
                        )
                        if allowed:
                            self._import(user, order, new_date)
                            self.assertEqual(line.promise_date, new_date)
                            continue
                        if role in IMPORT_OWN or role == "multi_company":
                            # the order is not theirs (or not their company's): unknown to them
                            with self.assertRaisesRegex(UserError, "Nothing was imported"):
                                self._import(user, order, new_date)
                        else:
                            with self.assertRaises(AccessError):
                                self._import(user, order, new_date)
                        self.assertEqual(line.promise_date, before, "nothing imported")

    def test_notify_promise_dates(self):
        Mail = self.env["mail.mail"]
        for role, user in self.users.items():
            with self.subTest(role=role):
                for order in (self.own_order, self.other_order):
                    with self._undone():
                        domain = [("model", "=", "sale.order"), ("res_id", "=", order.id)]
                        allowed = role in NOTIFY_ALL or (
                            role in NOTIFY_OWN and order == self.own_order
                        )
                        if allowed:
                            order.with_user(user).action_preorder_notify_promise_dates()
                            self.assertEqual(len(Mail.search(domain)), 1)
                            line = order.order_line
                            self.assertEqual(line.promise_date_notified, line.promise_date)
                        else:
                            with self.assertRaises(AccessError):
                                order.with_user(user).action_preorder_notify_promise_dates()
                            self.assertFalse(Mail.search(domain), "no e-mail")

    def test_notify_refused_to_invoicing_users_who_write_orders(self):
        user = new_test_user(self.env, "acl_invoicing", groups="account.group_account_invoice")
        self.own_order.with_user(user).check_access("write")  # Odoo lets them write orders
        with self.assertRaises(AccessError):
            self.own_order.with_user(user).action_preorder_notify_promise_dates()

    def test_notify_server_action_needs_sales_rights(self):
        action = self.env.ref("website_preorder.action_server_notify_promise_dates")
        context = {"active_model": "sale.order", "active_ids": self.own_order.ids}
        for role in ("accountant", "purchase_user", "stock_user"):
            with self.subTest(role=role), self.assertRaises(AccessError):
                action.with_user(self.users[role]).with_context(**context).run()
        with self._undone():
            action.with_user(self.users["salesman_own"]).with_context(**context).run()
            self.assertEqual(
                self.own_order.order_line.promise_date_notified,
                self.own_order.order_line.promise_date,
            )

    # ----------------------------------------------------------------- release

    def test_stock_user_receipt_releases(self):
        """Release runs as the scheduled action and when a stock user validates
        a receipt; the stock user needs no other right for it."""
        user = self.users["stock_user"]
        picking = self.request.picking_ids.with_user(user)
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        products = self.own_order.order_line.product_id | self.other_order.order_line.product_id
        self.assertTrue(all(products.mapped("preorder_release_pending")), "the job is triggered")
        # the scheduled action runs as the superuser, not as the stock user
        self.env["preorder.allocation"]._cron_release_preorders()
        self.assertEqual(self.own_order.order_line.preorder_state, "released")
        self.assertEqual(self.other_order.order_line.preorder_state, "released")

    # ---------------------------------------------------------------- settings

    def test_settings_and_feed_token(self):
        self.company.preorder_feed_token = "before"
        settings = self.env["res.config.settings"].create({})
        for role, user in self.users.items():
            with self.subTest(role=role):
                with self.assertRaises(AccessError):
                    self.env["res.config.settings"].with_user(user).create({})
                with self.assertRaises(AccessError):
                    settings.with_user(user).action_preorder_generate_feed_token()
                with self.assertRaises(AccessError):
                    self.company.with_user(user).read(["preorder_feed_token"])
                self.assertEqual(self.company.preorder_feed_token, "before")
        admin = new_test_user(self.env, "acl_admin", groups="base.group_system")
        settings.with_user(admin).action_preorder_generate_feed_token()
        token = self.company.preorder_feed_token
        self.assertNotEqual(token, "before", "rotated")
        self.assertGreaterEqual(len(token), 32)


@tagged("post_install", "-at_install")
class TestAccessHttp(HttpCase, AccessCase):
    """The routes and RPC, as the roles: vendor portal, order page, JSON-RPC."""

    def _login(self, role):
        login = f"acl_{role}"
        self.authenticate(login, login)

    def _call_kw(self, model, method, ids):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": [ids], "kwargs": {}},
        )

    def test_vendor_token_link_does_not_open_requests(self):
        self.request._portal_ensure_token()
        self.ordinary._portal_ensure_token()
        for login in ("portal_vendor", None):
            with self.subTest(user=login or "public"):
                if login:
                    self._login(login)
                else:
                    self.authenticate(None, None)
                ordinary = self.url_open(
                    f"/my/purchase/{self.ordinary.id}?access_token={self.ordinary.access_token}"
                )
                self.assertEqual(ordinary.status_code, 200)
                self.assertIn(self.ordinary.name, ordinary.text, "Odoo's vendor portal works")
                for query in ("", "&report_type=pdf", "&report_type=html"):
                    response = self.url_open(
                        f"/my/purchase/{self.request.id}"
                        f"?access_token={self.request.access_token}{query}"
                    )
                    self.assertNotIn(f"/my/purchase/{self.request.id}", response.url, query)
                    self.assertNotIn(self.request.name, response.text, query)

    def test_vendor_lists_and_chatter_hide_requests(self):
        self._login("portal_vendor")
        listing = self.url_open("/my/purchase").text
        self.assertIn(self.ordinary.name, listing)
        self.assertNotIn(self.request.name, listing)
        self.request._portal_ensure_token()
        vendor = self.users["portal_vendor"]
        PurchaseOrder = self.env["purchase.order"].with_user(vendor)
        self.assertFalse(
            PurchaseOrder._get_thread_with_access(self.request.id, token=self.request.access_token)
        )
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(
                "/mail/chatter_fetch",
                {
                    "thread_model": "purchase.order",
                    "thread_id": self.request.id,
                    "token": self.request.access_token,
                },
            )

    def test_order_page_never_shows_text_from_the_url(self):
        self._login("portal_customer")
        url = f"/my/orders/{self.own_order.id}"
        crafted = self.url_open(url + "?preorder_message=Pay+to+IBAN+XX00&preorder_cancelled=x")
        self.assertEqual(crafted.status_code, 200)
        self.assertNotIn("IBAN XX00", crafted.text)
        self.assertIn("Your order was cancelled.", crafted.text, "a fixed text only")
        refused = self.url_open(url + "?preorder_cancel_refused=1").text
        self.assertIn("This order can no longer be cancelled.", refused)
        self.assertNotIn("preorder_cancel_message", self.url_open(url).text)

    def test_rpc_remove_allocations_as_salesman(self):
        self._login("salesman_own")
        with self.assertRaises(JsonRpcException):
            self._call_kw("preorder.allocation", "action_remove_allocations", self.other_alloc.ids)
        self.assertTrue(self.other_alloc.exists(), "nothing removed over RPC")

    def test_rpc_request_actions_as_stock_user_and_accountant(self):
        for role in ("stock_user", "accountant"):
            with self.subTest(role=role):
                self._login(role)
                for method in (
                    "action_allocate_sales_orders",
                    "action_sync_promise_dates",
                    "action_compute_presale_prices",
                ):
                    with self.assertRaises(JsonRpcException, msg=method):
                        self._call_kw("purchase.order", method, self.request.ids)

    def test_release_is_not_callable_over_rpc(self):
        for role in ("salesman_own", "stock_user", "purchase_user"):
            with self.subTest(role=role):
                self._login(role)
                for model, method in (
                    ("preorder.allocation", "_release_products"),
                    ("preorder.allocation", "_cron_release_preorders"),
                    ("product.product", "_preorder_mark_release_pending"),
                    ("sale.order.line", "_preorder_release_report"),
                    ("preorder.allocation", "_allocate_parked"),
                    ("preorder.allocation", "_create_planned"),
                    ("preorder.allocation", "_free"),
                    ("preorder.allocation", "_move_to_earlier_supply"),
                    ("sale.order", "_preorder_notify_released"),
                    ("sale.order.line", "_preorder_cart_room"),
                    ("sale.order", "_preorder_fix_pricelists"),
                    ("sale.order.line", "_preorder_check_released_quantity"),
                    ("sale.order.line", "_preorder_schedule_large_order_todo"),
                    ("sale.order", "_preorder_portal_cancel"),
                    ("sale.order.line", "_preorder_allocate_confirmed"),
                    ("sale.order", "_preorder_consent_answer"),
                    ("sale.order.line", "_cron_preorder_consent_lapse"),
                    ("product.product", "_preorder_notify_opened"),
                    ("product.product", "_preorder_unsubscribe"),
                ):
                    with self.assertRaises(JsonRpcException, msg=f"{model}.{method}"):
                        self._call_kw(model, method, [])
        self.assertEqual(self.own_order.order_line.preorder_state, "allocated")
