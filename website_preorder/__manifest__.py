{
    "name": "Website Pre-Order",
    "summary": "National, international pre-orders and pre-sales backed by purchase orders",
    "version": "18.0.1.0.0",
    "category": "Website/Website",
    "license": "LGPL-3",
    "author": "website_preorder contributors",
    "website": "https://github.com/website-preorder/website_preorder",
    "depends": ["purchase_stock", "sale_stock", "website_sale_stock"],
    "data": [
        "security/ir.model.access.csv",
        "security/ir_rules.xml",
        "data/ir_cron.xml",
        "views/purchase_order_views.xml",
        "views/product_views.xml",
        "views/res_config_settings_views.xml",
        "views/menus.xml",
    ],
    "demo": [
        "data/demo.xml",
    ],
    "installable": True,
    "application": False,
}
