from . import feed, portal, shop, subscription
