from . import feed, payment, portal, shop, subscription
