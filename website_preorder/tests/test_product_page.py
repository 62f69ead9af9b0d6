"""The product page table follows the selected variant."""

from odoo.tests import HttpCase, tagged

from .common import PreorderCase


@tagged("post_install", "-at_install")
class TestWebsiteTours(HttpCase, PreorderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("website_sale.products_attributes").active = True
        colour = cls.env["product.attribute"].create(
            {
                "name": "Tour Colour",
                "display_type": "radio",
                "value_ids": [(0, 0, {"name": "Tour Red"}), (0, 0, {"name": "Tour Blue"})],
            }
        )
        cls.chair = cls.env["product.template"].create(
            {
                "name": "Tour Colour Chair",
                "type": "consu",
                "is_storable": True,
                "is_published": True,
                "list_price": 50,
                "attribute_line_ids": [
                    (0, 0, {"attribute_id": colour.id, "value_ids": [(6, 0, colour.value_ids.ids)]})
                ],
            }
        )
        variants = cls.chair.product_variant_ids
        cls.red = variants.filtered(
            lambda v: v.product_template_attribute_value_ids.name == "Tour Red"
        )
        cls.blue = variants - cls.red
        cls._create_request("national", [(cls.red, 4, 10)], is_restock=True)
        cls._set_stock(cls.blue, 6)

    def test_tour_table_follows_the_variant(self):
        info = self.env["website"].get_current_website()._preorder_product_info(self.red)
        self.assertEqual(info["label"], "Back-order", "restock requests say Back-order")
        self.start_tour("/shop", "website_preorder_variant_table")
