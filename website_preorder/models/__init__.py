from . import (
    preorder_allocation,
    product_pricelist_item,
    product_product,
    product_template,
    purchase_order,
    purchase_order_line,
    res_company,
    res_config_settings,
    sale_order,
    sale_order_line,
    sale_order_line_cart,
    stock_move,
)
