import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import format_date, formatLang

from ..rules import availability as availability_rules
from ..rules import presale as presale_rules
from ..rules.supply import PREORDER_KINDS, PRESALE, REQUEST_KINDS, TAKING_STATES

_logger = logging.getLogger(__name__)


class ProductProduct(models.Model):
    _inherit = "product.product"

    preorder_national_qty = fields.Float(
        "National Pre-order Quantity",
        compute="_compute_preorder_availability",
        digits="Product Unit of Measure",
    )
    preorder_national_date = fields.Date(
        "National Pre-order Arrival", compute="_compute_preorder_availability"
    )
    preorder_international_qty = fields.Float(
        "International Pre-order Quantity",
        compute="_compute_preorder_availability",
        digits="Product Unit of Measure",
    )
    preorder_international_date = fields.Date(
        "International Pre-order Arrival", compute="_compute_preorder_availability"
    )
    presale_qty = fields.Float(
        "Pre-sale Quantity",
        compute="_compute_preorder_availability",
        digits="Product Unit of Measure",
        help="Calculated quantity offered for pre-sale: the pre-sale ATP arriving within "
        "the Days for Calculation, times the Available Quantity Multiplier.",
    )
    presale_date = fields.Date("Pre-sale Arrival", compute="_compute_preorder_availability")
    # Stored catalogue flags, maintained by the catalogue job (ir_cron_refresh_catalog).
    preorder_national_listed = fields.Boolean(
        "Listed for National Pre-order", readonly=True, copy=False, index=True
    )
    preorder_international_listed = fields.Boolean(
        "Listed for International Pre-order", readonly=True, copy=False, index=True
    )
    presale_listed = fields.Boolean("Listed for Pre-sale", readonly=True, copy=False, index=True)
    preorder_release_pending = fields.Boolean(
        "Release Pending",
        readonly=True,
        copy=False,
        index=True,
        help="Stock came in for this product: the release job has not looked at it yet.",
    )
    preorder_purchase_line_ids = fields.One2many(
        "purchase.order.line", "product_id", groups="purchase.group_purchase_user"
    )

    @api.depends_context("company", "tz")
    def _compute_preorder_availability(self):
        availability = self._get_preorder_availability()
        for product in self:
            product.update(self._preorder_availability_values(availability[product.id]))

    @api.model
    def _preorder_availability_values(self, availability):
        return {
            "preorder_national_qty": availability.national.qty,
            "preorder_national_date": availability.national.date,
            "preorder_international_qty": availability.international.qty,
            "preorder_international_date": availability.international.date,
            "presale_qty": availability.presale.qty,
            "presale_date": availability.presale.date,
        }

    # ------------------------------------------------------------------
    # Availability (SPEC §3): one grouped query for a whole recordset
    # ------------------------------------------------------------------

    def _preorder_today(self, company=None):
        """Today in the company's timezone (SPEC §4: one "today", whoever asks)."""
        return (company or self.env.company).sudo()._preorder_today()

    def _preorder_day_start_utc(self, day, company=None):
        """The UTC datetime at which ``day`` starts in the company's timezone."""
        return (company or self.env.company).sudo()._preorder_day_start_utc(day)

    @api.model
    def _preorder_taking_domain(self, kinds=None):
        """Request lines whose request takes orders of its kind (rules.supply)."""
        return expression.OR(
            [
                [("preorder_kind", "=", kind), ("state", "in", sorted(TAKING_STATES[kind]))]
                for kind in sorted(kinds or REQUEST_KINDS)
            ]
        )

    def _get_supply_domain(self, company, today, kinds=None):
        """Domain of the request lines that may be supply lines of these products.

        Hook for other addons: the taking states per kind come from rules.supply.
        """
        domain = [
            ("product_id", "in", self.ids),
            *self._preorder_taking_domain(kinds),
            ("company_id", "=", company.id),
            ("date_planned", ">=", company.sudo()._preorder_day_start_utc(today)),
            ("preorder_atp", ">", 0),
        ]
        if company.preorder_warehouse_mode != "all":
            domain.append(("preorder_warehouse_id", "in", company._get_preorder_warehouses().ids))
        return domain

    def _get_preorder_supply_groups(self, company, today):
        """SupplyGroup rows of these products: ATP summed per kind, state and arrival day."""
        if not self.ids:
            return []
        # arrival days are counted in the company's timezone
        tz = company.sudo()._preorder_tz().zone
        groups = (
            self.env["purchase.order.line"]
            .sudo()
            .with_context(tz=tz)
            ._read_group(
                self._get_supply_domain(company, today),
                groupby=["product_id", "preorder_kind", "state", "date_planned:day"],
                aggregates=["preorder_atp:sum"],
            )
        )
        return [
            availability_rules.SupplyGroup(
                product.id, kind, state, arrival.date() if arrival else None, atp
            )
            for product, kind, state, arrival, atp in groups
        ]

    def _get_preorder_availability(self, company=None, today=None):
        """{product_id: ProductAvailability} per kind, for the whole recordset.

        The product page, the shop filters, the cart and the allocator all read
        this. Its query count does not depend on the number of products, lines
        or warehouses.
        """
        # a record of its own: env.company prefetches through the user's cache,
        # which an invalidation empties (then warehouses are read one by one)
        company = self.env["res.company"].sudo().browse((company or self.env.company).id)
        today = today or company._preorder_today()
        groups = self._get_preorder_supply_groups(company, today)
        return availability_rules.aggregate(
            groups, self.ids, today, company._get_preorder_availability_settings()
        )

    def _preorder_free_stock(self, company=None):
        """{product_id: on hand − reserved} in the configured warehouses, one query."""
        company = company or self.env.company
        result = dict.fromkeys(self.ids, 0.0)
        if not self.ids:
            return result
        groups = (
            self.env["stock.quant"]
            .sudo()
            ._read_group(
                self._preorder_quant_domain(company),
                groupby=["product_id"],
                aggregates=["quantity:sum", "reserved_quantity:sum"],
            )
        )
        for product, quantity, reserved in groups:
            result[product.id] = quantity - reserved
        return result

    @api.model
    def _preorder_open_request_domain(self, company):
        """Request lines of open requests (taking orders, arrival today or later)."""
        return [
            *self._preorder_taking_domain(),
            ("company_id", "=", company.id),
            (
                "date_planned",
                ">=",
                self._preorder_day_start_utc(self._preorder_today(company), company),
            ),
        ]

    @api.model
    def _preorder_shop_domain(self, availability, company):
        """Domain on product.template for a shop filter (SPEC §7).

        Reads the stored catalogue flags, and stock and requests through
        sub-queries: no per-product computation.
        """
        Product = self.sudo().with_context(active_test=False)
        warehouses = company._get_preorder_warehouses()
        in_stock = Product._search(
            [
                (
                    "stock_quant_ids",
                    "any",
                    [
                        ("location_id.usage", "=", "internal"),
                        ("location_id.warehouse_id", "in", warehouses.ids),
                        ("quantity", ">", 0),
                    ],
                )
            ]
        )
        if availability == "in_stock":
            return [("product_variant_ids", "in", in_stock)]
        if availability in ("national", "international", "presale"):
            flag = {
                "national": "preorder_national_listed",
                "international": "preorder_international_listed",
                "presale": "presale_listed",
            }[availability]
            return [("product_variant_ids", "any", [(flag, "=", True)])]
        if availability == "next_day":
            on_request = Product._search(
                [("preorder_purchase_line_ids", "any", self._preorder_open_request_domain(company))]
            )
            return [
                ("next_day_shipping", "=", True),
                ("product_variant_ids", "in", in_stock),
                ("product_variant_ids", "not in", on_request),
            ]
        return []

    def _preorder_on_request(self, company):
        """Ids of these products on an open request (any kind, ATP or not), one query."""
        if not self.ids:
            return set()
        groups = (
            self.env["purchase.order.line"]
            .sudo()
            ._read_group(
                [("product_id", "in", self.ids), *self._preorder_open_request_domain(company)],
                groupby=["product_id"],
            )
        )
        return {product.id for (product,) in groups}

    def _preorder_free_stock_by_warehouse(self, company):
        """{warehouse: free quantity} of this product in the considered warehouses."""
        self.ensure_one()
        warehouses = company._get_preorder_warehouses()
        result = dict.fromkeys(warehouses, 0.0)
        groups = (
            self.env["stock.quant"]
            .sudo()
            ._read_group(
                self._preorder_quant_domain(company),
                groupby=["location_id"],
                aggregates=["quantity:sum", "reserved_quantity:sum"],
            )
        )
        for location, quantity, reserved in groups:
            warehouse = location.warehouse_id
            if warehouse in result:
                result[warehouse] += quantity - reserved
        return result

    def _preorder_is_restock(self, company):
        """True when the product's open pre-order requests are restocks ("Back-order")."""
        self.ensure_one()
        domain = self._get_supply_domain(company, self._preorder_today(company), PREORDER_KINDS)
        groups = self.env["purchase.order.line"].sudo()._read_group(domain, groupby=["order_id"])
        flags = {order.is_restock for (order,) in groups}
        return flags == {True}

    def _preorder_restock_products(self, company):
        """Ids of these products whose open pre-order requests are all restocks
        ("Back-order"), in one grouped query."""
        groups = (
            self.env["purchase.order.line"]
            .sudo()
            ._read_group(
                [
                    ("product_id", "in", self.ids),
                    ("preorder_kind", "in", ["national", "international"]),
                    ("company_id", "=", company.id),
                    ("preorder_atp", ">", 0),
                ],
                groupby=["product_id", "order_id"],
            )
        )
        flags = {}
        for product, order in groups:
            flags.setdefault(product.id, set()).add(order.is_restock)
        return {product_id for product_id, values in flags.items() if values == {True}}

    def _preorder_website_info(self, website):
        """What the product page shows: quantities, dates and prices only."""
        self.ensure_one()
        company = website.company_id.sudo()
        product = self.with_company(company).sudo()
        availability = product._get_preorder_availability(company)[product.id]
        by_warehouse = product._preorder_free_stock_by_warehouse(company)
        free = sum(by_warehouse.values())
        on_request = product.id in product._preorder_on_request(company)
        currency = website.currency_id

        def when(date):
            return format_date(self.env, date) if date else ""

        presale_price = ""
        if availability.presale.qty and company.presale_pricelist_id:
            presale_price = formatLang(
                self.env, product._preorder_website_price(website, currency), currency_obj=currency
            )
        international_price = ""
        if availability.international.qty and company.international_pricelist_id:
            international_price = formatLang(
                self.env,
                product._preorder_website_price(
                    website, currency, company.international_pricelist_id
                ),
                currency_obj=currency,
            )
        label = _("Back-order") if product._preorder_is_restock(company) else _("Pre-order")
        options = []
        if free > 0:
            options.append({"kind": "stock", "label": _("From stock – standard delivery")})
        # "Offer pre-orders only while out of stock" (README, Catalogue)
        preorder_open = not (company.preorder_only_out_of_stock and free > 0)
        if availability.national.qty > 0 and preorder_open:
            options.append({"kind": "national", "label": _("As %s", label.lower())})
        if availability.presale.qty > 0:
            options.append({"kind": "presale", "label": _("As pre-sale")})
        if availability.international.qty > 0 and preorder_open:
            options.append({"kind": "international", "label": _("As international pre-order")})
        if product.next_day_shipping and free > 0 and not on_request:
            options.append({"kind": "next_day", "label": _("As next-day shipping")})
        return {
            "sku": product.default_code or "",
            "label": label,
            "stock": [
                {"warehouse": warehouse.name, "qty": qty}
                for warehouse, qty in by_warehouse.items()
                if qty > 0
            ],
            "national": {
                "qty": availability.national.qty if preorder_open else 0.0,
                "date": when(availability.national.date),
            },
            "international": {
                "qty": availability.international.qty if preorder_open else 0.0,
                "date": when(availability.international.date),
                "delivery_estimated_time": product.delivery_estimated_time or "",
                "price": international_price,
                "min_qty": product.preorder_min_qty,
                "message": company.international_preorder_message or "",
            },
            "presale": {
                "qty": availability.presale.qty,
                "date": when(availability.presale.date),
                "price": presale_price,
                "message": company.presale_message or "",
            },
            "exclusivity_min_qty": product.exclusivity_min_qty,
            "options": options,
        }

    def _preorder_website_price(self, website, currency, pricelist=None):
        """The pre-sale (or international) price as the cart will charge it: the
        kind's pricelist price in the website's currency, with or without taxes as
        the website shows prices (its fiscal position applied)."""
        self.ensure_one()
        pricelist = pricelist or website.company_id.sudo().presale_pricelist_id
        price = pricelist._get_product_price(self, 1.0, currency=currency)
        product_taxes = self.sudo().taxes_id._filter_taxes_by_company(website.company_id)
        taxes = website.fiscal_position_id.sudo().map_tax(product_taxes)
        return self.env["product.template"]._apply_taxes_to_price(
            price, currency, product_taxes, taxes, self, website=website
        )

    def _preorder_quant_domain(self, company):
        warehouses = company._get_preorder_warehouses()
        return [
            ("product_id", "in", self.ids),
            ("location_id.usage", "=", "internal"),
            ("location_id.warehouse_id", "in", warehouses.ids),
            ("company_id", "=", company.id),
        ]

    # ------------------------------------------------------------------
    # Catalogue job (SPEC §5)
    # ------------------------------------------------------------------

    _PREORDER_LISTING_FIELDS = (
        "preorder_national_listed",
        "preorder_international_listed",
        "presale_listed",
    )

    def _preorder_listing_flags(self, company, today=None):
        """{product_id: (national, international, presale)} as they should be now."""
        availability = self._get_preorder_availability(company, today)
        in_stock = {}
        if company.preorder_only_out_of_stock:
            in_stock = self._preorder_free_stock(company)
        flags = {}
        for product in self:
            avail = availability[product.id]
            blocked = in_stock.get(product.id, 0.0) > 0
            flags[product.id] = (
                avail.national.qty > 0 and not blocked,
                avail.international.qty > 0 and not blocked,
                avail.presale.qty > 0,
            )
        return flags

    def _preorder_write_listing_flags(self, flags):
        """Write changed flags grouped by value: a few writes, not one per product."""
        by_value = {}
        for product in self:
            current = tuple(product[name] for name in self._PREORDER_LISTING_FIELDS)
            wanted = flags[product.id]
            if current != wanted:
                by_value.setdefault(wanted, []).append(product.id)
        changed = 0
        for wanted, ids in by_value.items():
            self.browse(ids).write(dict(zip(self._PREORDER_LISTING_FIELDS, wanted, strict=True)))
            changed += len(ids)
        return changed

    @api.model
    def _preorder_request_products(self, company, kinds=None):
        """Products on requests of the company (of ``kinds``), in one grouped query."""
        domain = [("company_id", "=", company.id), ("product_id", "!=", False)]
        domain.append(
            ("preorder_kind", "in", list(kinds)) if kinds else ("preorder_kind", "!=", False)
        )
        groups = self.env["purchase.order.line"].sudo()._read_group(domain, groupby=["product_id"])
        return self.browse({product.id for (product,) in groups})

    @api.model
    def _preorder_catalog_candidates(self, company):
        """Products with requests of the company, plus those listed now."""
        listed = self.with_context(active_test=False).search(
            [
                ("company_id", "in", (company.id, False)),
                "|",
                "|",
                ("preorder_national_listed", "=", True),
                ("preorder_international_listed", "=", True),
                ("presale_listed", "=", True),
            ]
        )
        return self._preorder_request_products(company) | listed

    @api.model
    def _preorder_catalog_owners(self):
        """{(company ids): product ids}: the companies whose requests decide each
        variant's flags. A variant listed now that is on no request is unlisted
        by the first company. Grouped queries only, one per company."""
        companies = self.env["res.company"].search([], order="id")
        owners = {}
        for company in companies:
            products = self.with_company(company).sudo()._preorder_request_products(company)
            for product_id in products.ids:
                owners.setdefault(product_id, []).append(company.id)
        listed = (
            self.sudo()
            .with_context(active_test=False)
            .search(
                [
                    "|",
                    "|",
                    ("preorder_national_listed", "=", True),
                    ("preorder_international_listed", "=", True),
                    ("presale_listed", "=", True),
                ]
            )
        )
        for product_id in listed.ids:
            owners.setdefault(product_id, companies[:1].ids)
        by_owners = {}
        for product_id, company_ids in owners.items():
            by_owners.setdefault(tuple(company_ids), []).append(product_id)
        return by_owners

    @api.model
    def _cron_refresh_preorder_catalog(self, batch_size=1000):
        """Catalogue job: list and unlist products for each kind (every 15 minutes).

        The flags are global per variant: a variant shared between companies is
        listed for a kind when any company with requests for it offers that
        kind, so the result does not depend on the order companies are visited.
        Works in batches; a failing batch is retried product by product so one
        bad record is logged and skipped instead of rolling back the run.
        Returns counts.
        """
        counts = {"checked": 0, "changed": 0, "failed": 0}
        for company_ids, product_ids in self._preorder_catalog_owners().items():
            companies = self.env["res.company"].browse(company_ids)
            candidates = self.with_company(companies[0]).sudo().browse(sorted(product_ids))
            for start in range(0, len(candidates), batch_size):
                batch = candidates[start : start + batch_size]
                try:
                    with self.env.cr.savepoint():
                        counts["changed"] += batch._preorder_refresh_listing(companies)
                    counts["checked"] += len(batch)
                except Exception:
                    _logger.exception("Catalogue batch failed, retrying product by product")
                    for product in batch:
                        try:
                            with self.env.cr.savepoint():
                                counts["changed"] += product._preorder_refresh_listing(companies)
                            counts["checked"] += 1
                        except Exception:
                            _logger.exception("Catalogue refresh failed for %s", product.id)
                            counts["failed"] += 1
                batch.invalidate_recordset()
        return counts

    def _preorder_refresh_listing(self, companies):
        """Write the flags of these variants: a kind is listed when one of
        ``companies`` lists it."""
        flags = {}
        for company in companies:
            company_flags = self.with_company(company)._preorder_listing_flags(company)
            for product_id, values in company_flags.items():
                old = flags.get(product_id, (False, False, False))
                flags[product_id] = tuple(a or b for a, b in zip(old, values, strict=True))
        return self._preorder_write_listing_flags(flags)

    # ------------------------------------------------------------------
    # Pre-sale price (SPEC §6)
    # ------------------------------------------------------------------

    def _update_presale_prices(self):
        """Write the pre-sale price rules of these variants in the Pre-sale Pricelist.

        Variants on pre-sale get a fixed-price rule at list price × (1 − Cash
        Payment %); rules the addon wrote for the others are removed; rules
        written by hand are never touched. Returns the counts.
        """
        company = self.env.company
        pricelist = company.presale_pricelist_id
        if not pricelist:
            raise UserError(
                _(
                    "Set a Pre-sale Pricelist in Website ▸ Configuration ▸ Settings "
                    "before calculating pre-sale prices."
                )
            )
        products = self.filtered(lambda p: p.company_id in (company, self.env["res.company"]))
        items = (
            self.env["product.pricelist.item"]
            .sudo()
            .search(
                [
                    ("pricelist_id", "=", pricelist.id),
                    ("applied_on", "=", "0_product_variant"),
                    ("product_id", "in", products.ids),
                ]
            )
        )
        existing = {}
        for item in items.filtered("preorder_managed"):
            existing.setdefault(item.product_id.id, []).append((item.id, item.fixed_price))
        manual = set(items.filtered(lambda i: not i.preorder_managed).product_id.ids)
        availability = products._get_preorder_availability(company)
        on_presale = {pid for pid, avail in availability.items() if avail.presale.qty > 0}
        today = company._preorder_today()
        list_prices = {
            product.id: company.currency_id._convert(
                product.lst_price, pricelist.currency_id, company, today, round=False
            )
            for product in products.with_context(pricelist=False, quantity=1)
        }
        create, update, delete = presale_rules.plan_price_rules(
            list_prices,
            on_presale,
            manual,
            existing,
            company.presale_cash_payment_percent,
            pricelist.currency_id.decimal_places,
        )
        Item = self.env["product.pricelist.item"].sudo()
        Item.browse(delete).unlink()
        by_price = {}
        for item_id, price in update.items():
            by_price.setdefault(price, []).append(item_id)
        for price, item_ids in by_price.items():
            Item.browse(item_ids).write({"fixed_price": price})
        products_by_id = {product.id: product for product in products}
        Item.create(
            [
                {
                    "pricelist_id": pricelist.id,
                    "applied_on": "0_product_variant",
                    "display_applied_on": "1_product",
                    "product_id": variant_id,
                    "product_tmpl_id": products_by_id[variant_id].product_tmpl_id.id,
                    "compute_price": "fixed",
                    "fixed_price": price,
                    "preorder_managed": True,
                }
                for variant_id, price in create.items()
            ]
        )
        return {"created": len(create), "updated": len(update), "removed": len(delete)}

    @api.model
    def _cron_update_presale_prices(self):
        """Presale Price Update: every company with a Pre-sale Pricelist.

        Considers the variants of pre-sale request lines and those holding a rule
        the addon wrote. A failing company is logged and skipped, not the run.
        Returns the summed counts.
        """
        totals = {"created": 0, "updated": 0, "removed": 0, "failed_companies": 0}
        companies = self.env["res.company"].search([("presale_pricelist_id", "!=", False)])
        for company in companies:
            env = self.with_company(company).env
            try:
                with env.cr.savepoint():
                    variants = self._presale_price_candidates(company)
                    counts = variants.with_company(company)._update_presale_prices()
            except Exception:
                _logger.exception("Pre-sale price update failed for company %s", company.name)
                totals["failed_companies"] += 1
                continue
            for key, value in counts.items():
                totals[key] += value
        return totals

    @api.model
    def _presale_price_candidates(self, company):
        """Variants of pre-sale requests, plus those holding a rule the addon wrote."""
        items = (
            self.env["product.pricelist.item"]
            .sudo()
            ._read_group(
                [
                    ("pricelist_id", "=", company.presale_pricelist_id.id),
                    ("preorder_managed", "=", True),
                ],
                groupby=["product_id"],
            )
        )
        managed = self.browse({product.id for (product,) in items})
        return self._preorder_request_products(company, [PRESALE]) | managed
