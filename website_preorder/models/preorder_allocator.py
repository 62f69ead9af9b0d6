from odoo import api, models
from odoo.tools import SQL

from ..rules import allocation as allocation_rules
from ..rules import batches as batch_rules
from ..rules.kinds import REQUEST_KINDS

# the columns of an allocation the allocator's plan gives, with their SQL types
_PLANNED_COLUMNS = {
    "sale_line_id": "int4[]",
    "purchase_line_id": "int4[]",
    "product_id": "int4[]",
    "quantity": "numeric[]",
    "kind": "varchar[]",
    "company_id": "int4[]",
    "sale_order_id": "int4[]",
    "order_confirmed_at": "timestamp[]",
    "purchase_order_id": "int4[]",
}
#: parked sale lines allocated between two flushes (memory stays flat)
BATCH_LINES = 5000


def _ids_by_value(records, values):
    """{value: ids of ``records``}, ``values`` given in the order of ``records``."""
    ids_by_value = {}
    for record_id, value in zip(records._ids, values, strict=True):
        ids_by_value.setdefault(value, []).append(record_id)
    return ids_by_value


class PreorderAllocator(models.AbstractModel):
    """Allocation (SPEC §4): the ORM adapter of ``rules.allocation.plan``.

    Allocates parked sale lines first in first out, then lets earlier supply
    serve older orders (``preorder.move.earlier``). Allocations shrink or go
    through ``preorder.deallocator``, which re-offers what it freed here.
    """

    _name = "preorder.allocator"
    _description = "Pre-order Allocator"

    @api.model
    def _allocate_confirmed(self, sale_lines):
        """Lines of a confirmed order (at confirmation, or added to it later):
        allocated, and each large national pre-order gets its To-Do."""
        self._allocate(sale_lines)
        self.env["preorder.activity"]._schedule_large_orders(sale_lines)

    @api.model
    def _allocate(self, sale_lines, supply_lines=None):
        """Allocate the parked quantity of ``sale_lines`` first in first out.

        Supply lines of the same product and kind are taken earliest Expected
        Arrival first; sale lines are served oldest confirmed order first. When
        ``supply_lines`` is given only those are used. The supply rows are locked
        and their ATP re-read under the lock. Returns the created allocations.
        """
        # internal: the callers checked their user (purchase users confirming a
        # request may not read sale orders)
        sale_lines = sale_lines.sudo()
        # orders and product templates are wide rows: read only what is needed
        sale_lines.order_id.fetch(["state", "date_order"])
        sale_lines.product_id.product_tmpl_id.fetch(["uom_id"])
        sale_lines = sale_lines.filtered(
            lambda line: line.preorder_kind in REQUEST_KINDS
            and line.order_id.state == "sale"
            and line.preorder_parked_qty > 0
        )
        Allocation = self.env["preorder.allocation"].sudo()
        created = Allocation
        PurchaseLine = self.env["purchase.order.line"].sudo()
        for company, lines in sale_lines.grouped("company_id").items():
            products = lines.product_id.with_company(company)
            today = company._preorder_today()
            domain = products._get_supply_domain(company, today, set(lines.mapped("preorder_kind")))
            if supply_lines is not None:
                domain.append(("id", "in", supply_lines.ids))
            supplies = PurchaseLine.search(domain)
            if not supplies:
                continue
            supplies._preorder_lock()
            planned = allocation_rules.plan(
                [self._demand(line) for line in lines],
                [supply._preorder_supply() for supply in supplies],
            )
            if planned:
                lines_by_id = {line.id: line for line in lines}
                supplies_by_id = {supply.id: supply for supply in supplies}
                # rules.allocation.plan pairs lines of one product, kind and
                # company within the ATP read under the lock: inserted as
                # planned, without the checks of a hand-made allocation
                created |= self._insert(
                    [
                        self._values(
                            lines_by_id[row.demand_id], supplies_by_id[row.supply_id], row.quantity
                        )
                        for row in planned
                    ]
                )
        self.env["preorder.promise"]._update(created.sale_line_id)
        return created.with_env(self.env)

    @api.model
    def _allocate_parked(self, products, kinds=None, supply_lines=None, exclude=None):
        """Allocate every parked sale line of ``products`` (oldest orders first),
        except the sale lines ``exclude``.

        Products are taken in batches of about ``BATCH_LINES`` parked lines (a
        product's lines are never split: FIFO is per product and kind); between
        batches the work done is flushed and the cache emptied, so memory stays
        flat however many lines wait.
        """
        domain = [("preorder_state", "=", "parked"), ("product_id", "in", products.ids)]
        if kinds:
            domain.append(("preorder_kind", "in", list(kinds)))
        if exclude:
            domain.append(("id", "not in", exclude.ids))
        SaleLine = self.env["sale.order.line"].sudo()
        groups = SaleLine._read_group(domain, ["product_id"], ["id:array_agg"])
        batches = batch_rules.by_product(
            [(product.id, ids) for product, ids in groups], BATCH_LINES
        )
        created_ids = []
        MoveEarlier = self.env["preorder.move.earlier"]
        for index, (product_ids, line_ids) in enumerate(batches):
            if index:
                self.env.invalidate_all(flush=True)
            created_ids += self._allocate(SaleLine.browse(sorted(line_ids)), supply_lines).ids
            # supply changed or was freed: what arrives earlier serves older orders
            MoveEarlier._run(products.browse(product_ids), kinds)
        # and for the products that have no parked line
        unparked = products - products.browse(product.id for product, _ids in groups)
        if unparked:
            MoveEarlier._run(unparked, kinds)
        return self.env["preorder.allocation"].browse(created_ids)

    @api.model
    def _demand(self, line):
        """The ``rules.allocation.Demand`` of a sale line: its parked quantity."""
        return allocation_rules.Demand(
            line.id,
            line.product_id.id,
            line.preorder_kind,
            line.order_id.date_order,
            line.preorder_parked_qty,
            line.product_id.uom_id.rounding,
        )

    @api.model
    def _values(self, line, supply, quantity):
        """The values of an allocation of ``quantity`` of the sale ``line`` from
        the request line ``supply``, its stored related fields included."""
        return {
            "sale_line_id": line.id,
            "purchase_line_id": supply.id,
            "product_id": line.product_id.id,
            "quantity": quantity,
            "kind": line.preorder_kind,
            "company_id": line.company_id.id,
            "sale_order_id": line.order_id.id,
            "order_confirmed_at": line.order_id.date_order,
            "purchase_order_id": supply.order_id.id,
        }

    @api.model
    def _insert(self, vals_list):
        """Insert the allocations ``rules.allocation`` planned, in one statement.

        The plan pairs lines of one product, kind and company within the ATP
        read under the supply rows' lock, so create()'s checks, defaults and
        per-value conversions (a third of allocating 10,000 lines) are not
        needed. What create() does after its INSERT is done here: the values go
        to the cache, the cached allocations of the records they point to gain
        the new ones, and ``modified`` marks every stored field that depends on
        allocations (the sale lines' quantities and state, the request lines'
        allocated quantity and ATP) for recomputation, as for records created
        through the ORM.
        ``vals_list``: values of ``_values``.
        """
        Allocation = self.env["preorder.allocation"].sudo()
        if not vals_list:
            return Allocation
        columns = {name: [vals[name] for vals in vals_list] for name in _PLANNED_COLUMNS}
        digits = Allocation._fields["quantity"].get_digits(self.env)[1]
        columns["quantity"] = [round(quantity, digits) for quantity in columns["quantity"]]
        now = self.env.cr.now()
        self.env.cr.execute(
            SQL(
                """INSERT INTO preorder_allocation
                       (%s, state, create_uid, create_date, write_uid, write_date)
                   SELECT *, 'allocated', %s, %s, %s, %s FROM unnest(%s)
                   RETURNING id""",
                SQL(", ").join(SQL.identifier(name) for name in _PLANNED_COLUMNS),
                self.env.uid,
                now,
                self.env.uid,
                now,
                SQL(", ").join(
                    SQL("%s::%s", values, SQL(_PLANNED_COLUMNS[name]))
                    for name, values in columns.items()
                ),
            )
        )
        records = Allocation.browse(row[0] for row in self.env.cr.fetchall())
        columns["state"] = ["allocated"] * len(records)
        # as create() does after its INSERT: the new records' values in cache
        # (already in the cache's format), the records added to the cached
        # one2many of the records they point to, and every stored field that
        # depends on allocations marked for recomputation -- but not the
        # allocations' own stored related fields, whose values were inserted
        planned = [Allocation._fields[name] for name in columns]
        for field, values in zip(planned, columns.values(), strict=True):
            self.env.cache.update(records, field, values)
            if field.type == "many2one" and Allocation.pool.field_inverses[field]:
                for value, ids in _ids_by_value(records, values).items():
                    field._update_inverses(Allocation.browse(ids), value)
        with self.env.protecting(planned, records):
            records.modified([field.name for field in planned], create=True)
        return records
