"""Screenshots of a running demo for the README: docs/img/shop.png,
docs/img/product.png and docs/img/request.png.

    .venv/bin/python tools/screenshots.py [--url http://localhost:8069] [--db preorder_demo]
                                          [--login admin] [--password admin] [--out docs/img]
                                          [--only shop,product,request]

Needs an Odoo serving the demo database (``make run``) and Debian's ``chromium``.
Chromium runs headless and is driven through the DevTools protocol (the way
Odoo's own test browser does, with the ``websocket-client`` package of the
project's virtualenv): the shop and the product page are taken as a visitor
(a public session of the database), the request form as the logged-in user
(the session cookie of ``/web/session/authenticate`` set in the browser).

Options default to the environment: ODOO_URL (else http://localhost:$HTTP_PORT),
RUN_DB, SCREENSHOT_LOGIN, SCREENSHOT_PASSWORD, CHROMIUM.
"""

import argparse
import base64
import http.cookiejar
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import websocket

ROOT = pathlib.Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1280, 900


class Odoo:
    """JSON-RPC to the server with one cookie jar (one Odoo session)."""

    def __init__(self, url, db):
        self.url = url.rstrip("/")
        self.db = db
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path):
        with self.opener.open(self.url + path, timeout=60) as response:
            return response.read()

    def rpc(self, path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}).encode()
        request = urllib.request.Request(
            self.url + path, body, {"Content-Type": "application/json"}
        )
        with self.opener.open(request, timeout=60) as response:
            answer = json.load(response)
        if answer.get("error"):
            error = answer["error"]
            raise RuntimeError(f"{path}: {error.get('data', {}).get('message') or error}")
        return answer["result"]

    def call(self, model, method, *args, **kwargs):
        return self.rpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def public_session(self):
        """A visitor's session bound to the database (``/web/login?db=``)."""
        self.get("/web/login?" + urllib.parse.urlencode({"db": self.db}))
        return self.session_id()

    def authenticate(self, login, password):
        self.rpc("/web/session/authenticate", {"db": self.db, "login": login, "password": password})
        return self.session_id()

    def session_id(self):
        for cookie in self.jar:
            if cookie.name == "session_id":
                return cookie.value
        raise RuntimeError(f"{self.url} set no session_id cookie")

    def xmlid(self, module, name):
        rows = self.call(
            "ir.model.data",
            "search_read",
            [("module", "=", module), ("name", "=", name)],
            fields=["res_id"],
            limit=1,
        )
        return rows[0]["res_id"] if rows else None


class Chromium:
    """A headless Chromium and one page, spoken to over the DevTools protocol."""

    def __init__(self, executable):
        self.profile = tempfile.mkdtemp(prefix="preorder_screenshots_")
        self.process = subprocess.Popen(
            [
                executable,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-extensions",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                f"--window-size={WIDTH},{HEIGHT}",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port = self._devtools_port()
        page = self._page_target(port)
        self.ws = websocket.create_connection(page, suppress_origin=True, timeout=60)
        self.next_id = 0
        self.send("Page.enable")
        self.send("Network.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )

    def _devtools_port(self):
        port_file = pathlib.Path(self.profile, "DevToolsActivePort")
        for _ in range(200):
            if self.process.poll() is not None:
                raise RuntimeError("chromium exited at start")
            if port_file.is_file() and port_file.stat().st_size > 5:
                return int(port_file.read_text().splitlines()[0])
            time.sleep(0.1)
        raise RuntimeError("chromium's DevTools port never appeared")

    def _page_target(self, port):
        for _ in range(50):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as answer:
                targets = json.load(answer)
            for target in targets:
                if target.get("type") == "page":
                    return target["webSocketDebuggerUrl"]
            time.sleep(0.1)
        raise RuntimeError("chromium has no page to drive")

    def send(self, method, **params):
        """Send one command and return its result (events received meanwhile are dropped)."""
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") != self.next_id:
                continue
            if "error" in message:
                raise RuntimeError(f"{method}: {message['error']}")
            return message.get("result", {})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def shoot(self, url, session_id, ready, target, timeout=60):
        """Open ``url`` with the session cookie, wait for the CSS selector
        ``ready``, then write a PNG of the viewport to ``target``."""
        self.send("Network.clearBrowserCookies")
        self.send(
            "Network.setCookie",
            name="session_id",
            value=session_id,
            url=url,
            httpOnly=True,
        )
        self.send("Page.navigate", url=url)
        check = (
            "document.readyState === 'complete' && location.href !== 'about:blank'"
            f" && !!document.querySelector({json.dumps(ready)})"
        )
        deadline = time.monotonic() + timeout
        while not self.evaluate(check):
            if time.monotonic() > deadline:
                where = self.evaluate("location.href")
                raise RuntimeError(f"{url}: {ready!r} not found after {timeout}s (at {where})")
            time.sleep(0.25)
        # let images, fonts and the client's last renders settle
        self.evaluate("window.scrollTo(0, 0)")
        time.sleep(1.5)
        shot = self.send("Page.captureScreenshot", format="png")
        target.write_bytes(base64.b64decode(shot["data"]))

    def close(self):
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


def product_url(odoo):
    """The demo's national pre-order product, else any published product listed for a kind."""
    product_id = odoo.xmlid("website_preorder", "demo_product_headphones")
    if product_id:
        [product] = odoo.call("product.product", "read", [product_id], fields=["product_tmpl_id"])
        template_ids = [product["product_tmpl_id"][0]]
    else:
        template_ids = odoo.call(
            "product.template",
            "search",
            [
                ("website_published", "=", True),
                "|",
                "|",
                ("product_variant_ids.preorder_national_listed", "=", True),
                ("product_variant_ids.preorder_international_listed", "=", True),
                ("product_variant_ids.presale_listed", "=", True),
            ],
            limit=1,
        )
    if not template_ids:
        raise RuntimeError("no published product is listed for pre-order or pre-sale")
    [template] = odoo.call("product.template", "read", template_ids, fields=["website_url"])
    return template["website_url"]


def request_url(odoo):
    """The demo's national pre-order request in the back office."""
    request_id = odoo.xmlid("website_preorder", "demo_request_national") or next(
        iter(
            odoo.call(
                "purchase.order",
                "search",
                [("preorder_kind", "=", "national")],
                limit=1,
                order="id",
            )
        ),
        None,
    )
    if not request_id:
        raise RuntimeError("no national pre-order request in the database")
    return f"/odoo/national-preorder-requests/{request_id}"


def main():
    port = os.environ.get("HTTP_PORT", "8069")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("ODOO_URL", f"http://localhost:{port}"))
    parser.add_argument("--db", default=os.environ.get("RUN_DB", "preorder_demo"))
    parser.add_argument("--login", default=os.environ.get("SCREENSHOT_LOGIN", "admin"))
    parser.add_argument("--password", default=os.environ.get("SCREENSHOT_PASSWORD", "admin"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "img"))
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "chromium"))
    parser.add_argument(
        "--only", default="shop,product,request", help="comma-separated: shop, product, request"
    )
    args = parser.parse_args()
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    executable = shutil.which(args.chromium)
    if not executable:
        sys.exit(f"{args.chromium} not found (Debian: apt-get install chromium)")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    visitor = Odoo(args.url, args.db)
    staff = Odoo(args.url, args.db)
    try:
        public_session = visitor.public_session()
        staff_session = staff.authenticate(args.login, args.password)
    except (OSError, RuntimeError) as error:
        sys.exit(f"cannot reach or log into {args.url} (database {args.db}): {error}")

    # name: (path, session, CSS selector that says the page is drawn)
    shots = {}
    if "shop" in wanted:
        shots["shop"] = (
            "/shop?availability=national",
            public_session,
            "#products_grid .oe_product",
        )
    if "product" in wanted:
        shots["product"] = (product_url(staff), public_session, ".o_preorder_availability")
    if "request" in wanted:
        shots["request"] = (request_url(staff), staff_session, ".o_form_view .o_form_sheet")

    browser = Chromium(executable)
    try:
        for name, (path, session, ready) in shots.items():
            target = out / f"{name}.png"
            browser.shoot(args.url.rstrip("/") + path, session, ready, target)
            shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
            print(f"[screenshots] {shown}  <- {path}")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
