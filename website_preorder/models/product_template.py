import base64
import hashlib
import io

from PIL import Image, ImageDraw, ImageFont

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, format_date, formatLang
from odoo.tools.misc import file_path

from ..rules.kinds import INTERNATIONAL, NATIONAL, NEXT_DAY, PRESALE, STOCK

#: the stored catalogue flag each shop filter reads (README, Catalogue)
LISTING_FLAGS = {
    NATIONAL: "preorder_national_listed",
    INTERNATIONAL: "preorder_international_listed",
    PRESALE: "presale_listed",
}


class ProductTemplate(models.Model):
    _inherit = "product.template"

    preorder_availability_explained = fields.Html(
        "Why this availability",
        compute="_compute_preorder_availability_explained",
        sanitize=False,
        groups="purchase.group_purchase_user,sales_team.group_sale_manager",
    )

    next_day_shipping = fields.Boolean(
        help="Offer this product for next-day shipping on the website while it is in "
        "stock and on no pre-order or pre-sale request.",
    )
    preorder_min_qty = fields.Float(
        "Minimum Quantity",
        digits="Product Unit of Measure",
        help="An international pre-order line of this product may not be smaller.",
    )
    exclusivity_min_qty = fields.Float(
        "Minimum Exclusivity Quantity",
        digits="Product Unit of Measure",
        help="A shopper who asks for the exclusivity of this product may not order less.",
    )
    preorder_order_limit = fields.Float(
        "Limit per Order",
        digits="Product Unit of Measure",
        help="At most this quantity of the product in one order as pre-order or pre-sale "
        "(0: no limit). Back-office orders above it need Override launch controls.",
    )
    preorder_customer_limit = fields.Float(
        "Limit per Customer",
        digits="Product Unit of Measure",
        help="At most this quantity as pre-order or pre-sale per customer over all their "
        "confirmed orders (guests are recognised by their e-mail; 0: no limit).",
    )
    delivery_estimated_time = fields.Char(
        help="Shown to shoppers for international pre-orders, e.g. '6 to 8 weeks'.",
    )

    def action_view_preorder_demand(self):
        """Pre-orders smart button: demand against supply of this product."""
        self.ensure_one()
        return self.env["preorder.demand.report"]._action_for(
            [("product_tmpl_id", "=", self.id)], self.display_name
        )

    @api.constrains(
        "preorder_min_qty", "exclusivity_min_qty", "preorder_order_limit", "preorder_customer_limit"
    )
    def _check_preorder_min_quantities(self):
        for template in self:
            if template.preorder_min_qty < 0 or template.exclusivity_min_qty < 0:
                raise ValidationError(
                    self.env._(
                        "The minimum and exclusivity quantities of %(product)s cannot be negative.",
                        product=template.display_name,
                    )
                )
            if template.preorder_order_limit < 0 or template.preorder_customer_limit < 0:
                raise ValidationError(
                    self.env._(
                        "The limits per order and per customer of %(product)s cannot be "
                        "negative (0: no limit).",
                        product=template.display_name,
                    )
                )

    def _get_additionnal_combination_info(self, product_or_template, quantity, date, website):
        """The product page's availability table and "Buy it as" follow the variant."""
        info = super()._get_additionnal_combination_info(
            product_or_template, quantity, date, website
        )
        if product_or_template._name != "product.product" or not product_or_template:
            info["preorder"] = False
            return info
        preorder = website._preorder_product_info(product_or_template)
        info["preorder"] = preorder
        # the price a shopper pays is the price the page shows: that of the kind
        # bought by default (a pre-sale at its pricelist), the regular price
        # struck through when that is cheaper; "Buy it as" switches it (JS)
        regular = info["price"]
        preorder["regular_price"] = regular
        preorder["regular_price_value"] = formatLang(
            self.env, regular, digits=website.currency_id.decimal_places
        )
        default = preorder["options"][0] if preorder["options"] else None
        if default and default["price"] is not None:
            price = default["price"]
            cheaper = website.currency_id.compare_amounts(price, regular) < 0
            info.update(
                price=price,
                list_price=regular if cheaper else price,
                has_discounted_price=cheaper,
            )
        if any(option["kind"] != STOCK for option in preorder["options"]):
            # pre-orders are sold while out of stock: keep "Add to cart"
            info["allow_out_of_stock_order"] = True
        return info

    @api.model
    def _search_get_detail(self, website, order, options):
        detail = super()._search_get_detail(website, order, options)
        availability = options.get("preorder_availability")
        if availability:
            company = website.company_id.sudo()
            detail["base_domain"].append(self._preorder_shop_domain(availability, company))
        return detail

    @api.model
    def _preorder_shop_domain(self, availability, company):
        """Domain on product.template for a shop filter (SPEC §7).

        Reads the stored catalogue flags, and stock and requests through
        sub-queries: no per-product computation.
        """
        Product = self.env["product.product"].sudo().with_context(active_test=False)
        if availability in LISTING_FLAGS:
            return [("product_variant_ids", "any", [(LISTING_FLAGS[availability], "=", True)])]
        if availability not in ("in_stock", NEXT_DAY):
            return []
        quants = self.env["stock.quant"]._preorder_quant_domain(None, company)
        in_stock = [("stock_quant_ids", "any", [*quants, ("quantity", ">", 0)])]
        if availability == "in_stock":
            return [("product_variant_ids", "in", Product._search(in_stock))]
        # one sub-query of variants in stock and on no open request: the planner
        # hashes the request lines once (EXPLAIN in BENCHMARKS.md)
        open_requests = self.env["purchase.order.line"]._preorder_open_request_domain(company)
        next_day = Product._search(
            [*in_stock, ("preorder_purchase_line_ids", "not any", open_requests)]
        )
        return [("next_day_shipping", "=", True), ("product_variant_ids", "in", next_day)]

    def _preorder_shop_badges(self, website):
        """{template id: [(kind, label)]} for the shop's product cards, from the
        stored catalogue flags, in a fixed number of queries whatever the number
        of cards: "Pre-sale", "Pre-order · date" or "Back-order", "Next-day"."""
        company = website.company_id.sudo()
        variants = self.sudo().product_variant_ids
        if not variants:
            return {}
        national = variants.filtered("preorder_national_listed")
        dates, restock = {}, set()
        if national:
            availability = national.with_company(company)._get_preorder_availability(company)
            dates = {product.id: availability[product.id].national.date for product in national}
            restock = self.env["purchase.order.line"]._preorder_restock_products(national, company)
        next_day = variants.filtered(lambda product: product.next_day_shipping)
        free, on_request = {}, set()
        if next_day:
            free = self.env["stock.quant"]._preorder_free_qty(next_day, company)
            on_request = self.env["purchase.order.line"]._preorder_products_on_request(
                next_day, company
            )
        badges = {}
        for template, products in variants.grouped("product_tmpl_id").items():
            card = []
            if any(products.mapped("presale_listed")):
                card.append((PRESALE, self.env._("Pre-sale")))
            listed = products & national
            if listed and all(product.id in restock for product in listed):
                card.append(("backorder", self.env._("Back-order")))
            elif listed:
                known = [dates[product.id] for product in listed if dates.get(product.id)]
                card.append(
                    (
                        "preorder",
                        self.env._("Pre-order · %(date)s", date=format_date(self.env, min(known)))
                        if known
                        else self.env._("Pre-order"),
                    )
                )
            if any(
                float_compare(free.get(p.id, 0.0), 0.0, precision_rounding=p.uom_id.rounding) > 0
                and p.id not in on_request
                for p in products & next_day
            ):
                card.append((NEXT_DAY, self.env._("Next-day")))
            if card:
                badges[template.id] = card
        return badges

    def _preorder_draw_demo_pictures(self):
        """Give these (demo) products a picture drawn here, at install: a
        colour of their own and their name, so the demo shop needs no download."""
        font_path = file_path("web/static/fonts/sign/NotoSans-Reg.ttf")
        for template in self:
            digest = hashlib.sha1((template.default_code or template.name).encode()).digest()
            colour = tuple(80 + byte % 140 for byte in digest[:3])
            image = Image.new("RGB", (1024, 1024), colour)
            draw = ImageDraw.Draw(image)
            draw.rectangle((64, 64, 960, 960), outline=(255, 255, 255), width=12)
            words = template.name.split()
            lines = [" ".join(words[index : index + 2]) for index in range(0, len(words), 2)]
            font = ImageFont.truetype(font_path, 96)
            top = 512 - 60 * len(lines)
            for index, line in enumerate(lines):
                width = draw.textlength(line, font=font)
                draw.text(((1024 - width) / 2, top + 120 * index), line, fill="white", font=font)
            buffer = io.BytesIO()
            image.save(buffer, "PNG")
            template.image_1920 = base64.b64encode(buffer.getvalue())

    def _compute_preorder_availability_explained(self):
        """A product of one variant explains that variant's availability."""
        for template in self:
            variants = template.product_variant_ids
            template.preorder_availability_explained = (
                variants._preorder_availability_explanation() if len(variants) == 1 else False
            )
