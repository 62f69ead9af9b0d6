from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..models.purchase_order import REQUEST_KIND_SELECTION
from ..rules.kinds import REQUEST_KINDS

ROW_TYPES = [
    ("allocation", "Allocation"),
    ("parked", "Parked Line"),
    ("supply", "Request Line"),
    ("gap", "Uncovered Demand"),
]


class PreorderDemandReport(models.Model):
    """Pre-order demand against supply (Purchase ▸ Reporting ▸ Pre-order Demand).

    One row per allocation, per parked sale line, per request line, and one
    "gap" row per company, product and kind whose parked quantity is more
    than the ATP of its open requests: its Uncovered measure is the
    difference. The rule is ``rules.demand.uncovered``; this SQL computes it
    for the report (a test checks that both agree on random data), and
    "Create requests for uncovered demand" reads it from here. Quantities are in the product's
    unit of measure.
    """

    _name = "preorder.demand.report"
    _description = "Pre-order Demand Analysis"
    _auto = False
    _rec_name = "product_id"
    _order = "date desc, id"

    row_type = fields.Selection(ROW_TYPES, string="Row", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    product_tmpl_id = fields.Many2one("product.template", string="Product Template", readonly=True)
    categ_id = fields.Many2one("product.category", string="Product Category", readonly=True)
    kind = fields.Selection(REQUEST_KIND_SELECTION, readonly=True)
    vendor_id = fields.Many2one(
        "res.partner",
        readonly=True,
        help="The request's vendor; for parked and uncovered demand, the product's main vendor.",
    )
    request_id = fields.Many2one("purchase.order", readonly=True)
    date = fields.Date(
        readonly=True,
        help="Expected Arrival of allocations and request lines; order date of parked lines; "
        "oldest parked order of uncovered demand.",
    )
    allocated_qty = fields.Float("Allocated", digits="Product Unit of Measure", readonly=True)
    released_qty = fields.Float("Released", digits="Product Unit of Measure", readonly=True)
    parked_qty = fields.Float("Parked", digits="Product Unit of Measure", readonly=True)
    ordered_qty = fields.Float("Ordered", digits="Product Unit of Measure", readonly=True)
    received_qty = fields.Float("Received", digits="Product Unit of Measure", readonly=True)
    atp_qty = fields.Float("ATP", digits="Product Unit of Measure", readonly=True)
    uncovered_qty = fields.Float(
        "Uncovered",
        digits="Product Unit of Measure",
        readonly=True,
        help="Parked quantity no open request of the product and kind can cover "
        "(parked − ATP of the requests that are not cancelled).",
    )

    @api.model
    def _main_vendor_sql(self, product, company):
        """The product's first vendor (Purchase tab order), as a LATERAL join."""
        return SQL(
            """LEFT JOIN LATERAL (
                SELECT si.partner_id FROM product_supplierinfo si
                 WHERE si.product_tmpl_id = %(product)s.product_tmpl_id
                   AND (si.product_id IS NULL OR si.product_id = %(product)s.id)
                   AND (si.company_id IS NULL OR si.company_id = %(company)s)
                 ORDER BY si.sequence, si.min_qty DESC, si.price, si.id
                 LIMIT 1
            ) main_vendor ON TRUE""",
            product=SQL.identifier(product),
            company=company,
        )

    @api.model
    def _query(self):
        kinds = tuple(sorted(REQUEST_KINDS))
        zero = SQL("0::numeric")
        return SQL(
            """
            WITH company_tz AS (
                -- dates are the company's (its partner's timezone, else UTC),
                -- as everywhere in the addon (README, Dates)
                SELECT c.id, COALESCE(tz.name, 'UTC') AS tz
                  FROM res_company c
                  JOIN res_partner p ON p.id = c.partner_id
                  LEFT JOIN pg_timezone_names tz ON tz.name = p.tz
            ), parked AS (
                SELECT sol.id, sol.company_id, sol.product_id, sol.preorder_kind AS kind,
                       sol.preorder_parked_qty AS qty,
                       (so.date_order AT TIME ZONE 'UTC' AT TIME ZONE ctz.tz)::date AS date
                  FROM sale_order_line sol
                  JOIN sale_order so ON so.id = sol.order_id
                  JOIN company_tz ctz ON ctz.id = sol.company_id
                 WHERE sol.preorder_state = 'parked' AND sol.preorder_kind IN %(kinds)s
            ), supply AS (
                SELECT pol.company_id, pol.product_id, pol.preorder_kind AS kind,
                       SUM(pol.preorder_atp) AS atp
                  FROM purchase_order_line pol
                  JOIN purchase_order po ON po.id = pol.order_id
                 WHERE pol.preorder_kind IN %(kinds)s AND po.state != 'cancel'
                       AND pol.display_type IS NULL
                 GROUP BY pol.company_id, pol.product_id, pol.preorder_kind
            ), rows AS (
                SELECT 'allocation' AS row_type, a.company_id, a.product_id, a.kind,
                       po.partner_id AS vendor_id, po.id AS request_id,
                       (pol.date_planned AT TIME ZONE 'UTC' AT TIME ZONE ctz.tz)::date AS date,
                       CASE WHEN a.state = 'allocated' THEN a.quantity ELSE 0 END AS allocated_qty,
                       CASE WHEN a.state = 'released' THEN a.quantity ELSE 0 END AS released_qty,
                       %(zero)s AS parked_qty, %(zero)s AS ordered_qty, %(zero)s AS received_qty,
                       %(zero)s AS atp_qty, %(zero)s AS uncovered_qty
                  FROM preorder_allocation a
                  JOIN purchase_order_line pol ON pol.id = a.purchase_line_id
                  JOIN purchase_order po ON po.id = pol.order_id
                  JOIN company_tz ctz ON ctz.id = a.company_id
                UNION ALL
                SELECT 'parked', parked.company_id, parked.product_id, parked.kind,
                       main_vendor.partner_id, NULL, parked.date,
                       0, 0, parked.qty, 0, 0, 0, 0
                  FROM parked
                  JOIN product_product pp ON pp.id = parked.product_id
                  %(parked_vendor)s
                UNION ALL
                SELECT 'supply', pol.company_id, pol.product_id, pol.preorder_kind,
                       po.partner_id, po.id,
                       (pol.date_planned AT TIME ZONE 'UTC' AT TIME ZONE ctz.tz)::date,
                       0, 0, 0, pol.product_uom_qty,
                       CASE WHEN pol.product_qty != 0
                            THEN pol.qty_received * pol.product_uom_qty / pol.product_qty
                            ELSE 0 END,
                       pol.preorder_atp, 0
                  FROM purchase_order_line pol
                  JOIN purchase_order po ON po.id = pol.order_id
                  JOIN company_tz ctz ON ctz.id = pol.company_id
                 WHERE pol.preorder_kind IN %(kinds)s AND po.state != 'cancel'
                       AND pol.display_type IS NULL
                UNION ALL
                SELECT 'gap', demand.company_id, demand.product_id, demand.kind,
                       main_vendor.partner_id, NULL, demand.date,
                       0, 0, 0, 0, 0, 0, demand.qty - COALESCE(supply.atp, 0)
                  FROM (SELECT company_id, product_id, kind, SUM(qty) AS qty, MIN(date) AS date
                          FROM parked GROUP BY company_id, product_id, kind) demand
                  LEFT JOIN supply ON supply.company_id = demand.company_id
                                  AND supply.product_id = demand.product_id
                                  AND supply.kind = demand.kind
                  JOIN product_product pp ON pp.id = demand.product_id
                  %(gap_vendor)s
                 WHERE demand.qty > COALESCE(supply.atp, 0)
            )
            SELECT row_number() OVER (ORDER BY rows.row_type, rows.product_id, rows.date) AS id,
                   rows.*, pp.product_tmpl_id, pt.categ_id
              FROM rows
              JOIN product_product pp ON pp.id = rows.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
            """,
            kinds=kinds,
            zero=zero,
            parked_vendor=self._main_vendor_sql("pp", SQL("parked.company_id")),
            gap_vendor=self._main_vendor_sql("pp", SQL("demand.company_id")),
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )

    @api.model
    def _uncovered(self, domain):
        """{(company, product, kind): (main vendor, uncovered quantity)} of the
        gap rows in ``domain``."""
        groups = self._read_group(
            [*domain, ("row_type", "=", "gap")],
            groupby=["company_id", "product_id", "kind", "vendor_id"],
            aggregates=["uncovered_qty:sum"],
        )
        return {
            (company, product, kind): (vendor, quantity)
            for company, product, kind, vendor, quantity in groups
            if quantity > 0
        }

    @api.model
    def _action_for(self, domain, name):
        """The report on ``domain`` (a product's Pre-orders button), as a pivot
        by kind: demand and supply side by side."""
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "website_preorder.action_preorder_demand_report"
        )
        action.update(
            {
                "domain": domain,
                "context": {"search_default_group_kind": 1},
                "view_mode": "pivot,graph,list",
                "views": [(False, "pivot"), (False, "graph"), (False, "list")],
                "name": self.env._("Pre-orders of %s", name),
            }
        )
        return action
