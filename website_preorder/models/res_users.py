from odoo import api, models
from odoo.exceptions import AccessError

# Who may run which pre-order action (README, "Access matrix"): group specs as
# res.users.has_groups() reads them. Every RPC-callable action that works with
# sudo() checks its caller against one of these first.
SALES = "sales_team.group_sale_salesman"
PURCHASE = "purchase.group_purchase_user"
SETTINGS = "base.group_system"
# readers of allocations who open requests (review)
REVIEW = "purchase.group_purchase_user,stock.group_stock_user"
# writers of allocations (access rights): remove allocations
ALLOCATION_WRITE = "purchase.group_purchase_user,sales_team.group_sale_manager"


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model
    def _preorder_check_groups(self, groups, action):
        """Raise AccessError unless the current user belongs to one of ``groups``.

        Call it in the caller's environment (``self.env["res.users"]``, not
        ``self.env.user``, which is sudo): the superuser environment (scheduled
        actions, internal calls made with sudo()) passes.
        """
        if self.env.su:
            return
        user = self.env.user
        if not user.has_groups(groups):
            names = ", ".join(self.env.ref(group).sudo().full_name for group in groups.split(","))
            raise AccessError(
                self.env._(
                    "%(user)s may not %(action)s: it needs one of these groups: %(groups)s.",
                    user=user.name,
                    action=action,
                    groups=names,
                )
            )

    @api.model
    def _preorder_check_action(self, records, groups, action, operation="write"):
        """The caller belongs to ``groups`` and may ``operation`` on ``records``
        (access rights and record rules: multi-company, own documents)."""
        self._preorder_check_groups(groups, action)
        records.check_access(operation)
