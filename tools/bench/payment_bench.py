"""Latency of the payment route on a running Odoo (plain vs addon).

Usage: payment_bench.py LABEL BASE_URL LOGFILE CART_JSON
Posts the payment form's call (``/shop/payment/transaction/<id>``) for the
cart of tools/bench/cart.py REQUESTS times after WARMUP: each creates a
payment transaction (on the addon's database, taking the cart's checkout
hold again). As a shopper does, the cart is first opened in the session
(Odoo's cart recovery link) and its payment page shown once, then the form
is posted; ``BENCH_PAYMENT_PAGE=0`` posts without the page (the route alone:
the addon then prices the cart again). Prints one BENCH JSON line like
http_bench.py.
"""

import http.cookiejar
import json
import os
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request

WARMUP, REQUESTS = 20, int(os.environ.get("BENCH_REQUESTS", 200))
label, base, logfile, cart = sys.argv[1:]
cart = json.loads(cart)
path = f"/shop/payment/transaction/{cart['order_id']}"
LOG = re.compile(r'"POST (?P<path>\S+) HTTP/1\.1" 200 - (?P<queries>\d+) ')
body = json.dumps(
    {
        "jsonrpc": "2.0",
        "method": "call",
        "params": {
            "access_token": cart["access_token"],
            "provider_id": cart["provider_id"],
            "payment_method_id": cart["payment_method_id"],
            "token_id": None,
            "amount": cart["amount"],
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": "/shop/payment/validate",
            "is_validation": False,
        },
    }
).encode()


opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
WITH_PAGE = os.environ.get("BENCH_PAYMENT_PAGE", "1") != "0"
#: the payment page is shown again every PAGE_EVERY posts (not timed): a
#: shopper pays within moments of it (the addon takes its prices for 120 s)
PAGE_EVERY = 50


def open_page(url):
    with opener.open(url, timeout=60) as page:
        if not page.geturl().endswith(url[len(base) :].split("?")[0]):
            sys.exit(f"{url} redirected to {page.geturl()}")


if WITH_PAGE:
    # the cart in this session (Odoo's abandoned-cart link), then its payment page
    query = urllib.parse.urlencode({"access_token": cart["access_token"], "revive": "squash"})
    open_page(f"{base}/shop/cart?{query}")
    open_page(f"{base}/shop/payment")
posted = 0


def post():
    global posted
    if WITH_PAGE and posted and not posted % PAGE_EVERY:
        open_page(f"{base}/shop/payment")
    posted += 1
    request = urllib.request.Request(
        base + path, data=body, headers={"Content-Type": "application/json"}
    )
    start = time.perf_counter()
    with opener.open(request, timeout=60) as response:
        answer = json.loads(response.read())
    if "error" in answer:
        sys.exit(f"payment route refused: {answer['error']}")
    return time.perf_counter() - start


for _ in range(WARMUP):
    post()
with open(logfile) as log:
    log.seek(0, 2)
    offset = log.tell()
times = sorted(post() for _ in range(REQUESTS))
time.sleep(0.5)
with open(logfile) as log:
    log.seek(offset)
    counts = [int(m["queries"]) for m in LOG.finditer(log.read()) if m["path"] == path]
row = {
    "label": label,
    "path": "/shop/payment/transaction" + ("" if WITH_PAGE else " (without the page)"),
    "median_ms": round(statistics.median(times) * 1000, 1),
    "p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 1),
    "queries": round(statistics.median(counts)) if counts else None,
    "requests": REQUESTS,
}
print("BENCH " + json.dumps(row), flush=True)
