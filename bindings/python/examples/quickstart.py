"""The Python quick start: a sandbox store, an integration, a catalog, a sync, a shopper's order
captured and confirmed. Run: pip install ./bindings/python; python3 bindings/python/examples/quickstart.py"""
import sys

import ponte

path = sys.argv[1] if len(sys.argv) > 1 else "ponte-quickstart.db"
with ponte.Sandbox() as store, ponte.Ponte(path) as p:
    config = store.integration_config("loja-virtual")
    config["order_capture"] = {"enabled": True, "fetch_statuses": ["processing"], "require_document": False,
                               "default_payment_terms": "A VISTA", "default_payment_method": "PIX"}
    p.integration_put(config)
    p.catalog_put_categories([{"id": "CASA", "name": "Casa"}, {"id": "PANELAS", "name": "Panelas", "parent_id": "CASA"}])
    p.catalog_put_brands([{"id": "TRAMONTINA", "name": "Tramontina", "show_in_electronic_order": True}])
    products = [{"erp_id": "1001", "name": "Panela de Pressão 4,5 L", "brand_id": "TRAMONTINA",
                 "show_in_store": True, "sync_stock": True,
                 "variants": [{"sku": "TRA-PP-45", "ean": "7891000100103", "price_cents": 18990, "stock": 42}]}]
    p.catalog_put_products(products)
    run = p.sync_products("loja-virtual")
    print("sync:", run["status"], run["counts"])
    print(p.catalog_get(sku="TRA-PP-45")["name"])

    store.place_order({"status": "processing", "line_items": [{"sku": "TRA-PP-45", "quantity": 1}],
                       "billing": {"first_name": "Ana", "address_1": "Rua XV", "city": "Curitiba",
                                   "state": "PR", "postcode": "80020-310"}})
    report = p.capture_orders("loja-virtual")
    print("capture:", len(report["pending"]), "new,", report["pending_total"], "waiting for the ERP")
    # Every order waiting, a page at a time, until the ERP confirms or rejects it.
    for order in p.iter_orders_pending("loja-virtual"):
        p.order_confirm("loja-virtual", order["store_order_id"], "PV-0001")
        print("order", order["number"], "is sales order PV-0001")

    try:
        p.catalog_get(sku="NAO-EXISTE")
    except ponte.NotFoundError as error:
        print("expected error:", error.code, error.message)
