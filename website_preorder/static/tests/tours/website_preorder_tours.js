/** @odoo-module **/

import { registry } from "@web/core/registry";
import { buyAs } from "@website_preorder/../tests/tours/tour_utils";
import * as tourUtils from "@website_sale/js/tours/tour_utils";

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
        {
            content: "Proceed to checkout",
            trigger: "a[name='website_sale_main_button']",
            run: "click",
        },
        ...tourUtils.fillAdressForm(),
        {
            content: "The checkout summary tells the kind too",
            trigger: "body:has(.preorder_summary_kind:contains('Pre-order — expected'))",
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

registry.category("web_tour.tours").add("website_preorder_variant_table", {
    url: "/shop?search=Tour Colour Chair",
    steps: () => [
        {
            trigger: ".oe_product_cart a:contains('Tour Colour Chair')",
            run: "click",
        },
        {
            content: "Select the red variant",
            trigger: "input.js_variant_change[data-value_name='Tour Red']",
            run: "click",
        },
        {
            content: "Red is on a restock request: a back-order row, no stock row",
            trigger: "#preorder_availability .o_preorder_row_national:contains('Back-order')",
        },
        {
            trigger: "#preorder_availability:not(:has(.o_preorder_row_stock))",
        },
        {
            trigger: "#preorder_availability input[value='national']",
        },
        {
            content: "Select the blue variant",
            trigger: "input.js_variant_change[data-value_name='Tour Blue']",
            run: "click",
        },
        {
            content: "Blue is in stock and on no request: the table follows, no reload",
            trigger: "#preorder_availability .o_preorder_row_stock",
        },
        {
            trigger: "#preorder_availability:not(:has(.o_preorder_row_national))",
        },
        {
            trigger: "#preorder_availability input[value='stock']:checked",
        },
    ],
});

registry.category("web_tour.tours").add("website_preorder_portal_cancel", {
    url: "/my/orders",
    steps: () => [
        {
            content: "Open the order from the list",
            trigger: "td a[href*='/my/orders/']",
            run: "click",
        },
        {
            content: "Each line tells its kind and promise date",
            trigger: ".preorder_line_kind:contains('Pre-order — expected')",
        },
        {
            content: "Cancel within the window",
            trigger: "#preorder_cancel_button",
            run: "click",
        },
        {
            trigger: "#preorder_cancel_message:contains('Your order was cancelled.')",
        },
        {
            content: "The button is gone",
            trigger: "body:not(:has(#preorder_cancel_button))",
        },
    ],
});

registry.category("web_tour.tours").add("website_preorder_portal_lower_line", {
    url: "/my/orders",
    steps: () => [
        {
            content: "Open the order from the list",
            trigger: "td a[href*='/my/orders/']",
            run: "click",
        },
        {
            content: "Keep one of the two pre-ordered items",
            trigger: ".preorder_line_change input[name='quantity']",
            run: "edit 1",
        },
        {
            trigger: ".preorder_line_change .preorder_line_lower",
            run: "click",
        },
        {
            trigger: "#preorder_change_message:contains('Your order was changed')",
        },
        {
            content: "The remaining item can still be cancelled",
            trigger: ".preorder_line_change .preorder_line_cancel",
        },
    ],
});

registry.category("web_tour.tours").add("website_preorder_portal_no_cancel", {
    url: "/my/orders",
    steps: () => [
        {
            content: "Open the order from the list",
            trigger: "td a[href*='/my/orders/']",
            run: "click",
        },
        {
            trigger: ".preorder_line_kind:contains('Pre-order')",
        },
        {
            content: "After the time limit there is no cancel button",
            trigger: "body:not(:has(#preorder_cancel_button))",
        },
    ],
});

registry.category("web_tour.tours").add("website_preorder_buy_each_kind", {
    url: "/shop",
    steps: () => [
        ...buyAs("Tour Multi Lamp", "stock", 1),
        ...buyAs("Tour Multi Lamp", "national", 2),
        ...buyAs("Tour Multi Lamp", "international", 3),
        ...buyAs("Tour Presale Boots", "presale", 4),
        {
            content: "Go to the cart",
            trigger: "a[href='/shop/cart']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "One line per kind, each telling its kind",
            trigger: "#cart_products:has(:contains('Pre-order — expected')):has(:contains('International pre-order — expected')):has(:contains('Pre-sale — expected'))",
        },
    ],
});

registry.category("web_tour.tours").add("website_preorder_mobile_filters", {
    url: "/shop",
    steps: () => [
        {
            content: "At phone width the left column is hidden",
            trigger: "body:not(:has(#products_grid_before:visible))",
        },
        {
            content: "Open Odoo's filter panel",
            trigger: "button[data-bs-target='#o_wsale_offcanvas']:visible",
            run: "click",
        },
        {
            content: "Open the availability filters",
            trigger: "#o_wsale_offcanvas.show #o_wsale_offcanvas_preorder_header button",
            run: "click",
        },
        {
            content: "Filter on national pre-orders",
            trigger: "#o_wsale_offcanvas_preorder.show a[data-preorder-filter='national']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Only the pre-order product is listed",
            trigger: ".oe_product_cart a:contains('Tour Pre-order Gadget')",
        },
        {
            trigger: "#products_grid:not(:has(a:contains('Tour Stock Mug')))",
        },
    ],
});

registry.category("web_tour.tours").add("website_preorder_subscription", {
    steps: () => [
        {
            content: "A product that cannot be bought now offers the subscription",
            trigger: "#preorder_subscription #preorder_subscription_button",
        },
        {
            content: "Without an address: refused",
            trigger: "#preorder_subscription_button",
            run: "click",
        },
        {
            content: "The shopper is told why",
            trigger: "#preorder_subscription_error:contains('valid e-mail')",
        },
        {
            content: "Enter an address",
            trigger: "input[name='preorder_subscription_email']",
            run: "edit tour.fan@example.com",
        },
        {
            content: "Tell me when it opens",
            trigger: "#preorder_subscription_button:enabled",
            run: "click",
        },
        {
            content: "Subscribed",
            trigger: "#preorder_subscription_done",
        },
    ],
});

registry.category("web_tour.tours").add("website_preorder_consent_accept", {
    steps: () => [
        {
            content: "The page lists the lines with their old and new dates",
            trigger: "#preorder_consent tr.preorder_consent_line:nth-child(2)",
        },
        {
            content: "Accept the new dates",
            trigger: "#preorder_consent_accept",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Accepted",
            trigger: "#preorder_consent_result:contains('accepted')",
        },
    ],
});

registry.category("web_tour.tours").add("website_preorder_consent_cancel", {
    steps: () => [
        {
            content: "Cancel these items",
            trigger: "#preorder_consent_cancel",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Cancelled",
            trigger: "#preorder_consent_result:contains('cancelled')",
        },
    ],
});

registry.category("web_tour.tours").add("website_preorder_kind_price", {
    url: "/shop?search=Kind%20Price%20Lamp",
    steps: () => [
        {
            trigger: ".oe_product_cart a:contains('Kind Price Lamp')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Bought as pre-order by default: the regular price",
            trigger: "#preorder_availability input[value='national']:checked",
        },
        {
            trigger: ".product_price .oe_price .oe_currency_value:contains(/^100\\.00$/)",
        },
        {
            content: "As pre-sale: the pre-sale price, the regular one struck through",
            trigger: "#preorder_availability input[value='presale']",
            run: "click",
        },
        {
            trigger: ".product_price .oe_price .oe_currency_value:contains(/^80\\.00$/)",
        },
        {
            trigger: ".product_price .oe_default_price:not(.d-none):contains(100.00)",
        },
        {
            content: "Back to pre-order: the regular price again",
            trigger: "#preorder_availability input[value='national']",
            run: "click",
        },
        {
            trigger: ".product_price .oe_price .oe_currency_value:contains(/^100\\.00$/)",
        },
        {
            content: "No struck-through price any more",
            trigger: ".product_price:not(:has(.oe_default_price:not(.d-none)))",
        },
    ],
});
