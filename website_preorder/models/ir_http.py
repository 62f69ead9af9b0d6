from werkzeug.routing import BaseConverter

from odoo import models


class PreorderTokenConverter(BaseConverter):
    """A signed token in a URL path (``odoo.tools.misc.hmac``: hexadecimal).
    Anything else does not match the route: a 404, never a page built from
    it (a ``%`` in a website path would send the visitor round Odoo's
    canonical-URL redirects forever)."""

    regex = r"[0-9a-fA-F]{1,128}"


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _get_converters(cls):
        return dict(super()._get_converters(), preorder_token=PreorderTokenConverter)
