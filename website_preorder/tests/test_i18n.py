"""Every message of the addon reaches the translation template."""

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    def test_every_source_file_is_extracted(self):
        with self.assertNoLogs("odoo.tools.translate", level="ERROR"):
            reader = TranslationModuleReader(self.env.cr, modules=["website_preorder"])
        terms = {source for _module, _type, _name, _res_id, source, *_rest in reader}
        for term in (
            "Only %(available)s available as %(kind)s.",  # rules.cart refusal codes
            "unknown order %(order)r",  # rules.promise_csv problem codes
            "%(request)s: Only %(available)s can still be promised from this line; "
            "%(asked)s asked.",  # rules.atp
            "This product is available as back-order: expected arrival %(date)s.",
            "Minimum quantity: %(qty)s",  # product page sentences
        ):
            self.assertIn(term, terms)
