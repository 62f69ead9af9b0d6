/** @odoo-module **/

/**
 * Steps shared by the addon's tours: open a product from the shop's search,
 * choose how to buy it (`kind`) and add it to the cart, then wait until the
 * cart holds `quantityInCart` items.
 */
export function buyAs(productName, kind, quantityInCart) {
    return [
        {
            content: `Search ${productName}`,
            trigger: "body",
            run: () => {
                window.location.href = `/shop?search=${encodeURIComponent(productName)}`;
            },
            expectUnloadPage: true,
        },
        {
            trigger: `.oe_product_cart a:contains('${productName}')`,
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: `Buy it as ${kind}`,
            trigger: `#preorder_availability input[value='${kind}']`,
            run: "click",
        },
        {
            trigger: "#add_to_cart",
            run: "click",
        },
        {
            trigger: `.my_cart_quantity:contains(/^${quantityInCart}$/)`,
        },
    ];
}
