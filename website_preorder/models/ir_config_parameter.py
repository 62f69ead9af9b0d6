from odoo import api, models
from odoo.tools import SQL


class IrConfigParameter(models.Model):
    _inherit = "ir.config_parameter"

    @api.model
    def _preorder_get_job_cursor(self, key, default=""):
        """Where an interrupted pass of a batched job resumes (its ``key``).

        Read from the row, not through ``get_param``'s cache: the value changes
        with every committed batch."""
        self.env.cr.execute(SQL("SELECT value FROM ir_config_parameter WHERE key = %s", key))
        row = self.env.cr.fetchone()
        return row[0] if row else default

    @api.model
    def _preorder_set_job_cursor(self, key, value):
        """Store a batched job's cursor without ``set_param``: that clears the
        registry caches of every worker on every host, at every batch of every
        pass. The row is written directly (created once); no cache holds it,
        as it is only read by ``_preorder_get_job_cursor``."""
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """INSERT INTO ir_config_parameter
                       (key, value, create_uid, create_date, write_uid, write_date)
                   VALUES (%(key)s, %(value)s, %(uid)s, now() at time zone 'UTC',
                           %(uid)s, now() at time zone 'UTC')
                   ON CONFLICT (key) DO UPDATE
                   SET value = EXCLUDED.value, write_uid = EXCLUDED.write_uid,
                       write_date = EXCLUDED.write_date""",
                key=key,
                value=value,
                uid=self.env.uid,
            )
        )
        self.invalidate_model(["value"])
