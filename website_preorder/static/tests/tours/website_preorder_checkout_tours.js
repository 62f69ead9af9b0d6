/** @odoo-module **/

import { registry } from "@web/core/registry";
import { buyAs } from "@website_preorder/../tests/tours/tour_utils";
import * as tourUtils from "@website_sale/js/tours/tour_utils";
import configuratorTourUtils from "@sale/js/tours/product_configurator_tour_utils";

function goToCart() {
    return {
        content: "Go to the cart",
        trigger: "body",
        run: () => {
            window.location.href = "/shop/cart";
        },
        expectUnloadPage: true,
    };
}

function assertTotal(amount) {
    return {
        content: `The total is ${amount}`,
        trigger: `tr#order_total .oe_currency_value:contains(/^${amount}$/)`,
    };
}

function checkoutFromCart() {
    return {
        content: "Proceed to checkout",
        trigger: "a[name='website_sale_main_button']",
        run: "click",
        expectUnloadPage: true,
    };
}

function reachPayment(total) {
    return [
        {
            content: "The checkout summary tells the pre-sale kind",
            trigger: "body:has(.preorder_summary_kind:contains('Pre-sale'))",
        },
        tourUtils.confirmOrder(),
        {
            content: "On the payment page",
            trigger: "body",
            run: () => {
                if (window.location.pathname !== "/shop/payment") {
                    throw new Error(`Expected the payment page, got ${window.location.pathname}`);
                }
            },
        },
        {
            content: "The payment page's summary tells the kind and the unit price",
            trigger: "body:has(.preorder_summary_kind:contains('Pre-sale')):has(.preorder_summary_unit_price:contains('70.00'))",
        },
        assertTotal(total),
    ];
}

registry.category("web_tour.tours").add("website_preorder_guest_presale_checkout", {
    url: "/shop",
    steps: () => [
        ...buyAs("Tour Presale Boots", "presale", 1),
        goToCart(),
        {
            content: "The cart shows the pre-sale price",
            trigger: "#cart_products:has(:contains('Pre-sale — expected'))",
        },
        assertTotal("70.00"),
        checkoutFromCart(),
        ...tourUtils.fillAdressForm(undefined, true),
        ...reachPayment("70.00"),
    ],
});

registry.category("web_tour.tours").add("website_preorder_shopper_pricelist_checkout", {
    url: "/shop",
    steps: () => [
        ...buyAs("Tour Presale Boots", "presale", 1),
        ...buyAs("Tour Stock Mug", "stock", 2),
        goToCart(),
        {
            content: "Pre-sale price for the boots, the shopper's 10% off for the mug",
            trigger: "#cart_products:has(:contains('Pre-sale — expected'))",
        },
        assertTotal("160.00"),
        checkoutFromCart(),
        ...reachPayment("160.00"),
    ],
});

registry.category("web_tour.tours").add("website_preorder_pricelist_switch", {
    url: "/shop",
    steps: () => [
        ...buyAs("Tour Presale Boots", "presale", 1),
        {
            trigger: "body",
            run: () => {
                window.location.href = "/shop";
            },
            expectUnloadPage: true,
        },
        ...tourUtils.selectPriceList("Tour Ten Off"),
        {
            content: "The shop now shows the chosen pricelist",
            trigger: ".o_pricelist_dropdown a:contains('Tour Ten Off')",
        },
        ...buyAs("Tour Stock Mug", "stock", 2),
        goToCart(),
        assertTotal("160.00"),
    ],
});

registry.category("web_tour.tours").add("website_preorder_configurator_preorder", {
    url: "/shop?search=Tour Config Lamp",
    steps: () => [
        {
            trigger: ".oe_product_cart a:contains('Tour Config Lamp')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Buy it as pre-order",
            trigger: "#preorder_availability input[value='national']",
            run: "click",
        },
        {
            trigger: "#add_to_cart",
            run: "click",
        },
        {
            content: "Odoo's configurator opens (optional product)",
            trigger: ".o_sale_product_configurator_dialog",
        },
        configuratorTourUtils.addOptionalProduct("Tour Lamp Bulb"),
        {
            trigger: "button:contains(Proceed to Checkout)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The lamp is a pre-order line, the bulb comes from stock",
            trigger: "#cart_products:has(:contains('Pre-order — expected')):has(:contains('Tour Lamp Bulb'))",
        },
    ],
});

registry.category("web_tour.tours").add("website_preorder_cart_increase", {
    url: "/shop",
    steps: () => [
        ...buyAs("Tour Preorder Clock", "national", 1),
        goToCart(),
        {
            content: "Add one on the cart page (no free stock)",
            trigger: "#cart_products a.js_add_cart_json:has(i.fa-plus)",
            run: "click",
        },
        {
            trigger: ".my_cart_quantity:contains(/^2$/)",
        },
        {
            content: "Ask for more than is offered",
            trigger: "#cart_products input.js_quantity",
            run: "edit 9 && press Tab",
        },
        {
            content: "Refused with the kind's message",
            trigger:
                ".o_notification_manager:contains('Only 5 available as pre-order'), " +
                "#data_warning:contains('Only 5 available as pre-order'), " +
                ".alert:contains('Only 5 available as pre-order')",
        },
        {
            trigger: ".my_cart_quantity:contains(/^2$/)",
        },
    ],
});

registry.category("web_tour.tours").add("website_preorder_shipping_choice", {
    url: "/shop",
    steps: () => [
        ...buyAs("Tour Preorder Clock", "national", 1),
        ...buyAs("Tour Stock Mug", "stock", 1),
        goToCart(),
        checkoutFromCart(),
        tourUtils.confirmOrder(),
        {
            content: "The payment page offers the shipping choice, each item when ready by default",
            trigger: "#preorder_shipping_choice input#preorder_shipping_direct:checked",
        },
        {
            content: "Ship everything together",
            trigger: "#preorder_shipping_choice label[for='preorder_shipping_one']",
            run: "click",
        },
        {
            content: "The choice is saved on the cart",
            trigger: "#preorder_shipping_choice[data-policy='one']",
        },
        ...tourUtils.payWithDemo(),
        {
            content: "The confirmation page tells the shipping choice",
            trigger: "#preorder_shipping_summary:contains('Ship everything together')",
        },
    ],
});

registry.category("web_tour.tours").add("website_preorder_deposit", {
    url: "/shop",
    steps: () => [
        ...buyAs("Tour Preorder Clock", "national", 1),
        ...buyAs("Tour Stock Mug", "stock", 1),
        goToCart(),
        assertTotal("200.00"),
        checkoutFromCart(),
        tourUtils.confirmOrder(),
        {
            content: "The payment page asks for the deposit: 30 % of the clock, all of the mug",
            trigger: "#preorder_deposit_due .preorder_deposit_amount:contains('130.00')",
        },
        {
            content: "and tells the balance, invoiced when the clock is ready to ship",
            trigger: "#preorder_deposit_due .preorder_balance_amount:contains('70.00')",
        },
        {
            content: "and that the card used now is saved to pay it",
            trigger: "#preorder_deposit_due:contains('saved for that')",
        },
        ...tourUtils.payWithDemo(),
        {
            content: "The confirmation page takes the deposit as the payment it expected",
            trigger: ".oe_website_sale_tx_status .alert-success #preorder_deposit_received",
        },
    ],
});
