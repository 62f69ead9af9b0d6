from lxml import etree

from odoo import models

#: context key of a batch of the addon's customer e-mails: a dict the batch owns
BATCH_KEY = "preorder_qweb_batch"


class IrQweb(models.AbstractModel):
    _inherit = "ir.qweb"

    def _compile(self, template):
        """Odoo compiles an inline template (a mail template's body) again for
        every record it renders. Within a batch of the addon's customer e-mails
        (``sale.order._preorder_send_mail`` sets the context key ``BATCH_KEY`` to
        a dict of its own) each source is compiled once per rendering context
        (language, options) and the compiled code reused for every order; any
        other rendering is Odoo's own."""
        batch = self.env.context.get(BATCH_KEY)
        if batch is None or not isinstance(template, etree._Element):
            return super()._compile(template)
        key = (
            etree.tostring(template),
            tuple(
                sorted((name, repr(value)) for name, value in self.env.context.items()
                       if name != BATCH_KEY)
            ),
        )  # fmt: skip
        if key not in batch:
            batch[key] = super()._compile(template)
        return batch[key]
