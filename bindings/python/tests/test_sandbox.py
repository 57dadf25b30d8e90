"""The sandbox store from Python: started through the C ABI, driven by its control surface, and
used by the official WooCommerce client library (the `woocommerce` package on PyPI)."""

import json
import os
import tempfile
import unittest
import urllib.error
import urllib.request

import ponte

try:
    from woocommerce import API as WooCommerceAPI
except ImportError:  # pragma: no cover - CI installs it
    WooCommerceAPI = None


class SandboxTest(unittest.TestCase):
    def test_start_control_and_stop(self):
        with ponte.Sandbox() as sandbox:
            self.assertTrue(sandbox.base_url.startswith("http://127.0.0.1:"))
            self.assertTrue(sandbox.consumer_key.startswith("ck_"))
            sandbox.set_latency(per_request_ms=0)
            self.assertEqual(sandbox.counters(), {})
            url = sandbox.base_url
        with self.assertRaises(urllib.error.URLError):
            urllib.request.urlopen(url + "/__sandbox/info", timeout=5)

    def test_a_version_profile_is_chosen_at_start(self):
        with ponte.Sandbox() as default, ponte.Sandbox(wc_version="8.9.3", brazilian_market=False) as old:
            self.assertEqual(default.wc_version, "10.0.2")
            self.assertEqual(old.wc_version, "8.9.3")
            with urllib.request.urlopen(old.info["control_url"] + "/info", timeout=5) as answer:
                info = json.loads(answer.read().decode("utf-8"))
            self.assertEqual((info["wc_version"], info["brazilian_market"]), ("8.9.3", False))
        with self.assertRaises(ponte.InvalidJsonError) as caught:
            ponte.Sandbox(wc_version="7.0.0")
        self.assertIn("options.wc_version", caught.exception.message)

    def test_the_integration_check_reads_the_store_and_names_a_missing_status(self):
        capture = {"enabled": True, "fetch_statuses": ["processing"], "received_status": "recebido",
                   "default_payment_terms": "A VISTA", "default_payment_method": "PIX"}
        with ponte.Sandbox(wc_version="8.9.3") as store, tempfile.TemporaryDirectory() as tmp:
            with ponte.Ponte(os.path.join(tmp, "ponte.db")) as handle:
                handle.integration_put(store.integration_config("loja", locale="en", order_capture=capture))
                check = handle.integration_check("loja")
                self.assertFalse(check["ok"])
                self.assertEqual(check["store"]["version"], "8.9.3")
                lines = {(i["item"], i.get("path")): i for i in check["items"]}
                self.assertEqual(lines[("brands", None)]["status"], "warning")
                self.assertEqual(lines[("ean", None)]["status"], "warning")
                missing = lines[("status", "order_capture.received_status")]
                self.assertEqual(missing["status"], "problem")
                self.assertIn('"recebido" não existe na loja', missing["message"]["pt_br"])
                self.assertIn("Register status", missing["action"]["en"])
                with self.assertRaises(ponte.InvalidConfigError) as caught:
                    handle.capture_orders("loja")
                self.assertIn("order_capture.received_status", caught.exception.message)
                store.register_status("recebido", "Recebido")
                self.assertTrue(handle.integration_check("loja")["ok"])

    def test_an_unknown_platform_is_refused(self):
        with self.assertRaises(ponte.InvalidJsonError) as caught:
            ponte.Sandbox(platform="magento")
        self.assertIn("options.platform", caught.exception.message)


@unittest.skipIf(WooCommerceAPI is None and not os.environ.get("CI"), "pip install woocommerce to run")
class OfficialPythonClientTest(unittest.TestCase):
    """What a developer would do with the official client against a real store."""

    def setUp(self):
        self.sandbox = ponte.Sandbox()
        self.wcapi = WooCommerceAPI(
            url=self.sandbox.base_url,
            consumer_key=self.sandbox.consumer_key,
            consumer_secret=self.sandbox.consumer_secret,
            version="wc/v3",
            timeout=10,
        )

    def tearDown(self):
        self.sandbox.stop()

    def test_products_list_create_update_and_batch(self):
        created = self.wcapi.post("products", {"name": "Caneca Azul", "type": "simple", "regular_price": "29.90", "sku": "CAN-AZ"})
        self.assertEqual(created.status_code, 201, created.text)
        product = created.json()
        self.assertEqual((product["price"], product["sku"]), ("29.90", "CAN-AZ"))

        updated = self.wcapi.put(f"products/{product['id']}", {"regular_price": "24.54", "manage_stock": True, "stock_quantity": 5})
        self.assertEqual(updated.status_code, 200, updated.text)
        self.assertEqual((updated.json()["regular_price"], updated.json()["stock_quantity"]), ("24.54", 5))

        duplicate = self.wcapi.post("products", {"name": "Outra", "sku": "CAN-AZ"})
        self.assertEqual(duplicate.status_code, 400)
        self.assertEqual(duplicate.json()["code"], "product_invalid_sku")

        batch = self.wcapi.post("products/batch", {"create": [{"name": f"P{i}", "sku": f"B-{i}"} for i in range(3)]})
        self.assertEqual(batch.status_code, 200, batch.text)
        self.assertEqual(len(batch.json()["create"]), 3)

        listed = self.wcapi.get("products", params={"per_page": 2, "page": 2})
        self.assertEqual(listed.status_code, 200, listed.text)
        self.assertEqual(listed.headers["X-WP-Total"], "4")
        self.assertEqual(listed.headers["X-WP-TotalPages"], "2")
        found = self.wcapi.get("products", params={"sku": "B-0,B-2"}).json()
        self.assertEqual(sorted(p["sku"] for p in found), ["B-0", "B-2"])

    def test_orders_list_create_update_and_notes(self):
        self.wcapi.post("products", {"name": "Caneca", "regular_price": "10.00", "sku": "CAN"})
        order = self.wcapi.post("orders", {"set_paid": True, "line_items": [{"sku": "CAN", "quantity": 3}],
                                           "billing": {"first_name": "Ana", "email": "ana@example.com.br"}})
        self.assertEqual(order.status_code, 201, order.text)
        self.assertEqual((order.json()["status"], order.json()["total"]), ("processing", "30.00"))
        order_id = order.json()["id"]

        placed = self.sandbox.place_order({"status": "on-hold", "line_items": [{"sku": "CAN", "quantity": 1}]})
        listed = self.wcapi.get("orders", params={"status": "processing,on-hold"}).json()
        self.assertEqual(sorted(o["id"] for o in listed), sorted([order_id, placed["id"]]))

        done = self.wcapi.put(f"orders/{order_id}", {"status": "completed"})
        self.assertEqual(done.json()["status"], "completed")
        note = self.wcapi.post(f"orders/{order_id}/notes", {"note": "Recebido pelo ERP"})
        self.assertEqual(note.status_code, 201, note.text)
        notes = self.wcapi.get(f"orders/{order_id}/notes").json()
        self.assertEqual(notes[0]["note"], "Recebido pelo ERP")
        counters = self.sandbox.counters()
        self.assertEqual(counters["PUT /wp-json/wc/v3/orders/{id}"], 1)

    def test_an_old_store_has_no_brands_and_drops_gtins(self):
        # WooCommerce 8.9.3 (the kit's old store): brands 404 rest_no_route, global_unique_id
        # dropped from a product and ignored as a filter.
        with ponte.Sandbox(wc_version="8.9.3") as old:
            api = WooCommerceAPI(url=old.base_url, consumer_key=old.consumer_key,
                                 consumer_secret=old.consumer_secret, version="wc/v3", timeout=10)
            brands = api.get("products/brands")
            self.assertEqual((brands.status_code, brands.json()["code"]), (404, "rest_no_route"))
            created = api.post("products", {"name": "Caneca", "sku": "CAN", "global_unique_id": "7891000100103"})
            self.assertEqual(created.status_code, 201, created.text)
            self.assertNotIn("global_unique_id", created.json())
            api.post("products", {"name": "Prato", "sku": "PRA"})
            self.assertEqual(len(api.get("products", params={"global_unique_id": "0000"}).json()), 2)
            self.assertEqual(api.get("system_status").json()["environment"]["version"], "8.9.3")

    def test_custom_statuses_and_taxes_as_a_real_store_shows_them(self):
        # Real 10.0.2 (kit --statuses received:Recebido): reports/orders/totals lists the custom
        # status with its label before checkout-draft. With a 10% "ICMS" standard rate on shipping
        # and a 5% "IPI reduzido" reduced rate, 2 x R$100 (reduced) + 1 x R$50 + R$20 shipping
        # came to total "287.00", total_tax "17.00", cart_tax "15.00", shipping_tax "2.00".
        self.sandbox.register_status("received", "Recebido")
        totals = self.wcapi.get("reports/orders/totals").json()
        self.assertEqual([t["slug"] for t in totals][-2:], ["received", "checkout-draft"])
        self.assertEqual(totals[-2]["name"], "Recebido")
        icms = self.sandbox.set_tax_rate("standard", "ICMS", 1000)
        ipi = self.sandbox.set_tax_rate("reduced-rate", "IPI reduzido", 500, shipping=False)
        self.wcapi.post("products", {"name": "Panela", "sku": "R100", "regular_price": "100.00", "tax_class": "reduced-rate"})
        self.wcapi.post("products", {"name": "Tampa", "sku": "S50", "regular_price": "50.00"})
        order = self.wcapi.post("orders", {"line_items": [{"sku": "R100", "quantity": 2}, {"sku": "S50", "quantity": 1}],
                                           "shipping_lines": [{"method_id": "flat_rate", "total": "20.00"}]}).json()
        self.assertEqual((order["total"], order["total_tax"], order["cart_tax"], order["shipping_tax"]),
                         ("287.00", "17.00", "15.00", "2.00"))
        self.assertEqual([(t["rate_id"], t["tax_total"]) for t in order["tax_lines"]], [(ipi, "10.00"), (icms, "5.00")])

    def test_a_wrong_secret_is_refused_like_woocommerce(self):
        bad = WooCommerceAPI(url=self.sandbox.base_url, consumer_key=self.sandbox.consumer_key,
                             consumer_secret="cs_wrong", version="wc/v3", timeout=10)
        answer = bad.get("products")
        self.assertEqual(answer.status_code, 401)
        self.assertEqual(answer.json()["message"], "Invalid signature - provided signature does not match.")


if __name__ == "__main__":
    unittest.main()


class SyncTest(unittest.TestCase):
    """Product sync from Python against the sandbox, as an ERP script would run it."""

    def test_sync_plan_progress_status_and_history(self):
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as d, ponte.Sandbox() as store, ponte.Ponte(str(Path(d) / "ponte.db")) as p:
            # One batch at a time, so where a cancelled run stops does not depend on timing.
            p.integration_put(store.integration_config("loja", locale="en", http={"max_concurrent_requests": 1}))
            p.catalog_put_brands([{"id": "HERING", "name": "Hering", "show_in_electronic_order": True}])
            p.catalog_put_products([
                {"erp_id": str(n), "name": f"Camiseta {n}", "brand_id": "HERING", "show_in_store": True, "sync_stock": True,
                 "variants": [{"sku": f"CAM-{n}", "price_cents": 4990, "stock": n}]}
                for n in range(150)
            ] + [{"erp_id": "off", "name": "Fora", "show_in_store": False, "sync_stock": True,
                  "variants": [{"sku": "OFF", "price_cents": 100}]}])
            plan = p.sync_plan("loja")
            self.assertEqual(plan["counts"], {"create": 150, "skipped": 1})

            seen = []
            report = p.sync_products("loja", progress=lambda done, total: seen.append((done, total)))
            self.assertEqual(report["status"], "completed")
            self.assertEqual(report["counts"]["create"], 150)
            # Products done (the skipped one at once, then each batch answered) of those read.
            self.assertEqual(seen, [(101, 151), (151, 151)])
            self.assertEqual(len(store.products()), 150)

            status = p.product_status("loja", sku="OFF")
            self.assertEqual([r["code"] for r in status["reasons"]], ["not_published", "no_brand"])
            self.assertEqual(p.product_status("loja", erp_id="7")["state"], "in_store")

            p.catalog_put_stock([{"sku": f"CAM-{n}", "quantity": 0} for n in range(1, 150)])
            report = p.sync_products("loja", stock_only=True, progress=lambda done, total: False)
            self.assertEqual(report["status"], "cancelled")
            self.assertEqual(report["counts"]["stock_only"], 100)
            runs = p.sync_runs("loja", limit=5)
            self.assertEqual([r["status"] for r in runs], ["cancelled", "completed"])
            with self.assertRaises(ponte.IntegrationNotFoundError):
                p.sync_products("nenhuma")


class CaptureTest(unittest.TestCase):
    """Order capture from Python: a shopper's order, captured, confirmed and reported."""

    def test_capture_confirm_reject_and_report(self):
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as d, ponte.Sandbox() as store, ponte.Ponte(str(Path(d) / "ponte.db")) as p:
            config = store.integration_config("loja", locale="en")
            config["order_capture"] = {
                "enabled": True, "fetch_statuses": ["processing"], "return_status": "completed", "rejected_status": "failed",
                "default_payment_terms": "30 DIAS", "default_payment_method": "BOLETO",
            }
            p.integration_put(config)
            p.catalog_put_brands([{"id": "HERING", "name": "Hering", "show_in_electronic_order": True}])
            p.catalog_put_products([{"erp_id": "1", "name": "Camiseta", "brand_id": "HERING", "show_in_store": True,
                                     "sync_stock": True, "variants": [{"sku": "CAM", "price_cents": 4990, "stock": 5}]}])
            p.sync_products("loja")
            billing = {"first_name": "Ana", "last_name": "Souza", "address_1": "Rua B", "number": "5", "city": "Recife",
                       "state": "PE", "postcode": "50000-000", "cpf": "529.982.247-25", "email": "ana@example.com.br"}
            good = store.place_order({"status": "processing", "billing": billing, "line_items": [{"sku": "CAM", "quantity": 1}]})
            bad = store.place_order({"status": "processing", "billing": dict(billing, cpf="111.111.111-11"),
                                     "line_items": [{"sku": "CAM", "quantity": 1}]})

            # A caller that cancels before the first request: nothing read, nothing lost.
            cancelled = p.capture_orders("loja", time_limit_seconds=30, progress=lambda read, requests: False)
            self.assertTrue(cancelled["unfinished"].startswith("cancelled by the caller"))
            self.assertEqual(cancelled["pending"], [])
            report = p.capture_orders("loja")
            self.assertEqual([o["store_order_id"] for o in report["pending"]], [str(good["id"])])
            sales = report["pending"][0]["sales_order"]
            self.assertEqual((sales["payment_terms"], sales["payment_method"]), ("30 DIAS", "BOLETO"))
            self.assertEqual(report["pending_total"], 1)
            self.assertEqual(report["rejected"][0]["reasons"][0]["code"], "document_invalid")
            self.assertEqual(p.reservations("loja")[0]["quantity"], 1)
            # Nothing new: no order in the report, the one still waiting counted.
            again = p.capture_orders("loja")
            self.assertEqual((again["pending"], again["pending_total"]), ([], 1))
            self.assertEqual(p.orders_pending("loja"), {"orders": report["pending"], "next": None})

            self.assertEqual(p.order_confirm("loja", good["id"], "PV-42")["state"], "confirmed")
            with self.assertRaises(ponte.ConflictError):
                p.order_confirm("loja", good["id"], "PV-43")
            with self.assertRaises(ponte.NotFoundError):
                p.order_reject("loja", "999999", "x")
            p.capture_orders("loja")
            rows = p.report("loja", state="confirmed")
            self.assertEqual((rows[0]["erp_order_number"], rows[0]["writeback"]), ("PV-42", "done"))
            self.assertEqual(len(p.report("loja", text="111.111")), 0)
            self.assertEqual(len(p.report("loja", from_="2000-01-01")), 2)
            self.assertEqual(p.order_retry("loja", bad["id"])["state"], "rejected")

            # The customer is handed to the ERP, which registers them once.
            offers = p.customers_pending("loja")
            self.assertEqual([o["kind"] for o in offers], ["new"])
            self.assertEqual(offers[0]["customer"]["billing"]["city"], "Recife")
            self.assertEqual(p.customer_confirm("loja", offers[0]["customer_key"], "CLI-9")["erp_customer_id"], "CLI-9")
            with self.assertRaises(ponte.ConflictError):
                p.customer_confirm("loja", offers[0]["customer_key"], "CLI-10")
            self.assertEqual(p.customers_pending("loja"), [])

            # The ERP invoices and ships; a wrong access key is named and nothing is queued.
            fulfilment = {"invoice": {"key": "35261208530528000184550010000154301000771560", "number": "7",
                                      "series": "1", "issued_at": "2026-12-01T12:00:00Z"},
                          "tracking": {"code": "AA123456789BR", "carrier": "Correios"}}
            with self.assertRaises(ponte.InvalidDataError) as refused:
                p.order_fulfil("loja", good["id"], dict(fulfilment, invoice=dict(fulfilment["invoice"], key="1" * 44)))
            self.assertIn("fulfilment.invoice.key", str(refused.exception))
            self.assertEqual(p.order_fulfil("loja", good["id"], fulfilment)["status"], None)
            p.capture_orders("loja")
            stored = next(o for o in store.orders() if o["id"] == good["id"])
            meta = {m["key"]: m["value"] for m in stored["meta_data"]}
            self.assertEqual(meta["_correios_tracking_code"], "AA123456789BR")

            # The merchant cancels it in the store: the ERP is told once, until it acknowledges.
            store.update_order(good["id"], {"status": "cancelled"})
            p.capture_orders("loja")
            events = p.order_events("loja")
            self.assertEqual([(e["kind"], e["erp_order_number"]) for e in events], [("cancelled", "PV-42")])
            self.assertTrue(p.order_event_ack("loja", events[0]["event_id"])["acknowledged"])
            self.assertEqual(p.order_events("loja"), [])
            with self.assertRaises(ponte.NotFoundError):
                p.order_event_ack("loja", 424242)

            # On a timer: what is due runs, then nothing until its interval has passed.
            noon = 1796126400
            ran = p.run_due(now=noon)["ran"]
            self.assertEqual([(r["job"], r["outcome"]) for r in ran][0], ("capture", "succeeded"))
            self.assertEqual(p.run_due(now=noon + 1)["ran"], [])
            self.assertEqual({j["job"] for j in p.jobs(now=noon)}, {"capture", "stock", "full_sync"})
            self.assertEqual(p.health(now=noon)["verdict"], "ok")


class PendingPagesTest(unittest.TestCase):
    """The pending list read a page at a time, with orders confirmed between pages."""

    def test_pages_hand_each_order_once_and_bad_pages_are_named(self):
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as d, ponte.Sandbox() as store, ponte.Ponte(str(Path(d) / "ponte.db")) as p:
            config = store.integration_config("loja", locale="en")
            config["order_capture"] = {"enabled": True, "fetch_statuses": ["processing"], "require_document": False,
                                       "default_payment_terms": "A VISTA", "default_payment_method": "PIX"}
            p.integration_put(config)
            p.catalog_put_brands([{"id": "HERING", "name": "Hering", "show_in_electronic_order": True}])
            p.catalog_put_products([{"erp_id": "1", "name": "Camiseta", "brand_id": "HERING", "show_in_store": True,
                                     "sync_stock": True, "variants": [{"sku": "CAM", "price_cents": 4990, "stock": 50}]}])
            p.sync_products("loja")
            billing = {"first_name": "Ana", "address_1": "Rua B", "city": "Recife", "state": "PE", "postcode": "50000-000"}
            placed = [str(store.place_order({"status": "processing", "billing": billing,
                                             "line_items": [{"sku": "CAM", "quantity": 1}]})["id"]) for _ in range(7)]
            self.assertEqual(p.capture_orders("loja")["pending_total"], 7)
            # The list's order, read whole: the journal's, in which the store listed them.
            whole = p.orders_pending("loja")
            self.assertIsNone(whole["next"])
            ids = [o["store_order_id"] for o in whole["orders"]]
            self.assertEqual(sorted(ids), sorted(placed))

            first = p.orders_pending("loja", limit=3)
            self.assertEqual([o["store_order_id"] for o in first["orders"]], ids[:3])
            self.assertIsInstance(first["next"], str)
            # Confirmed between pages: the rest still comes, each once.
            p.order_confirm("loja", ids[3], "PV-4")
            p.order_confirm("loja", ids[0], "PV-1")
            rest = p.orders_pending("loja", after=first["next"], limit=3)
            self.assertEqual([o["store_order_id"] for o in rest["orders"]], ids[4:7])
            self.assertIsNone(rest["next"])

            seen = []
            for order in p.iter_orders_pending("loja", limit=2):
                seen.append(order["store_order_id"])
                p.order_confirm("loja", order["store_order_id"], "PV-" + order["store_order_id"])
            self.assertEqual(seen, [ids[n] for n in (1, 2, 4, 5, 6)])
            self.assertEqual(list(p.iter_orders_pending("loja")), [])

            for limit in (-1, 1001, 2**40):
                with self.assertRaises(ponte.InvalidArgumentError) as caught:
                    p.orders_pending("loja", limit=limit)
                self.assertEqual((caught.exception.code, caught.exception.name), (-107, "PONTE_E_INVALID_ARGUMENT"))
                self.assertTrue(caught.exception.message.startswith("argument `limit` "), caught.exception.message)
            with self.assertRaises(ponte.InvalidArgumentError) as caught:
                p.orders_pending("loja", after="page-2")
            self.assertTrue(caught.exception.message.startswith("argument `after` "), caught.exception.message)
            self.assertIsInstance(caught.exception, ponte.ArgumentError)
