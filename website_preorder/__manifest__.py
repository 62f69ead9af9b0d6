{
    "name": "Website Pre-Order",
    "summary": "National, international pre-orders and pre-sales backed by purchase orders",
    "version": "18.0.1.1.0",
    "category": "Website/Website",
    "license": "LGPL-3",
    "author": "website_preorder contributors",
    "website": "https://github.com/website-preorder/website_preorder",
    "depends": ["purchase_stock", "sale_stock", "website_sale_stock"],
    "data": [
        "security/ir.model.access.csv",
        "security/ir_rules.xml",
        "data/ir_cron.xml",
        "data/mail_templates.xml",
        "views/preorder_allocation_views.xml",
        "views/purchase_order_views.xml",
        "views/sale_order_views.xml",
        "views/website_templates.xml",
        "views/mail_notification_layout.xml",
        "views/product_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/preorder_promise_import_views.xml",
        "views/menus.xml",
        "report/preorder_demand_report_views.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "website_preorder/static/src/js/product_availability.js",
            "website_preorder/static/src/js/shipping_choice.js",
            "website_preorder/static/src/xml/product_availability.xml",
        ],
        "web.assets_tests": [
            "website_preorder/static/tests/tours/*.js",
        ],
    },
    "demo": [
        "data/demo.xml",
    ],
}
