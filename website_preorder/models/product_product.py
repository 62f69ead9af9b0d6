import logging
from collections import defaultdict
from datetime import datetime, time, timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, consteq, email_normalize, float_compare, format_date, format_datetime
from odoo.tools.misc import hmac

from ..rules import atp as atp_rules
from ..rules import availability as availability_rules
from ..rules import launch as launch_rules
from ..rules import supply as supply_rules
from ..rules.allocation import OPEN_STATES
from ..rules.kinds import INTERNATIONAL, NATIONAL, PRESALE, REQUEST_KINDS
from .product_template import LISTING_FLAGS

_logger = logging.getLogger(__name__)

#: where an interrupted pass of the catalogue job resumes (last product id done)
CATALOG_CURSOR = "website_preorder.catalog_cursor"
#: the kinds the catalogue job lists, in the order of the tuples of its flags
LISTED_KINDS = (NATIONAL, INTERNATIONAL, PRESALE)
FLAG_FIELDS = tuple(LISTING_FLAGS[kind] for kind in LISTED_KINDS)
#: the scope of the tokens of "tell me when it opens" unsubscribe links
TOKEN_SCOPE = "website_preorder-subscription"
#: visitors' subscriptions e-mailed from one connection (IP address) per hour
SUBSCRIPTIONS_PER_IP_HOUR = 5


class ProductProduct(models.Model):
    """A variant's availability per kind, from its supply lines (SPEC §3).

    The catalogue job (``_cron_refresh_preorder_catalog``) keeps the stored
    ``*_listed`` flags the shop filters read, from the same availability the
    product page and the cart compute; when it first lists a kind, the
    shoppers who asked to be told ("tell me when it opens", Odoo's
    back-in-stock pattern of website_sale_stock) get one e-mail. Incoming
    stock marks products pending for the release job. The page payload is
    ``website._preorder_product_info``.
    """

    _inherit = "product.product"

    preorder_availability_explained = fields.Html(
        "Why this availability",
        compute="_compute_preorder_availability_explained",
        sanitize=False,
        groups="purchase.group_purchase_user,sales_team.group_sale_manager",
        help="What the shop shows for each kind and why: the request lines counted, holds, "
        "allocations, safety buffer, warehouses and pre-sale settings.",
    )

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
    preorder_subscriber_ids = fields.Many2many(
        "res.partner",
        relation="preorder_subscription_product_partner_rel",
        string="Told When It Opens",
        groups="sales_team.group_sale_salesman",
        help="Shoppers who asked to be e-mailed when this product can be pre-ordered or "
        "pre-sold; each is told once, then the subscription ends.",
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

    def _get_supply_domain(self, company, today, kinds=None, selling=False):
        """Domain of the request lines that may be supply lines of these products.

        The SQL form of ``rules.supply.is_supply_line`` (taking state of its kind,
        arrival today or later in the company's timezone, ATP above zero), scoped
        to the company and its pre-order warehouses. With ``selling``, only the
        lines whose campaign is open now (``rules.launch.is_open``): what the
        shop offers and a checkout holds; allocation serves orders already taken
        from any supply line. Hook for other addons.
        """
        domain = [
            ("product_id", "in", self.ids),
            *self.env["purchase.order.line"]._preorder_taking_domain(kinds),
            ("company_id", "=", company.id),
            ("date_planned", ">=", company.sudo()._preorder_day_start_utc(today)),
            ("preorder_atp", ">", 0),
        ]
        if selling:
            now = fields.Datetime.now()
            domain += [
                "|",
                ("preorder_open_from", "=", False),
                ("preorder_open_from", "<=", now),
                "|",
                ("preorder_open_until", "=", False),
                ("preorder_open_until", ">", now),
            ]
        if company.preorder_warehouse_mode != "all":
            domain.append(("preorder_warehouse_id", "in", company._get_preorder_warehouses().ids))
        return domain

    def _get_preorder_supply_groups(self, company, today):
        """SupplyGroup rows of these products: ATP summed per kind, state, arrival
        day and restock flag of the request."""
        if not self.ids:
            return []
        # arrival days are counted in the company's timezone
        tz = company.sudo()._preorder_tz().zone
        Supply = self.env["purchase.order.line"].sudo().with_context(tz=tz)
        domain = self._get_supply_domain(company, today, selling=True)
        groupby = [
            "product_id",
            "preorder_kind",
            "state",
            "date_planned:day",
            "preorder_is_restock",
        ]
        groups = Supply._read_group(domain, groupby=groupby, aggregates=["preorder_atp:sum"])
        # what shoppers paying right now hold is not available to anyone else
        # (expired holds no longer count, whether swept or not): one query,
        # and one more only while someone holds these products
        held = self.env["preorder.hold"]._held_by_supply(products=self)
        held_by_group = defaultdict(float)
        if held:
            for *key, ids in Supply._read_group(
                [*domain, ("id", "in", list(held))], groupby=groupby, aggregates=["id:array_agg"]
            ):
                held_by_group[tuple(key)] = sum(held[line_id] for line_id in ids)
        return [
            availability_rules.SupplyGroup(
                product.id,
                kind,
                state,
                arrival.date() if arrival else None,
                atp_rules.net_atp(
                    atp,
                    held_by_group.get((product, kind, state, arrival, restock), 0.0),
                    product.product_tmpl_id.uom_id.rounding,
                ),
                restock,
                product.product_tmpl_id.uom_id.rounding,
            )
            for product, kind, state, arrival, restock, atp in groups
        ]

    def _preorder_windows(self, company, kinds=None):
        """{(product id, kind): (rules.launch state, date)} of these products'
        campaigns: open (or without dates), not open yet (with the opening) or
        closed (with the closing), from their supply lines in one read. Read
        only where it is said: the page of a product that cannot be bought, a
        refused cart line, a back-office order's confirmation."""
        if not self.ids:
            return {}
        lines = (
            self.env["purchase.order.line"]
            .sudo()
            .search_read(
                self._get_supply_domain(company, company._preorder_today(), kinds),
                ["product_id", "preorder_kind", "preorder_open_from", "preorder_open_until"],
                load=None,
            )
        )
        windows = defaultdict(list)
        for line in lines:
            windows[(line["product_id"], line["preorder_kind"])].append(
                (line["preorder_open_from"], line["preorder_open_until"])
            )
        now = fields.Datetime.now()
        return {key: launch_rules.window(value, now) for key, value in windows.items()}

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

    def action_view_preorder_demand(self):
        """Pre-orders smart button: demand against supply of this variant."""
        self.ensure_one()
        return self.env["preorder.demand.report"]._action_for(
            [("product_id", "=", self.id)], self.display_name
        )

    # ------------------------------------------------------------------
    # "Why this availability" (staff): what the shop shows, and why
    # ------------------------------------------------------------------

    def _compute_preorder_availability_explained(self):
        for product in self:
            product.preorder_availability_explained = (
                product._preorder_availability_explanation() if product.id else False
            )

    def _preorder_availability_explanation(self, company=None):
        """The staff's "Why this availability" of this variant in ``company``
        (HTML, ``_preorder_availability_explanation_values``)."""
        return self.env["ir.qweb"]._render(
            "website_preorder.availability_explanation",
            self._preorder_availability_explanation_values(company),
        )

    def _preorder_availability_explanation_values(self, company=None):
        """What the shop shows for this variant in ``company`` (the current one)
        and why: each kind's quantity and date as the shop computes them
        (``_get_preorder_availability``), every request line of the variant
        with what it counts (ordered, received, allocated, safety buffer,
        held by checkouts, ATP) and, when it does not count, why
        (``rules.supply.line_status``), the warehouses considered, the free
        stock, the pre-sale multiplier: the values of the QWeb template
        ``website_preorder.availability_explanation``."""
        self.ensure_one()
        company = self.env["res.company"].sudo().browse((company or self.env.company).id)
        product = self.sudo().with_company(company)
        today = company._preorder_today()
        now = fields.Datetime.now()
        availability = product._get_preorder_availability(company)[product.id]
        warehouses = company._get_preorder_warehouses()
        free = self.env["stock.quant"]._preorder_free_qty(product, company)[product.id]
        Supply = self.env["purchase.order.line"].sudo()
        lines = Supply.search(
            [
                ("product_id", "=", product.id),
                ("company_id", "=", company.id),
                ("preorder_kind", "!=", False),
            ],
            order="date_planned, id",
        )
        held = self.env["preorder.hold"]._held_by_supply(supply_lines=lines)
        uom = product.product_tmpl_id.uom_id

        def qty(quantity):
            return self.env["preorder.allocation"]._preorder_format_qty(quantity, uom)

        kind_labels = dict(Supply._fields["preorder_kind"]._description_selection(self.env))
        state_labels = dict(
            self.env["purchase.order"]._fields["state"]._description_selection(self.env)
        )
        statuses = {
            supply_rules.COUNTED: self.env._("Counted"),
            supply_rules.NOT_TAKING: self.env._("Not taking orders in this state"),
            supply_rules.NO_ARRIVAL: self.env._("No expected arrival"),
            supply_rules.ARRIVAL_PASSED: self.env._("Expected arrival passed"),
            supply_rules.OTHER_WAREHOUSE: self.env._("Warehouse not considered"),
            supply_rules.NOT_OPEN: self.env._("Orders not open (campaign dates)"),
            supply_rules.NOTHING_TO_PROMISE: self.env._("Nothing left to promise"),
        }
        rows = []
        for line in lines:
            ordered, received = line._preorder_ordered_and_received()
            atp = line._preorder_supply(held.get(line.id, 0.0)).atp
            status = supply_rules.line_status(
                line.preorder_kind,
                line.state,
                atp,
                company._preorder_date_of(line.date_planned),
                today,
                open_now=launch_rules.is_open(
                    line.preorder_open_from, line.preorder_open_until, now
                ),
                warehouse_considered=company.preorder_warehouse_mode == "all"
                or line.preorder_warehouse_id in warehouses,
            )
            rows.append(
                {
                    "request": line.order_id.name,
                    "kind": kind_labels.get(line.preorder_kind, line.preorder_kind),
                    "state": state_labels.get(line.state, line.state),
                    "arrival": format_date(self.env, company._preorder_date_of(line.date_planned)),
                    "ordered": qty(ordered),
                    "received": qty(received),
                    "allocated": qty(line.preorder_allocated_qty),
                    "buffer": qty(line._preorder_safety_buffer(ordered)),
                    "held": qty(held.get(line.id, 0.0)),
                    "atp": qty(atp),
                    "status": statuses[status],
                    "counted": status == supply_rules.COUNTED,
                    "kind_code": line.preorder_kind,
                    "atp_value": atp,
                }
            )
        blocked = (
            company.preorder_only_out_of_stock
            and float_compare(free, 0.0, precision_rounding=uom.rounding) > 0
        )
        # outside the messages: the translation extractor reads their arguments
        multiplier = f"{company.presale_qty_multiplier:g}"
        how = {
            NATIONAL: self.env._("the ATP of the counted pre-order lines, summed"),
            INTERNATIONAL: self.env._("the ATP of the counted international lines, summed"),
            PRESALE: self.env._(
                "%(multiplier)s × %(atp)s (the counted pre-sale lines' ATP), rounded down; "
                "at least %(minimum)s, from %(days)s day(s) before arrival",
                multiplier=multiplier,
                atp=qty(availability.presale_atp),
                minimum=qty(company.presale_min_qty),
                days=company.presale_days,
            ),
        }
        enabled = {
            NATIONAL: company.preorder_enabled,
            INTERNATIONAL: company.preorder_enabled,
            PRESALE: company.presale_enabled,
        }
        reasons = dict(
            self.env["preorder.listing.change"]._fields["reason"]._description_selection(self.env)
        )
        last_changes = {}
        for change in (
            self.env["preorder.listing.change"]
            .sudo()
            .search([("product_id", "=", product.id)], order="changed_at desc, id desc", limit=30)
        ):
            last_changes.setdefault(change.kind, change)
        kinds = []
        for kind in (NATIONAL, INTERNATIONAL, PRESALE):
            offer = availability.get(kind)
            last = last_changes.get(kind)
            text = how[kind]
            if not enabled[kind]:
                text = self.env._("disabled in the settings: nothing offered")
            elif blocked and kind != PRESALE:
                text += self.env._("; not offered now: in stock")
            kinds.append(
                {
                    "label": kind_labels[kind],
                    "qty": qty(offer.qty),
                    "date": format_date(self.env, offer.date) if offer.date else "",
                    "listed": self.env._("Yes")
                    if product[LISTING_FLAGS[kind]]
                    else self.env._("No"),
                    "changed": last
                    and self.env._(
                        "%(when)s: %(reason)s",
                        when=format_datetime(self.env, last.changed_at),
                        reason=reasons[last.reason],
                    ),
                    "how": text,
                }
            )
        return {
            "product": product,
            "company": company,
            "today": format_date(self.env, today),
            "kinds": kinds,
            "lines": rows,
            "warehouses": ", ".join(warehouses.mapped("name")) or self.env._("none"),
            "free": qty(free),
            "only_out_of_stock": company.preorder_only_out_of_stock,
            "presale": company.presale_enabled
            and self.env._(
                "multiplier %(multiplier)s, minimum %(minimum)s, offered from %(days)s "
                "day(s) before arrival",
                multiplier=multiplier,
                minimum=qty(company.presale_min_qty),
                days=company.presale_days,
            ),
        }

    # ------------------------------------------------------------------
    # Google Merchant Center feed (/preorder/feed/google.xml)
    # ------------------------------------------------------------------

    def _preorder_google_items(self, company, websites):
        """Google Merchant attributes (without the ``g:`` prefix) of these
        variants, one item per variant that can be bought now and per website:
        the kind a shopper buys by default decides ``availability`` and
        ``availability_date`` (``rules.availability``, as the product page's
        structured data), the price is the one the page shows for that kind.
        Read in sets: availability, free stock and open requests in one
        grouped query each for the whole batch; the variants' template fields
        read on their templates (not Odoo's related fields, computed per
        variant); each pricelist (a kind's, the website's) prices only the
        variants sold on it, in one computation. A date more than a year ahead
        is left out and logged (Google refuses it)."""
        products = self.with_company(company)
        availability = products._get_preorder_availability(company)
        free = self.env["stock.quant"]._preorder_free_qty(products, company)
        on_request = self.env["purchase.order.line"]._preorder_products_on_request(
            products.filtered(lambda product: product.product_tmpl_id.next_day_shipping), company
        )
        tz = company._preorder_tz()
        horizon = company._preorder_today() + timedelta(days=365)
        several = len(websites) > 1
        # each website as its visitors see it: their pricelist, its currency and
        # fiscal position (the website's public user), its own domain
        visitors = {
            website: website.with_user(website.user_id).sudo().with_company(company)
            for website in websites
        }
        bases = {website: website.get_base_url() for website in websites}
        # the websites' pricelists, currencies and fiscal positions are
        # computed fields, computed again on each read: read once per website
        shop_pricelists = {website: visitor.pricelist_id for website, visitor in visitors.items()}
        currencies = {website: visitor.currency_id for website, visitor in visitors.items()}
        tax_plans = {website: {} for website in websites}
        kind_pricelists = {
            kind: self.env["product.pricelist"].browse(company._preorder_needed_pricelist(kind))
            for kind in (NATIONAL, INTERNATIONAL, PRESALE)
        }
        # first what each variant offers and on which pricelist, then each
        # pricelist prices only its own variants, in one computation
        offers = []
        for product in products:
            template = product.product_tmpl_id
            avail = availability[product.id]
            rounding = template.uom_id.rounding
            in_stock = (
                float_compare(free.get(product.id, 0.0), 0.0, precision_rounding=rounding) > 0
            )
            kinds = availability_rules.offered_kinds(
                avail,
                in_stock,
                company.preorder_only_out_of_stock,
                template.next_day_shipping and product.id not in on_request,
            )
            if not kinds:
                continue
            kind = kinds[0]
            date = avail.get(kind).date if kind in REQUEST_KINDS else None
            if date and date > horizon:
                _logger.info(
                    "Google feed: %s left out, available on %s (more than a year ahead)",
                    product.default_code or product.id,
                    date,
                )
                continue
            for website, visitor in visitors.items():
                pricelist = kind_pricelists.get(kind) or shop_pricelists[website]
                offers.append((product, kind, date, website, visitor, pricelist))
        priced = defaultdict(list)
        for product, _kind, _date, website, _visitor, pricelist in offers:
            priced[(website, pricelist)].append(product.id)
        prices = {
            (website.id, pricelist.id): pricelist._get_products_price(
                products.browse(product_ids), 1.0, currency=currencies[website]
            )
            for (website, pricelist), product_ids in priced.items()
        }
        for product, kind, date, website, visitor, pricelist in offers:
            template = product.product_tmpl_id
            schema = availability_rules.offer_availability(kind, availability[product.id].restock)
            identifier = product.default_code or f"product-{product.id}"
            base = bases[website]
            price = prices[(website.id, pricelist.id)][product.id]
            currency = currencies[website]
            yield {
                "id": f"{identifier}-{website.id}" if several else identifier,
                "title": product.display_name,
                "description": template.description_sale or product.display_name,
                "link": base + product.website_url,
                "image_link": f"{base}/web/image/product.product/{product.id}/image_1024",
                "price": "%.*f %s"
                % (
                    currency.decimal_places,
                    visitor._preorder_price_with_taxes(product, price, tax_plans[website]),
                    currency.name,
                ),
                "condition": "new",
                "availability": availability_rules.GOOGLE_AVAILABILITY[schema],
                "availability_date": (
                    tz.localize(datetime.combine(date, time.min)).isoformat() if date else ""
                ),
                "gtin": product.barcode or "",
                "mpn": product.default_code or "",
                "identifier_exists": "" if product.barcode or product.default_code else "no",
            }

    # ------------------------------------------------------------------
    # Release trigger: incoming stock marks products pending
    # ------------------------------------------------------------------

    @api.model
    def _preorder_mark_release_pending(self, domain, rewrite=False):
        """Mark pending the products of the open pre-order lines in ``domain``.

        ``rewrite``: write the flag of the products already pending too (incoming
        stock): a product the release job is working on right now is locked by
        it, so the write waits for the job's batch to commit and then makes the
        product pending again (PostgreSQL refuses the write of a row the job
        changed meanwhile; Odoo retries the receipt, which finds it released).
        Without it, a receipt landing during the batch would see the flag set,
        write nothing, and its stock would wait for the daily sweep."""
        groups = (
            self.env["sale.order.line"]
            .sudo()
            ._read_group(
                [*domain, ("preorder_state", "in", list(OPEN_STATES))],
                groupby=["product_id"],
            )
        )
        products = self.env["product.product"].union(*(product for (product,) in groups))
        waiting = products.sudo()
        if not rewrite:
            waiting = waiting.filtered(lambda product: not product.preorder_release_pending)
        waiting.write({"preorder_release_pending": True})
        waiting.flush_recordset(["preorder_release_pending"])
        return products

    def _preorder_on_incoming_stock(self):
        """Stock of these products came in (receipt, put-away, return,
        adjustment): those with open pre-order lines become pending and the
        release job (``preorder.allocation._cron_release_preorders``) is triggered.

        Never fails the stock operation for a release problem; a concurrency
        error (the release job holds the product) is raised for Odoo to retry
        the operation, as it retries any serialization failure.
        """
        products = self
        if not products:
            return
        domain = [("product_id", "in", products.ids)]
        # a read first: the savepoint below flushes every pending computation,
        # which must not happen inside receipts of products nobody pre-ordered
        # (Odoo logs received quantities as its own computation finds them)
        open_lines = (
            self.env["sale.order.line"]
            .sudo()
            .search_count([*domain, ("preorder_state", "in", list(OPEN_STATES))], limit=1)
        )
        if not open_lines:
            return
        try:
            with self.env.cr.savepoint():
                if self._preorder_mark_release_pending(domain, rewrite=True):
                    cron = self.env.ref(
                        "website_preorder.ir_cron_release_preorders", raise_if_not_found=False
                    )
                    if cron:
                        cron.sudo()._trigger()
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise
        except Exception:
            _logger.exception("Could not trigger the pre-order release for %s", products.ids)

    # ------------------------------------------------------------------
    # Catalogue job (SPEC §5): the stored listing flags
    # ------------------------------------------------------------------

    @api.model
    def _cron_refresh_preorder_catalog(self, batch_size=2000):
        """List and unlist products for each kind (every 15 minutes).

        The flags are global per variant: a variant shared between companies is
        listed for a kind when any company with requests for it offers that
        kind, so the result does not depend on the order companies are visited.

        One batch of candidates per call, in product id order after the cursor
        kept in ``ir.config_parameter``; the cron progress API makes Odoo's
        runner commit each batch and call again for the rest. A run killed in
        the middle loses only its uncommitted batch (a batch is written whole or
        not at all) and the next run resumes after the last committed one. A
        failing batch is retried product by product, so one bad record is
        logged and skipped. Returns counts, with ``remaining`` for this pass.
        """
        counts = {"checked": 0, "changed": 0, "failed": 0}
        Param = self.env["ir.config_parameter"].sudo()
        cursor = int(Param._preorder_get_job_cursor(CATALOG_CURSOR, "0") or 0)
        batch_ids, remaining = self._preorder_catalog_candidates(cursor, batch_size)
        Product = self.sudo().with_context(active_test=False)
        owners = Product.browse(batch_ids)._preorder_catalog_owners()
        by_owners = {}
        for product_id in batch_ids:
            by_owners.setdefault(owners[product_id], []).append(product_id)
        for company_ids, product_ids in by_owners.items():
            companies = self.env["res.company"].sudo().browse(company_ids)
            batch = Product.browse(product_ids)
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
        Param._preorder_set_job_cursor(CATALOG_CURSOR, str(batch_ids[-1]) if remaining else "0")
        self.env["ir.cron"]._notify_progress(done=len(batch_ids), remaining=remaining)
        return {**counts, "remaining": remaining}

    @api.model
    def _preorder_refresh_catalog_all(self, batch_size=2000):
        """Run the catalogue job to the end of its pass in this transaction (demo
        data, benchmarks, set-up scripts): the cron runner's loop, without it."""
        totals = {"checked": 0, "changed": 0, "failed": 0}
        while True:
            counts = self._cron_refresh_preorder_catalog(batch_size=batch_size)
            for key in totals:
                totals[key] += counts[key]
            if not counts["remaining"]:
                return totals

    @api.model
    def _preorder_catalog_companies(self):
        # every company: a handful of records, each read with grouped queries
        return self.env["res.company"].sudo().search([], order="id")  # pylint: disable=no-search-all

    @api.model
    def _preorder_catalog_candidates(self, after, limit):
        """(ids, remaining): the first ``limit`` variants with an id above ``after``
        whose flags the job decides (on an open request of any company, or
        listed now), and how many more follow them. One query, whatever the
        number of batches, so a pass costs what the open supply holds, not what
        history holds: a variant on no open request and listed for nothing is
        never read."""
        Supply = self.env["purchase.order.line"].sudo()
        parts = []
        for company in self._preorder_catalog_companies():
            query = Supply._search(
                [("product_id", "!=", False), *Supply._preorder_open_request_domain(company)]
            )
            parts.append(query.select(SQL.identifier(query.table, "product_id")))
        listed = (
            self.sudo()
            .with_context(active_test=False)
            ._search(["|", "|", *((flag, "=", True) for flag in FLAG_FIELDS)])
        )
        parts.append(listed.select())
        rows = self.env.execute_query(
            SQL(
                "SELECT id, count(*) OVER () FROM (%s) AS candidate(id)"
                " WHERE id > %s ORDER BY id LIMIT %s",
                SQL(" UNION ").join(parts),
                after,
                limit,
            )
        )
        return [row[0] for row in rows], (rows[0][1] - len(rows) if rows else 0)

    def _preorder_catalog_owners(self):
        """{product id: (company ids)}: the companies whose open requests decide
        the flags of each of these products. A variant listed now that is on no
        open request is unlisted by the first company; the others are unlisted
        already. One grouped query per company."""
        products = self
        companies = self._preorder_catalog_companies()
        Supply = self.env["purchase.order.line"]
        owners = {}
        for company in companies:
            for product_id in Supply._preorder_products_on_request(products, company):
                owners.setdefault(product_id, []).append(company.id)
        for product_id in products.ids:
            owners.setdefault(product_id, companies[:1].ids)
        return {product_id: tuple(company_ids) for product_id, company_ids in owners.items()}

    def _preorder_refresh_listing(self, companies):
        """Write the catalogue flags of these products: a kind is listed when one
        of ``companies`` lists it. Returns how many variants changed."""
        products = self
        flags = dict.fromkeys(products.ids, (False, False, False))
        sources = {}  # {(product id, kind): the first company that lists it}
        blocked = set()  # pre-orders held back by stock
        for company in companies:
            for product_id, values in products._preorder_listing_flags(company, blocked).items():
                flags[product_id] = tuple(
                    a or b for a, b in zip(flags[product_id], values, strict=True)
                )
                for kind, listed in zip(LISTED_KINDS, values, strict=True):
                    if listed:
                        sources.setdefault((product_id, kind), company)
        listed_before = products._preorder_current_flags()
        changed = products._preorder_write_flags(flags, listed_before)
        # the listing change log: what changed, when and why
        self.env["preorder.listing.change"]._preorder_record(
            [
                (product, kind, now, "offered" if now
                 else "in_stock" if kind != PRESALE and product.id in blocked else "nothing")
                for product in products
                for kind, was, now in zip(
                    LISTED_KINDS, listed_before[product.id], flags[product.id], strict=True
                )
                if was != now
            ]
        )  # fmt: skip
        # "Tell me when it opens": kinds listed now that were not
        opened = {}
        for product in products:
            for kind, was, now in zip(
                LISTED_KINDS, listed_before[product.id], flags[product.id], strict=True
            ):
                if now and not was:
                    opened.setdefault(product.id, {})[kind] = sources[product.id, kind]
        if opened:
            try:
                # an e-mail that cannot be built never holds back the listing:
                # the subscriptions stay and are told at the next opening
                with self.env.cr.savepoint():
                    products.browse(list(opened))._preorder_notify_opened(opened)
            except Exception:
                _logger.exception("Pre-order catalogue: opening e-mails failed")
        return changed

    def _preorder_listing_flags(self, company, blocked_by_stock=None):
        """{product id: (national, international, pre-sale)} of these products as
        they should be now for ``company``: a kind is listed while it offers a
        quantity; pre-orders not while in stock when "Offer pre-orders only while
        out of stock" is on (those product ids are added to ``blocked_by_stock``
        when given)."""
        products = self.with_company(company)
        availability = products._get_preorder_availability(company)
        in_stock = {}
        if company.preorder_only_out_of_stock:
            in_stock = self.env["stock.quant"]._preorder_free_qty(products, company)
        flags = {}
        for product in products:
            avail = availability[product.id]
            rounding = product.uom_id.rounding
            free = in_stock.get(product.id, 0.0)
            blocked = float_compare(free, 0.0, precision_rounding=rounding) > 0
            if blocked and blocked_by_stock is not None:
                blocked_by_stock.add(product.id)
            flags[product.id] = (
                avail.national.qty > 0 and not blocked,
                avail.international.qty > 0 and not blocked,
                avail.presale.qty > 0,
            )
        return flags

    def _preorder_current_flags(self):
        """{product id: (national, international, pre-sale)} of these products as
        stored now, read a column at a time (no record built per product and field)."""
        products = self
        columns = [products._fields[name].mapped(products) for name in FLAG_FIELDS]
        return dict(zip(products.ids, zip(*columns, strict=True), strict=True))

    def _preorder_write_flags(self, flags, current):
        """Write the flags of these products that differ from ``current``, grouped
        by value: a few writes, not one per product."""
        products = self
        by_value = {}
        for product_id in products.ids:
            if current[product_id] != flags[product_id]:
                by_value.setdefault(flags[product_id], []).append(product_id)
        for wanted, ids in by_value.items():
            products.browse(ids).write(dict(zip(FLAG_FIELDS, wanted, strict=True)))
        return sum(len(ids) for ids in by_value.values())

    # ------------------------------------------------------------------
    # "Tell me when it opens" subscriptions
    # ------------------------------------------------------------------

    def _preorder_subscribe(self, email=None, client_ip=None):
        """Subscribe the logged-in shopper to this product's opening, or the
        partner of ``email`` for a visitor. Returns (partner, new); only a new
        subscription is confirmed by e-mail (with the unsubscribe link). Bad
        input changes nothing.

        Throttled, as anyone can type any address: visitors' subscriptions from
        one connection (``client_ip``) are e-mailed at most
        ``SUBSCRIPTIONS_PER_IP_HOUR`` an hour (more are refused, nothing
        created), and an address is sent a confirmation at most once a day (a
        later subscription is recorded without one)."""
        product = self.sudo().exists()
        if not product or not product.active or not product.website_published:
            raise UserError(self.env._("This product is not available."))
        user = self.env.user
        now = fields.Datetime.now()
        if user._is_public():
            normalized = email_normalize(email or "") if isinstance(email, str) else False
            if not normalized:
                raise UserError(self.env._("Enter a valid e-mail address."))
            if client_ip:
                recent = (
                    self.env["res.partner"]
                    .sudo()
                    .search_count(
                        [
                            ("preorder_subscription_ip", "=", client_ip),
                            ("preorder_subscription_mailed_at", ">", now - timedelta(hours=1)),
                        ]
                    )
                )
                if recent >= SUBSCRIPTIONS_PER_IP_HOUR:
                    raise UserError(
                        self.env._("Too many requests from your connection: try again later.")
                    )
            partner = (
                self.env["mail.thread"]
                .sudo()
                ._mail_find_partner_from_emails([normalized], force_create=True)[0]
            )
        else:
            partner = user.partner_id
            if not partner.email:
                raise UserError(self.env._("Your account has no e-mail address."))
        if partner in product.preorder_subscriber_ids:
            return partner, False
        product.preorder_subscriber_ids = [(4, partner.id)]
        mailed_at = partner.sudo().preorder_subscription_mailed_at
        if mailed_at and mailed_at > now - timedelta(days=1):
            # the address had its e-mail today: subscribed, not e-mailed again
            return partner, True
        env = self.with_context(lang=partner.lang).env
        product._preorder_send_subscription_mail(
            partner,
            env._("We will tell you when %(product)s opens", product=product.display_name),
            "website_preorder.subscription_confirmed_email",
            {"unsubscribe_url": product._preorder_unsubscribe_url(partner)},
        )
        partner.sudo().write(
            {"preorder_subscription_mailed_at": now, "preorder_subscription_ip": client_ip}
        )
        return partner, True

    def _preorder_subscription_token(self, partner):
        self.ensure_one()
        return hmac(self.env(su=True), TOKEN_SCOPE, (self.id, partner.id))

    def _preorder_unsubscribe_url(self, partner):
        self.ensure_one()
        token = self._preorder_subscription_token(partner)
        return f"{self.get_base_url()}/preorder/unsubscribe/{self.id}/{partner.id}/{token}"

    @api.model
    def _preorder_check_unsubscribe_token(self, product_id, partner_id, token):
        """(product, partner) of a valid unsubscribe link, else a UserError."""
        product = self.sudo().browse(product_id).exists()
        partner = self.env["res.partner"].sudo().browse(partner_id).exists()
        valid = product and partner and isinstance(token, str) and token.isascii()
        if valid:
            valid = consteq(product._preorder_subscription_token(partner), token or "")
        if not valid:
            raise UserError(self.env._("This link is not valid."))
        return product, partner

    @api.model
    def _preorder_unsubscribe(self, product_id, partner_id, token):
        """End a subscription from its e-mail's link (checked by its token)."""
        product, partner = self._preorder_check_unsubscribe_token(product_id, partner_id, token)
        product.preorder_subscriber_ids = [(3, partner.id)]
        return product

    def _preorder_notify_opened(self, opened):
        """The catalogue job has just listed these products for some kinds
        (``opened``: {product id: {kind: company}}): each subscriber is e-mailed
        once (queued with the job's transaction) and unsubscribed."""
        subscribed = self.sudo().filtered("preorder_subscriber_ids")
        # read once per company and per (product, company, language), not per subscriber
        websites, infos = {}, {}
        for product in subscribed:
            kinds = opened[product.id]
            for partner in product.preorder_subscriber_ids:
                offers = []
                for kind, company in kinds.items():
                    if company not in websites:
                        websites[company] = company._preorder_website()
                    website = websites[company].with_context(lang=partner.lang)
                    key = (product.id, company.id, partner.lang)
                    if key not in infos:
                        infos[key] = website._preorder_product_info(product)
                    offers.append(product._preorder_offer(website, infos[key], kind, partner))
                env = self.with_context(lang=partner.lang).env
                product._preorder_send_subscription_mail(
                    partner,
                    env._("%(product)s can now be ordered", product=product.display_name),
                    "website_preorder.subscription_opened_email",
                    {"offers": offers},
                )
            product.preorder_subscriber_ids = [(5, 0, 0)]
        return subscribed

    def _preorder_offer(self, website, info, kind, partner):
        """This product's ``kind``, its price for ``partner`` and its date, as the
        opening e-mail says (``info``: the website's product page payload)."""
        product = self
        company = website.company_id
        pricelist = company._preorder_needed_pricelist(kind)
        pricelist = self.env["product.pricelist"].browse(pricelist) or (
            partner.with_company(company).property_product_pricelist
        )
        return {
            "kind": info[kind]["text"],
            "date": info[kind]["date"],
            "price": website._preorder_price(product, pricelist),
            "currency": website.currency_id,
        }

    def _preorder_send_subscription_mail(self, partner, subject, view, values):
        """Queue one e-mail to ``partner`` about this product (Odoo's light layout)."""
        # shoppers subscribe as public or portal users: the e-mail is the company's
        self = self.sudo()
        partner = partner.sudo()
        product = self.with_context(lang=partner.lang)
        env = self.with_context(lang=partner.lang).env
        body = env["ir.qweb"]._render(view, {"product": product, "partner": partner, **values})
        message = env["mail.message"].sudo().new({"body": body, "record_name": product.name})
        company = product.company_id or self.env.company
        env["mail.mail"].sudo().create(
            {
                "subject": subject,
                "email_from": company.partner_id.email_formatted or self.env.user.email_formatted,
                "email_to": partner.email_formatted,
                "body_html": env["mail.render.mixin"]._render_encapsulate(
                    "mail.mail_notification_light",
                    Markup(body),
                    add_context={"message": message, "model_description": env._("Product")},
                ),
                "auto_delete": True,
            }
        )
