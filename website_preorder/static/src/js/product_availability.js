/** @odoo-module **/

import { WebsiteSale } from "@website_sale/js/website_sale";
import { renderToElement } from "@web/core/utils/render";
import { rpc } from "@web/core/network/rpc";

/**
 * Product page: render the availability table and "Buy it as" for the selected
 * variant from its combination info (server data: quantities, dates, prices),
 * and send the chosen kind with "Add to cart". The server checks everything again.
 */
WebsiteSale.include({
    events: Object.assign({}, WebsiteSale.prototype.events, {
        "change input[name='preorder_kind']": "_onChangePreorderKind",
        "click #preorder_subscription_button": "_onClickPreorderSubscribe",
    }),

    _onChangeCombination(ev, $parent, combination) {
        const result = this._super(...arguments);
        const container = $parent[0] && $parent[0].querySelector("#preorder_availability");
        if (container) {
            this._preorderInfo = combination.preorder || null;
            this._preorderProductId = combination.product_id;
            this._renderPreorder(container);
        }
        return result;
    },

    _renderPreorder(container, selected) {
        const info = this._preorderInfo;
        container.replaceChildren();
        if (!info) {
            return;
        }
        const kinds = info.options.map((option) => option.kind);
        const current = container.dataset.selected;
        selected = selected || (kinds.includes(current) ? current : kinds[0]);
        container.dataset.selected = selected || "";
        container.appendChild(
            renderToElement("website_preorder.ProductAvailability", { info, selected })
        );
        this._showPreorderPrice(container, selected);
    },

    /**
     * The main price is the price of the kind chosen in "Buy it as" (a pre-sale
     * at its pricelist), the regular price struck through when that is cheaper.
     */
    _showPreorderPrice(container, selected) {
        const info = this._preorderInfo;
        const option = info.options.find((candidate) => candidate.kind === selected);
        const page = container.closest("#product_details") || document;
        const price = page.querySelector(".product_price .oe_price .oe_currency_value");
        if (!option || !price || info.regular_price_value === undefined) {
            return;
        }
        const own = option.price !== null && option.price !== undefined;
        price.textContent = own ? option.price_value : info.regular_price_value;
        const regular = page.querySelector(".product_price .oe_default_price");
        if (regular) {
            const cheaper = own && option.price < info.regular_price;
            regular.classList.toggle("d-none", !cheaper);
            const value = regular.querySelector(".oe_currency_value");
            if (cheaper && value) {
                value.textContent = info.regular_price_value;
            }
        }
    },

    /**
     * "Tell me when it opens": subscribe the shopper (or the address a visitor
     * typed); the server checks the address and the product.
     */
    async _onClickPreorderSubscribe(ev) {
        const block = ev.currentTarget.closest("#preorder_subscription");
        const input = block.querySelector("input[name='preorder_subscription_email']");
        const error = block.querySelector("#preorder_subscription_error");
        ev.currentTarget.disabled = true;
        try {
            await rpc("/shop/preorder/subscribe", {
                product_id: this._preorderProductId,
                email: input ? input.value : undefined,
            });
            this._preorderInfo.subscription.subscribed = true;
            this._renderPreorder(block.closest("#preorder_availability"));
        } catch (e) {
            error.textContent = (e.data && e.data.message) || e.message;
            error.classList.remove("d-none");
            ev.currentTarget.disabled = false;
        }
    },

    _onChangePreorderKind(ev) {
        const container = ev.currentTarget.closest("#preorder_availability");
        this._renderPreorder(container, ev.currentTarget.value);
    },

    _updateRootProduct($form, productId, productTemplateId) {
        this._super(...arguments);
        const kind = $form.find("input[name='preorder_kind']:checked").val();
        if (kind) {
            this.rootProduct.preorder_kind = kind;
        }
        if (kind === "international" && $form.find("input[name='preorder_exclusivity']").is(":checked")) {
            this.rootProduct.preorder_exclusivity = true;
        }
    },

    /**
     * Odoo's product configurator (optional products, "always show the dialog")
     * adds through /website_sale/product_configurator/update_cart: send the chosen
     * kind there too. The server applies it to the main product only.
     */
    _getAdditionalRpcParams() {
        const params = this._super(...arguments);
        if (this.rootProduct && this.rootProduct.preorder_kind) {
            params.preorder_kind = this.rootProduct.preorder_kind;
            if (this.rootProduct.preorder_exclusivity) {
                params.preorder_exclusivity = true;
            }
        }
        return params;
    },
});
