/** @odoo-module **/

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("website_preorder_shop_filters", {
    url: "/shop",
    steps: () => [
        {
            content: "Filter on national pre-orders",
            trigger: "#preorder_shop_filters a[data-preorder-filter='national']",
            run: "click",
        },
        {
            content: "Only the pre-order product is listed",
            trigger: ".oe_product_cart a:contains('Tour Pre-order Gadget')",
        },
        {
            trigger: "#products_grid:not(:has(a:contains('Tour Stock Mug')))",
        },
        {
            content: "Switch to in stock",
            trigger: "#preorder_shop_filters a[data-preorder-filter='in_stock']",
            run: "click",
        },
        {
            trigger: ".oe_product_cart a:contains('Tour Stock Mug')",
        },
        {
            trigger: "#products_grid:not(:has(a:contains('Tour Pre-order Gadget')))",
        },
    ],
});

registry.category("web_tour.tours").add("website_preorder_buy_as_preorder", {
    url: "/shop?search=Tour Pre-order Gadget",
    steps: () => [
        {
            content: "Open the product",
            trigger: ".oe_product_cart a:contains('Tour Pre-order Gadget')",
            run: "click",
        },
        {
            content: "The table shows the national pre-order row",
            trigger: "#preorder_availability .o_preorder_row_national:contains('5')",
        },
        {
            trigger: "#preorder_availability .o_preorder_sku:contains('TOUR-GADGET')",
        },
        {
            content: "Buy it as pre-order",
            trigger: "#preorder_availability input[value='national']",
            run: "click",
        },
        {
            trigger: "#preorder_availability .o_preorder_message:contains('expected arrival')",
        },
        {
            content: "Add to cart",
            trigger: "#add_to_cart",
            run: "click",
        },
        {
            trigger: ".my_cart_quantity:contains('1')",
        },
        {
            content: "Go to the cart",
            trigger: "a[href='/shop/cart']",
            run: "click",
        },
        {
            content: "The cart line tells its kind and date",
            trigger: "#cart_products :contains('Pre-order — expected')",
        },
    ],
});

registry.category("web_tour.tours").add("website_preorder_refused_add", {
    url: "/shop?search=Tour Pre-order Gadget",
    steps: () => [
        {
            trigger: ".oe_product_cart a:contains('Tour Pre-order Gadget')",
            run: "click",
        },
        {
            trigger: "#preorder_availability input[value='national']",
            run: "click",
        },
        {
            content: "Ask for more than is offered",
            trigger: "input[name='add_qty']",
            run: "edit 9",
        },
        {
            trigger: "#add_to_cart",
            run: "click",
        },
        {
            content: "The shopper is told why",
            trigger:
                ".o_notification_manager :contains('Only 5 available as pre-order'), " +
                ".alert-warning:contains('Only 5 available as pre-order')",
        },
    ],
});
