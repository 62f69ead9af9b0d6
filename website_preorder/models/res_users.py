from odoo import api, models
from odoo.exceptions import AccessError

# Who may run which pre-order action (README, "Access matrix"): group specs as
# res.users.has_groups() reads them. Every RPC-callable action that works with
# sudo() checks its caller against one of these first.
ACTION_GROUPS = {
    "sales": "sales_team.group_sale_salesman",
    "purchase": "purchase.group_purchase_user",
    # readers of allocations who open requests
    "review": "purchase.group_purchase_user,stock.group_stock_user",
    # writers of allocations (access rights)
    "allocation_write": "purchase.group_purchase_user,sales_team.group_sale_manager",
    "settings": "base.group_system",
    # ship a deposit order's pre-ordered goods before the balance is paid
    "ship_unpaid": "stock.group_stock_manager",
}


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model
    def _preorder_check_groups(self, role, action):
        """Raise AccessError unless the current user belongs to one of the
        groups of ``role`` (a key of ACTION_GROUPS).

        Call it in the caller's environment (``self.env["res.users"]``, not
        ``self.env.user``, which is sudo): the superuser environment (scheduled
        actions, internal calls made with sudo()) passes.
        """
        groups = ACTION_GROUPS[role]
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
    def _preorder_check_action(self, records, role, action, operation="write"):
        """The caller belongs to the groups of ``role`` and may ``operation`` on
        ``records`` (access rights and record rules: multi-company, own documents)."""
        self._preorder_check_groups(role, action)
        records.check_access(operation)
