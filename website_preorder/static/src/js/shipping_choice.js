/** @odoo-module **/

import publicWidget from "@web/legacy/js/public/public_widget";
import { rpc } from "@web/core/network/rpc";

/**
 * Payment page: the shopper's shipping choice for pre-ordered items is saved
 * on the cart as soon as it is picked (the server checks it).
 */
publicWidget.registry.PreorderShippingChoice = publicWidget.Widget.extend({
    selector: "#preorder_shipping_choice",
    start() {
        const checked = this.el.querySelector("input[name='preorder_picking_policy']:checked");
        this.el.dataset.policy = checked ? checked.value : "";
        return this._super(...arguments);
    },

    events: {
        "change input[name='preorder_picking_policy']": "_onChange",
    },

    async _onChange(ev) {
        const inputs = this.el.querySelectorAll("input[name='preorder_picking_policy']");
        inputs.forEach((input) => (input.disabled = true));
        try {
            const result = await rpc("/shop/preorder/shipping", { policy: ev.target.value });
            this.el.dataset.policy = result.policy;
        } catch (error) {
            // refused: show what the cart really holds
            inputs.forEach((input) => (input.checked = input.value === this.el.dataset.policy));
            throw error;
        } finally {
            inputs.forEach((input) => (input.disabled = false));
        }
    },
});
