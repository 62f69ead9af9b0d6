from . import feed, portal, shop
