from odoo import api, models


class StockQuant(models.Model):
    """Free stock (on hand − reserved) as the pre-order rules read it, in
    grouped queries for sets of products: the catalogue, the product page, the
    cart and the release job all count it here."""

    _inherit = "stock.quant"

    @api.model
    def _preorder_quant_domain(self, products, company, warehouses=None):
        """Quants of ``products`` (None: of any product) in the company's
        pre-order warehouses: the one definition of where pre-order stock is."""
        if warehouses is None:
            warehouses = company._get_preorder_warehouses()
        return [
            *([("product_id", "in", products.ids)] if products is not None else []),
            ("location_id.usage", "=", "internal"),
            ("location_id.warehouse_id", "in", warehouses.ids),
            ("company_id", "=", company.id),
        ]

    @api.model
    def _preorder_free_qty(self, products, company):
        """{product id: free quantity} in the company's pre-order warehouses."""
        result = dict.fromkeys(products.ids, 0.0)
        if not products:
            return result
        groups = self.sudo()._read_group(
            self._preorder_quant_domain(products, company),
            groupby=["product_id"],
            aggregates=["quantity:sum", "reserved_quantity:sum"],
        )
        for product, quantity, reserved in groups:
            result[product.id] = quantity - reserved
        return result

    @api.model
    def _preorder_free_qty_by_warehouse(self, product, company):
        """{warehouse: free quantity} of one product in the pre-order warehouses."""
        warehouses = company._get_preorder_warehouses()
        result = dict.fromkeys(warehouses, 0.0)
        groups = self.sudo()._read_group(
            self._preorder_quant_domain(product, company, warehouses),
            groupby=["warehouse_id"],
            aggregates=["quantity:sum", "reserved_quantity:sum"],
        )
        for warehouse, quantity, reserved in groups:
            if warehouse in result:
                result[warehouse] += quantity - reserved
        return result

    @api.model
    def _preorder_free_by_location(self, products, locations):
        """{(product id, location id): free quantity} in each of ``locations`` and
        its children (the release counts per delivery source location)."""
        free = {}
        if not products or not locations:
            return free
        groups = self.sudo()._read_group(
            [("product_id", "in", products.ids), ("location_id", "child_of", locations.ids)],
            groupby=["product_id", "location_id"],
            aggregates=["quantity:sum", "reserved_quantity:sum"],
        )
        for product, location, quantity, reserved in groups:
            for root in locations:
                if location.parent_path.startswith(root.parent_path):
                    key = (product.id, root.id)
                    free[key] = free.get(key, 0.0) + quantity - reserved
        return free
