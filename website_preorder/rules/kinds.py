"""The ways to buy (SPEC §1): the one definition of every kind.

A *request* (a purchase order flagged for pre-order) has one of the request
kinds; a sale line has one of the sale kinds. Labels live with the models'
selection fields, where they are translated.
"""

STOCK = "stock"
NATIONAL = "national"
INTERNATIONAL = "international"
PRESALE = "presale"
NEXT_DAY = "next_day"

#: kinds of requests, in the order the website lists them
REQUEST_KINDS = (NATIONAL, INTERNATIONAL, PRESALE)
#: the two pre-order request kinds (not pre-sale)
PREORDER_KINDS = (NATIONAL, INTERNATIONAL)
#: kinds of sale lines
SALE_KINDS = (STOCK, NATIONAL, INTERNATIONAL, PRESALE, NEXT_DAY)
