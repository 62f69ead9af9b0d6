def uninstall_hook(env):
    """What the addon wrote into Odoo's own records goes with it: the pre-sale
    price rules it manages (``preorder_managed``; rules written by hand stay)
    and its job cursors. Its models, fields, crons, menus and templates are
    removed by Odoo itself."""
    env["product.pricelist.item"].sudo().with_context(active_test=False).search(
        [("preorder_managed", "=", True)]
    ).unlink()
    env["ir.config_parameter"].sudo().search([("key", "=like", "website_preorder.%")]).unlink()
