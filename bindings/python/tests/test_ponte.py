"""Tests of the Python binding against the real library. Run by `cargo test` (tests/python.rs),
or by hand: PONTE_LIBRARY=target/debug/libponte.so python3 -m unittest discover -s bindings/python/tests
"""

import json
import re
import tempfile
import threading
import unittest
from pathlib import Path

import ponte
from ponte import _native

ROOT = Path(__file__).resolve().parents[3]
CANARY = "CANARY-7f3a9c"
CONFIG = {
    "id": "loja",
    "platform": "woocommerce",
    "base_url": "https://loja.example.com.br",
    "credentials": {"consumer_key": "ck_" + CANARY, "consumer_secret": "cs_" + CANARY},
    "order_capture": {
        "enabled": True,
        "fetch_statuses": ["processing"],
        "received_status": "on-hold",
        "default_payment_terms": "A VISTA",
        "default_payment_method": "PIX",
    },
}
BRANDS = [{"id": "HERING", "name": "Hering", "show_in_electronic_order": True}]
PRODUCTS = [
    {
        "erp_id": "2001",
        "name": "Camiseta Hering Básica",
        "brand_id": "HERING",
        "show_in_store": True,
        "sync_stock": True,
        "currency": "BRL",
        "variants": [
            {"sku": "HER-M", "ean": "7891000100110", "price_cents": 5990, "stock": 10, "attributes": {"tamanho": "M"}},
            {"sku": "HER-G", "price_cents": 5990, "stock_by_warehouse": {"CD-SP": 3, "LOJA-01": 1}},
        ],
    }
]


class Base(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = str(Path(self.dir.name) / "ponte.db")
        self.p = ponte.Ponte(self.path)

    def tearDown(self):
        self.p.close()
        self.dir.cleanup()


class CatalogTest(Base):
    def test_a_catalog_round_trip_gives_back_what_was_put(self):
        self.assertEqual(self.p.catalog_put_brands(BRANDS), {"created": 1, "updated": 0, "unchanged": 0})
        summary = self.p.catalog_put_products(PRODUCTS)
        self.assertEqual(summary, {"created": 1, "updated": 0, "unchanged": 0, "stock_changed": 3, "pictures_read": 0})
        product = self.p.catalog_get(sku="HER-G")
        self.assertEqual(product.pop("updated_at")[-1], "Z")
        self.assertEqual(product, PRODUCTS[0])

    def test_categories_make_a_tree_and_a_cycle_or_a_missing_parent_changes_nothing(self):
        tree = [{"id": "ROUPAS", "name": "Roupas"}, {"id": "CAMISETAS", "name": "Camisetas", "parent_id": "ROUPAS"}]
        self.assertEqual(self.p.catalog_put_categories(tree), {"created": 2, "updated": 0, "unchanged": 0})
        self.assertEqual(self.p.catalog_put_categories(tree), {"created": 0, "updated": 0, "unchanged": 2})
        cycle = [{"id": "BLUSAS", "name": "Blusas", "parent_id": "MODA"}, {"id": "MODA", "name": "Moda", "parent_id": "BLUSAS"}]
        with self.assertRaises(ponte.InvalidDataError) as caught:
            self.p.catalog_put_categories(cycle)
        self.assertEqual(caught.exception.code, -104)
        self.assertTrue(caught.exception.message.startswith('categories[0] (id "BLUSAS").parent_id: '),
                        caught.exception.message)
        self.assertIn("inside itself", caught.exception.message)
        with self.assertRaises(ponte.InvalidDataError) as caught:
            self.p.catalog_put_categories([{"id": "MEIAS", "name": "Meias", "parent_id": "VESTUARIO"}])
        self.assertIn('categories[0] (id "MEIAS").parent_id: category "VESTUARIO" does not exist',
                      caught.exception.message)
        with self.assertRaises(ponte.InvalidJsonError):
            self.p.catalog_put_categories([{"id": "MEIAS", "name": "Meias", "parent": "ROUPAS"}])
        # Nothing of the refused batches was kept.
        self.assertEqual(self.p.catalog_put_categories(tree), {"created": 0, "updated": 0, "unchanged": 2})

    def test_the_stock_fast_path_and_its_errors(self):
        self.p.catalog_put_products(PRODUCTS)
        self.assertEqual(self.p.catalog_put_stock([{"sku": "HER-M", "quantity": 7}]), {"changed": 1, "unchanged": 0})
        self.assertEqual(self.p.catalog_get(erp_id="2001")["variants"][0]["stock"], 7)
        with self.assertRaises(ponte.NotFoundError) as caught:
            self.p.catalog_put_stock([{"sku": "HER-M", "quantity": 1}, {"sku": "NOPE", "quantity": 1}])
        self.assertEqual(caught.exception.code, -105)
        self.assertIn('stock[1] (sku "NOPE")', caught.exception.message)
        self.assertEqual(self.p.catalog_get(erp_id="2001")["variants"][0]["stock"], 7)

    def test_errors_carry_code_message_and_group(self):
        bad = [dict(PRODUCTS[0], variants=[{"sku": "X", "price_cents": "59.90"}])]
        with self.assertRaises(ponte.ArgumentError) as caught:
            self.p.catalog_put_products(bad)
        err = caught.exception
        self.assertIsInstance(err, ponte.InvalidJsonError)
        self.assertEqual((err.code, err.name), (-102, "PONTE_E_INVALID_JSON"))
        self.assertTrue(err.message.startswith('products[0] (erp_id "2001").variants[0].price_cents: invalid type'))
        with self.assertRaises(ponte.InvalidDataError):
            self.p.catalog_put_products([dict(PRODUCTS[0], variants=[])])
        with self.assertRaises(ponte.NotFoundError):
            self.p.catalog_get(erp_id="missing")

    def test_retire_and_lookup_arguments(self):
        self.p.catalog_put_products(PRODUCTS)
        self.assertEqual(self.p.catalog_retire_products(["2001"]), {"retired": 1, "already_retired": 0})
        self.assertIn("retired_at", self.p.catalog_get(erp_id="2001"))
        with self.assertRaises(TypeError):
            self.p.catalog_get()
        with self.assertRaises(TypeError):
            self.p.catalog_get(erp_id="2001", sku="HER-M")


class IntegrationTest(Base):
    def test_config_round_trip_never_returns_credentials(self):
        self.p.integration_put(CONFIG)
        got = self.p.integration_get("loja")
        self.assertEqual(got["credentials_set"], ["consumer_key", "consumer_secret"])
        self.assertEqual(got["order_capture"]["received_status"], "on-hold")
        self.assertEqual(got["locale"], "pt-BR")
        self.assertNotIn(CANARY, json.dumps(got))
        self.assertNotIn(CANARY, json.dumps(self.p.integration_list()))
        self.p.integration_remove("loja")
        with self.assertRaises(ponte.IntegrationNotFoundError) as caught:
            self.p.integration_get("loja")
        self.assertIsInstance(caught.exception, ponte.ConfigError)

    def test_every_config_problem_is_reported_at_once(self):
        broken = dict(CONFIG, base_url="http://loja.example.com.br")
        broken["order_capture"] = dict(CONFIG["order_capture"], received_status="processing")
        with self.assertRaises(ponte.InvalidConfigError) as caught:
            self.p.integration_put(broken)
        message = caught.exception.message
        self.assertIn("base_url: plain http:// is refused", message)
        self.assertIn("order_capture.received_status: must differ from every fetch status", message)
        self.assertNotIn(CANARY, message)


class HandleTest(unittest.TestCase):
    def test_context_manager_closes_and_close_is_idempotent(self):
        with tempfile.TemporaryDirectory() as d:
            with ponte.Ponte(str(Path(d) / "ponte.db")) as p:
                p.catalog_put_brands(BRANDS)
            self.assertTrue(p.closed)
            p.close()
            with self.assertRaises(ValueError):
                p.catalog_put_brands(BRANDS)

    def test_opening_in_a_missing_directory_raises_a_storage_error(self):
        with self.assertRaises(ponte.StorageError) as caught:
            ponte.Ponte("/no/such/dir/ponte.db")
        self.assertEqual(caught.exception.name, "PONTE_E_STORAGE_UNAVAILABLE")
        self.assertIn("/no/such/dir", caught.exception.message)

    def test_eight_threads_share_one_handle(self):
        with tempfile.TemporaryDirectory() as d, ponte.Ponte(str(Path(d) / "ponte.db")) as p:
            p.catalog_put_products(PRODUCTS)
            errors = []

            def worker(n):
                try:
                    for i in range(50):
                        p.catalog_put_stock([{"sku": "HER-M", "warehouse": f"W{n}", "quantity": i}])
                except Exception as err:  # noqa: BLE001
                    errors.append(err)

            threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(errors, [])
            levels = p.catalog_get(sku="HER-M")["variants"][0]["stock_by_warehouse"]
            self.assertEqual({f"W{n}": 49 for n in range(8)}, {k: v for k, v in levels.items() if k.startswith("W")})


class LibraryTest(unittest.TestCase):
    def test_every_header_function_is_declared(self):
        header = (ROOT / "include" / "ponte.h").read_text()
        in_header = set(re.findall(r"^PONTE_API [^(]*?\b(ponte_\w+)\(", header, re.M))
        self.assertTrue(in_header)
        self.assertEqual(in_header, _native.declared_functions())

    def test_versions_agree(self):
        self.assertEqual(ponte.version(), ponte.__version__)
        major, minor, patch = (int(x) for x in ponte.__version__.split("."))
        self.assertEqual(ponte.version_number(), major * 1_000_000 + minor * 1_000 + patch)

    def test_status_names(self):
        self.assertEqual(ponte.status_name(-105), "PONTE_E_NOT_FOUND")
        self.assertEqual(ponte.status_name(12345), "PONTE_E_UNKNOWN")

    def test_log_records_reach_python(self):
        records = []
        ponte.set_log_callback(lambda level, target, message: records.append((level, target, message)), ponte.LOG_INFO)
        try:
            with tempfile.TemporaryDirectory() as d, ponte.Ponte(str(Path(d) / "ponte.db")) as p:
                p.integration_put(CONFIG)
        finally:
            ponte.set_log_callback(None)
        self.assertIn((ponte.LOG_INFO, "ponte::config", "integration loja put (woocommerce)"), records)
        self.assertFalse(any(CANARY in message for _, _, message in records))


if __name__ == "__main__":
    unittest.main()
