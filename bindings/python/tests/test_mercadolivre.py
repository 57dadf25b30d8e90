"""Mercado Livre from Python, end to end against the sandbox seller: the catalog listed in the
marketplace's categories, a buyer's cart of two listings captured as one ERP order with the
buyer's CNPJ, and a rejected order's reason written back as a note on it."""

import os
import tempfile
import unittest

import ponte

BRANDS = [{"id": "TRAMONTINA", "name": "Tramontina", "show_in_electronic_order": True}]
PRODUCTS = [
    {"erp_id": "1001", "name": "Panela de Pressão 4,5 L", "brand_id": "TRAMONTINA", "show_in_store": True,
     "sync_stock": True, "variants": [{"sku": "TRA-PP-45", "price_cents": 18990, "stock": 10}]},
    {"erp_id": "5001", "name": "Jogo de Copos 6 Peças", "brand_id": "TRAMONTINA", "show_in_store": True,
     "sync_stock": True, "variants": [{"sku": "TRA-JC-6", "price_cents": 5990, "stock": 4}]},
]


def seller_sku(item):
    return next((a["value_name"] for a in item["attributes"] if a["id"] == "SELLER_SKU"), None)


class MercadoLivreTest(unittest.TestCase):
    def test_a_cart_is_one_erp_order_and_a_rejection_is_a_note(self):
        with ponte.Sandbox(platform="mercadolivre") as market, tempfile.TemporaryDirectory() as tmp, \
                ponte.Ponte(os.path.join(tmp, "ponte.db")) as handle:
            config = market.integration_config(
                "ml", locale="en",
                product_sync={"categories": {"default": "MLB1574"}},
                order_capture={"enabled": True, "fetch_statuses": ["paid"],
                               "default_payment_terms": "A VISTA", "default_payment_method": "MERCADO PAGO"})
            handle.integration_put(config)
            handle.catalog_put_brands(BRANDS)
            handle.catalog_put_products(PRODUCTS)
            handle.sync_products("ml")
            listed = {seller_sku(item): item for item in market.items()}
            self.assertEqual(set(listed), {"TRA-PP-45", "TRA-JC-6"})
            self.assertEqual(listed["TRA-PP-45"]["category_id"], "MLB1574")
            self.assertEqual(listed["TRA-JC-6"]["available_quantity"], 4)

            cart = market.place_order({"lines": [{"sku": "TRA-PP-45", "quantity": 1},
                                                 {"sku": "TRA-JC-6", "quantity": 2}],
                                       "paid": True, "buyer": "company"})
            report = handle.capture_orders("ml")
            pending = report["pending"]
            self.assertEqual([o["store_order_id"] for o in pending], [f"pack:{cart['pack_id']}"])
            sales = pending[0]["sales_order"]
            self.assertEqual(sorted(i["sku"] for i in sales["items"]), ["TRA-JC-6", "TRA-PP-45"])
            self.assertTrue(sales["customer"]["cnpj"])

            rejected = handle.order_reject("ml", pending[0]["store_order_id"], "Sem estoque no depósito")
            self.assertEqual(rejected["state"], "rejected")
            handle.capture_orders("ml")
            first_order = cart["orders"][0]
            self.assertTrue(any("Sem estoque no depósito" in note for note in market.order_notes(first_order)),
                            market.order_notes(first_order))


if __name__ == "__main__":
    unittest.main()
