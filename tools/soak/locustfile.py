"""Locust shoppers for ``make soak`` (tools/soak.sh runs it headless).

Each shopper is a Locust ``HttpUser`` with its own cookie jar (its own Odoo
session) and the CSRF token of its session, read from the pages it gets. One
iteration is one order: product page, add to cart with the addon's kind
(``/shop/cart/update_json`` + ``preorder_kind``), checkout with a new address
(``/shop/address/submit``), payment with Odoo's demo provider in test mode
(``/shop/payment/transaction/<id>``, ``/payment/demo/simulate_payment``) and
Odoo's own post-processing (``/payment/status/poll``), which confirms the order.

Beside the shoppers, one greenlet started with the test is the staff user: over
``/jsonrpc`` as admin it triggers the catalogue, release and pre-sale price jobs
in turn (``ir.cron.method_direct_trigger`` in an HTTP worker, or ``nextcall``
moved to now so the cron workers run it) and now and then restocks (a new
request of a few units, confirmed: it allocates parked lines).

Expected refusals (a cart add beyond what is offered, a payment refused by the
re-check) are successes in Locust's stats and are counted; any other JSON-RPC
error, an HTTP 5xx, a refused add without a message, is a failure. Counters go
to ``$SOAK_EVENTS`` (JSON lines) for tools/soak/check.py.
"""

import itertools
import json
import os
import random
import re
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import gevent
import gevent.event
from locust import HttpUser, between, events, task
from locust.clients import HttpSession

FIXTURE = json.loads(Path(os.environ["SOAK_FIXTURE"]).read_text())
#: "mixed" (every kind, again and again), "launch" (each shopper buys one
#: unit of the launch product once, all at the same moment) or "throughput"
#: (one hot product bought again and again, on plain Odoo and on the addon)
SCENARIO = os.environ.get("SOAK_SCENARIO", "mixed")
#: the Odoo servers (two hosts on one database); shoppers are split between them
HOSTS = [host for host in os.environ.get("SOAK_HOSTS", "").split(",") if host]
_shoppers = itertools.count()
EVENTS_PATH = os.environ["SOAK_EVENTS"]
DB = os.environ.get("SOAK_DB", "preorder_soak")
#: errors Odoo raises on purpose, with a message for the shopper or the staff user
EXPECTED_ERRORS = {"odoo.exceptions.UserError", "odoo.exceptions.ValidationError"}
CSRF_RE = re.compile(r"csrf_token[^0-9a-f]{1,24}([0-9a-f]{40}o\d+)")
ATTR_RE = {
    name: re.compile(rf'data-{name}="([^"]*)"')
    for name in ("access-token", "amount", "transaction-route")
}

counters = Counter()
status_codes = Counter()
_ids = itertools.count(1)
_log = open(EVENTS_PATH, "a", encoding="utf-8")  # noqa: SIM115


def record(event, **data):
    counters[event] += 1
    _log.write(json.dumps({"event": event, "at": time.time(), **data}) + "\n")
    _log.flush()


@events.request.add_listener
def _count_status(name, response, exception, **_kwargs):
    code = getattr(response, "status_code", None) or 0
    status_codes[f"{code}"] += 1
    if code >= 500:
        record("http_5xx", name=name, status=code)


class Rpc:
    """JSON-RPC over a Locust HttpSession, errors sorted into expected and not."""

    def __init__(self, client):
        self.client = client

    def call(self, url, params, name=None, retry_ok=False, expected=EXPECTED_ERRORS):
        """(result, error); error is {"name", "message"} or None."""
        payload = {"jsonrpc": "2.0", "method": "call", "id": next(_ids), "params": params}
        with self.client.post(url, json=payload, name=name or url, catch_response=True) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}")
                return None, {"name": f"HTTP {resp.status_code}", "message": resp.text[:300]}
            try:
                data = resp.json()
            except ValueError:
                resp.failure("not JSON")
                return None, {"name": "not JSON", "message": resp.text[:300]}
            error = data.get("error")
            if not error:
                resp.success()
                return data.get("result"), None
            info = {
                "name": (error.get("data") or {}).get("name") or "",
                "message": (error.get("data") or {}).get("message") or error.get("message"),
            }
            if info["name"] in expected:
                resp.success()
            elif retry_ok and info["message"] == "retry":
                # /payment/status/poll asks the page to poll again (Odoo's design)
                resp.success()
                record("poll_retry")
            else:
                resp.failure(f"{info['name']}: {info['message']}")
                record("rpc_error", url=name or url, **info)
            return None, info


class Shopper(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self):
        if HOSTS:
            # each shopper stays on one server, as a load balancer's stickiness does
            self.client.base_url = HOSTS[next(_shoppers) % len(HOSTS)]
        self.rpc = Rpc(self.client)
        self.csrf = None
        self.bought = False

    # -- helpers -------------------------------------------------------
    def _get(self, url, name=None, **kwargs):
        with self.client.get(url, name=name or url, catch_response=True, **kwargs) as resp:
            if resp.status_code >= 400:
                resp.failure(f"HTTP {resp.status_code}")
            else:
                resp.success()
            match = CSRF_RE.search(resp.text or "")
            if match:
                self.csrf = match.group(1)
            return resp

    def _add(self, offer, qty, in_cart):
        result, error = self.rpc.call(
            "/shop/cart/update_json",
            {
                "product_id": offer["product_id"],
                "add_qty": qty,
                "display": False,
                "force_create": True,
                # plain Odoo's shop (the throughput scenario) knows no kind
                **({"preorder_kind": offer["kind"]} if offer["kind"] else {}),
            },
        )
        if error:
            record("add_error", kind=offer["kind"], **error)
            return False
        before = in_cart.get((offer["product_id"], offer["kind"]), 0)
        quantity = result.get("quantity") or 0
        warning = ((result.get("notification_info") or {}).get("warning") or "").strip()
        if quantity >= before + qty:
            in_cart[(offer["product_id"], offer["kind"])] = quantity
            record("add_ok", kind=offer["kind"])
            return True
        if warning:
            record("add_refused", kind=offer["kind"], product_id=offer["product_id"],
                   message=warning)  # fmt: skip
        else:
            answer = {k: v for k, v in result.items() if "website_sale." not in k}
            record("add_refused_silently", kind=offer["kind"], product_id=offer["product_id"],
                   result=answer)  # fmt: skip
        return False

    def _abandon(self, reason):
        record(reason)
        self.rpc.call("/shop/cart/clear", {})

    # -- one order -----------------------------------------------------
    @task
    def buy(self):
        if SCENARIO == "launch":
            if self.bought:
                # one try per shopper, then they wait for the run to end
                gevent.sleep(1.0)
                return
            self.bought = True
            basket = [FIXTURE["launch_offers"][0]]
            first = basket[0]
            record("launch_shopper")
            self._launch(first)
            return
        if SCENARIO == "throughput":
            # one hot product, bought again and again (plain Odoo or the addon)
            offer = FIXTURE["hot_offer"]
            self._get(f"/shop/{offer['product_tmpl_id']}", name="/shop/[product]")
            in_cart = {}
            if not self._add(offer, 1, in_cart):
                self._abandon("cart_empty")
                return
            self._checkout(in_cart)
            return
        offers = FIXTURE["offers"]
        first = random.choice([o for o in offers if o["kind"] != "stock"])
        basket = [first]
        if random.random() < 0.3:
            basket.append(random.choice([o for o in offers if o["kind"] == "stock"]))
        availability = random.choice(["", "?availability=" + first["kind"]])
        self._get("/shop" + availability, name="/shop?availability")
        self._get(f"/shop/{first['product_tmpl_id']}", name="/shop/[product]")
        in_cart = {}
        added = [self._add(offer, random.choice((1, 1, 2)), in_cart) for offer in basket]
        if not any(added):
            self._abandon("cart_empty")
            return
        self._checkout(in_cart)

    def _launch(self, offer):
        """Launch day: the product page, one unit in the cart, and everyone
        waits for the others before checking out and paying at once."""
        self._get(f"/shop/{offer['product_tmpl_id']}", name="/shop/[product]")
        in_cart = {}
        if not self._add(offer, 1, in_cart):
            self._abandon("cart_empty")
            return
        record("launch_in_cart")
        LAUNCH_GATE.wait(timeout=30)
        self._checkout(in_cart)

    def _checkout(self, in_cart):
        started = time.perf_counter()
        self._get("/shop/checkout", name="/shop/checkout")
        me = next(_ids)
        result, _ = self._submit_address(me)
        if result is None:
            return
        resp = self._get("/shop/confirm_order", name="/shop/confirm_order (→ /shop/payment)")
        if "/shop/payment" not in resp.url:
            # the checkout sent the shopper back (cart fixed, or nothing to pay)
            self._abandon("payment_page_redirected")
            return
        attrs = {k: (rx.search(resp.text) or [None, None])[1] for k, rx in ATTR_RE.items()}
        if not all(attrs.values()):
            self._abandon("payment_page_without_form")
            return
        processing, error = self.rpc.call(
            attrs["transaction-route"],
            {
                "provider_id": FIXTURE["provider_id"],
                "payment_method_id": FIXTURE["payment_method_id"],
                "token_id": None,
                "amount": float(attrs["amount"]),
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": "/shop/payment/validate",
                "is_validation": False,
                "access_token": attrs["access-token"],
                "csrf_token": self.csrf,
            },
            name="/shop/payment/transaction/[id]",
        )
        if error:
            if error["name"] in EXPECTED_ERRORS and error.get("message"):
                record("payment_refused", message=error["message"])
            else:
                record("payment_refused_silently", error=error)
            self._abandon("payment_abandoned")
            return
        record("payment_started")
        _, error = self.rpc.call(
            "/payment/demo/simulate_payment",
            {
                "reference": processing["reference"],
                "payment_details": "4242",
                "simulated_state": "done",
            },
            expected=(),  # the shopper has paid: from here on nothing may fail
        )
        if error:
            return
        for _attempt in range(10):
            status, error = self.rpc.call("/payment/status/poll", {}, retry_ok=True, expected=())
            if error and error["message"] != "retry":
                return
            if status and status.get("state") == "done" and not status.get("error"):
                break
            gevent.sleep(0.5)
        else:
            record("payment_not_post_processed", status=status)
            return
        self._get("/shop/payment/validate", name="/shop/payment/validate")
        record("order_paid", lines=len(in_cart), seconds=round(time.perf_counter() - started, 3))

    def _submit_address(self, me):
        data = {
            "csrf_token": self.csrf,
            "address_type": "billing",
            "use_delivery_as_billing": "true",
            "name": f"Soak Shopper {me}",
            "email": f"shopper{me}@example.com",
            "phone": "+32 470 00 00 00",
            "street": f"Rue du Soak {me}",
            "city": "Bruxelles",
            "zip": "1000",
            "country_id": FIXTURE["country_id"],
        }
        with self.client.post(
            "/shop/address/submit", data=data, name="/shop/address/submit", catch_response=True
        ) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}")
                return None, None
            try:
                answer = resp.json()
            except ValueError:
                resp.failure("not JSON")
                return None, None
            resp.success()
        if answer.get("messages") or "redirectUrl" not in answer:
            record("address_refused", answer=answer)
            self._abandon("address_abandoned")
            return None, None
        if "/shop/cart" in answer["redirectUrl"]:
            self._abandon("checkout_sent_back_to_cart")
            return None, None
        self._get(answer["redirectUrl"], name="/shop/checkout?try_skip_step")
        return answer, None


# -- the staff user: jobs and restocks ---------------------------------
def staff_loop(environment, job):
    client = HttpSession(
        base_url=environment.host, request_event=environment.events.request, user=None
    )
    rpc = Rpc(client)

    def execute(model, method, *args, name=None, **kwargs):
        return rpc.call(
            "/jsonrpc",
            {
                "service": "object",
                "method": "execute_kw",
                "args": [DB, uid, "admin", model, method, list(args), kwargs],
            },
            name=name or f"jobs: {model}.{method}",
        )

    uid, error = rpc.call(
        "/jsonrpc",
        {"service": "common", "method": "login", "args": [DB, "admin", "admin"]},
        name="jobs: login",
    )
    if error or not uid:
        record("staff_login_failed", error=error)
        return
    crons = FIXTURE["crons"]
    rng = random.Random(14)
    gevent.sleep(random.random() * 3)
    for cycle in itertools.count():
        if environment.runner is None or environment.runner.state in ("stopping", "stopped"):
            return
        if cycle % 2:
            # the cron workers run it (nextcall now; ODOO_NOTIFY_CRON_CHANGES wakes them)
            now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
            _, error = execute("ir.cron", "write", [crons[job]], {"nextcall": now},
                               name=f"jobs: cron {job} (cron worker)")  # fmt: skip
        else:
            _, error = execute("ir.cron", "method_direct_trigger", [crons[job]],
                               name=f"jobs: cron {job} (HTTP worker)")  # fmt: skip
        record("job_busy" if error else "job_triggered", job=job)
        if job == "release" and cycle % 3 == 2:
            product_id = rng.choice(FIXTURE["restock_products"])
            kind = rng.choice(("national", "international", "presale"))
            day = datetime.now(timezone.utc).date().toordinal() + rng.randint(5, 30)
            planned = datetime.fromordinal(day).strftime("%Y-%m-%d 12:00:00")
            order_id, error = execute(
                "purchase.order", "create",
                {
                    "partner_id": FIXTURE["vendor_id"],
                    "preorder_kind": kind,
                    "order_line": [[0, 0, {"product_id": product_id, "product_qty": 2,
                                           "price_unit": 10.0, "date_planned": planned}]],
                },
                name="jobs: restock create",
            )  # fmt: skip
            if not error:
                _, error = execute("purchase.order", "button_confirm", [order_id],
                                   name="jobs: restock confirm")  # fmt: skip
            record("restock_failed" if error else "restock", kind=kind, product_id=product_id)
        gevent.sleep(1.0)


_staff = []
#: launch day: opened once every shopper has a unit in the cart (or after 30 s)
LAUNCH_GATE = gevent.event.Event()


def _open_the_gate(environment):
    users = int(os.environ.get("SOAK_USERS", "16"))
    for _ in range(300):
        if counters["launch_in_cart"] + counters["cart_empty"] >= users:
            break
        gevent.sleep(0.1)
    LAUNCH_GATE.set()


@events.test_start.add_listener
def _start_staff(environment, **_kwargs):
    # one staff greenlet per job, so each job is triggered again and again
    if SCENARIO == "launch":
        # launch day is the shoppers' moment: no restocks, no jobs in between
        _staff.append(gevent.spawn(_open_the_gate, environment))
        return
    if SCENARIO == "throughput":
        return  # shoppers only, on plain Odoo and on the addon alike
    for job in ("catalogue", "release", "presale_price"):
        _staff.append(gevent.spawn(staff_loop, environment, job))


@events.test_stop.add_listener
def _summary(environment, **_kwargs):
    for greenlet in _staff:
        greenlet.kill(block=False)
    record("summary", counters=dict(counters), status_codes=dict(status_codes))
