"""The Nuvemshop sandbox from Python: started through the C ABI, used by the official client
(`nuvemshop-client-python` on PyPI) as a developer would, and an ERP's own HTTP endpoint taking
the store's signed webhooks into Ponte."""

import http.server
import json
import os
import tempfile
import threading
import unittest

import ponte

try:
    from nuvemshop_client import NuvemshopClient
    from nuvemshop_client.exception import NuvemshopClientAuthenticationError, NuvemshopClientError
except ImportError:  # pragma: no cover - CI installs it
    NuvemshopClient = None

SHOPPER = {
    "customer": {"name": "Ana Lima", "email": "ana@example.com.br", "identification": "52998224725"},
    "billing_address": "Rua das Flores", "billing_number": "12", "billing_city": "Curitiba",
    "billing_province": "PR", "billing_zipcode": "80010000", "billing_country": "BR",
}


@unittest.skipIf(NuvemshopClient is None and not os.environ.get("CI"),
                 "pip install --ignore-requires-python nuvemshop-client-python to run")
class OfficialNuvemshopClientTest(unittest.TestCase):
    """What a developer would do with the official client against a real store."""

    def setUp(self):
        self.sandbox = ponte.Sandbox(platform="nuvemshop", rate_limit=False)
        self.client = NuvemshopClient(
            store_id=int(self.sandbox.info["store_id"]),
            access_token=self.sandbox.info["access_token"],
            user_agent="Ponte tests (ti@ponte.example)",
        )
        # The client's host is a class constant; the sandbox is on 127.0.0.1.
        self.client.API_URL_BASE = self.sandbox.base_url

    def tearDown(self):
        self.sandbox.stop()

    def test_products_are_created_listed_found_by_sku_and_updated(self):
        created = self.client.products.create({
            "name": "Panela", "brand": "Tramontina",
            "variants": [{"sku": "PAN-1", "price": "189.90", "stock_management": True, "stock": 7}],
        })
        self.assertEqual(created["name"]["pt"], "Panela")
        listed = self.client.products.list(page=1, per_page=200)
        self.assertEqual([p["id"] for p in listed], [created["id"]])
        found = self.client.products.get_by_sku("PAN-1")
        self.assertEqual(found["variants"][0]["price"], "189.90")
        self.client.products.update(created["id"], {"name": "Panela de pressão"})
        self.assertEqual(self.client.products.get(created["id"])["name"]["pt"], "Panela de pressão")
        with self.assertRaises(NuvemshopClientError):
            self.client.products.get_by_sku("NOPE")

    def test_orders_are_listed_read_and_updated(self):
        self.client.products.create({"name": "Panela", "variants": [{"sku": "PAN-1", "price": "10.00"}]})
        placed = self.sandbox.place_order(dict(SHOPPER, payment_status="paid",
                                               products=[{"sku": "PAN-1", "quantity": 2}]))
        listed = self.client.orders.list(page=1, per_page=50, payment_status="paid")
        self.assertEqual([o["id"] for o in listed], [placed["id"]])
        # The docs' list example gives quantities as strings; the single order as numbers.
        self.assertEqual(listed[0]["products"][0]["quantity"], "2")
        order = self.client.orders.get(placed["id"])
        self.assertEqual(order["products"][0]["quantity"], 2)
        self.client.orders.update(placed["id"], {"owner_note": "Conferir endereço"})
        self.assertEqual(self.client.orders.get(placed["id"])["owner_note"], "Conferir endereço")

    def test_a_wrong_token_is_refused_as_nuvemshop_refuses_it(self):
        wrong = NuvemshopClient(store_id=int(self.sandbox.info["store_id"]), access_token="wrong")
        wrong.API_URL_BASE = self.sandbox.base_url
        # The client wraps its authentication error when listing; Nuvemshop's words come through.
        with self.assertRaises(NuvemshopClientError) as caught:
            wrong.products.list()
        self.assertIn("Invalid access token", str(caught.exception))
        with self.assertRaises(NuvemshopClientAuthenticationError):
            wrong.get("products")


class WebhookEndpoint(http.server.BaseHTTPRequestHandler):
    """An ERP's endpoint: hands each webhook to Ponte and answers with what Ponte said."""

    ponte_handle = None
    receipts = []

    def do_POST(self):  # noqa: N802 - the standard library's name
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            receipt = self.ponte_handle.webhook_ingest("nuvem", dict(self.headers.items()), body)
            self.receipts.append(receipt)
            status = 200
        except ponte.PonteError as error:
            self.receipts.append({"refused": error.message})
            status = 401
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


class NuvemshopThroughPonteTest(unittest.TestCase):
    def test_sync_capture_and_a_signed_webhook_through_the_erps_endpoint(self):
        capture = {"enabled": True, "fetch_statuses": ["paid"], "reservation_statuses": ["pending"],
                   "default_payment_terms": "A VISTA", "default_payment_method": "PIX"}
        with ponte.Sandbox(platform="nuvemshop", rate_limit=False) as store, \
                tempfile.TemporaryDirectory() as tmp, ponte.Ponte(os.path.join(tmp, "ponte.db")) as handle:
            handle.integration_put(store.integration_config("nuvem", locale="en", order_capture=capture))
            handle.catalog_put_brands([{"id": "T", "name": "Tramontina", "show_in_electronic_order": True}])
            handle.catalog_put_products([{
                "erp_id": "1", "name": "Panela", "brand_id": "T", "show_in_store": True, "sync_stock": True,
                "variants": [{"sku": "PAN-1", "price_cents": 18990, "stock": 7}]}])
            report = handle.sync_products("nuvem")
            self.assertEqual(report["counts"], {"create": 1})

            WebhookEndpoint.ponte_handle = handle
            WebhookEndpoint.receipts = []
            server = http.server.HTTPServer(("127.0.0.1", 0), WebhookEndpoint)
            threading.Thread(target=server.handle_request, daemon=True).start()
            endpoint = f"http://127.0.0.1:{server.server_address[1]}/nuvemshop"
            # The store is told where to send order/paid, as an app registers its webhooks.
            store_api = f"{store.base_url}/v1/{store.info['store_id']}"
            import urllib.request
            request = urllib.request.Request(
                f"{store_api}/webhooks", method="POST",
                data=json.dumps({"event": "order/paid", "url": endpoint}).encode("utf-8"),
                headers={"Authentication": f"bearer {store.info['access_token']}",
                         "User-Agent": "Ponte tests (ti@ponte.example)", "Content-Type": "application/json"})
            urllib.request.urlopen(request, timeout=10).close()

            placed = store.place_order(dict(SHOPPER, payment_status="paid",
                                            products=[{"sku": "PAN-1", "quantity": 1}]))
            deadline = threading.Event()
            for _ in range(100):
                if WebhookEndpoint.receipts:
                    break
                deadline.wait(0.05)
            self.assertEqual(WebhookEndpoint.receipts,
                             [{"event": "order/paid", "store_order_id": str(placed["id"]), "capture_scheduled": True}])
            server.server_close()

            captured = handle.capture_orders("nuvem")
            self.assertEqual([o["store_order_id"] for o in captured["pending"]], [str(placed["id"])])

            # A body signed with another secret is refused, by name.
            with self.assertRaises(ponte.AuthError) as caught:
                handle.webhook_ingest("nuvem", {"X-Linkedstore-HMAC-SHA256": "00" * 32},
                                      b'{"store_id":1,"event":"order/paid","id":1}')
            self.assertIn("signature does not match", caught.exception.message)


if __name__ == "__main__":
    unittest.main()
