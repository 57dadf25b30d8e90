#!/usr/bin/env python3
"""Builds the seed corpora of the fuzz targets in fuzz/corpus/<target>/, at run time, from the
official payloads in ../shared/fixtures and the project's samples/. Nothing it writes is
committed (fuzz/corpus/ is ignored): the fixtures stay in shared/.

Each seed is named by the SHA-1 of its bytes, as libFuzzer names what it adds, so running this
again adds nothing twice and keeps what the fuzzer found before.
"""

import argparse
import hashlib
import json
import re
from pathlib import Path


def compact(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def walk(value):
    """Every (key, scalar) pair of a JSON tree, the key being None inside arrays."""
    stack = [(None, value)]
    while stack:
        key, item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.items())
        elif isinstance(item, list):
            stack.extend((None, v) for v in item)
        else:
            yield key, item


class Corpora:
    def __init__(self, out):
        self.out = out
        self.counts = {}

    def add(self, target, seed):
        data = seed if isinstance(seed, bytes) else seed.encode("utf-8")
        folder = self.out / target
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / hashlib.sha1(data).hexdigest()
        if not path.exists():
            path.write_bytes(data)
            self.counts[target] = self.counts.get(target, 0) + 1

    def add_json(self, target, value):
        self.add(target, compact(value))


def load(path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fixtures", type=Path, required=True)
    parser.add_argument("--samples", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    corpora = Corpora(args.out)

    fixtures = sorted(args.fixtures.glob("*.json")) + sorted(args.fixtures.glob("derived/*.json"))
    if not fixtures:
        print(f"seed_corpora: no fixtures under {args.fixtures}; seeding from samples only")
    trees = {path.name: load(path) for path in fixtures}
    samples = {name: load(args.samples / f"{name}.json")
               for name in ("products", "brands", "categories", "stock", "integration")}

    # Catalog: the samples whole, item by item, and the ids and keys they hold.
    products = samples["products"] or []
    corpora.add("catalog_products", (args.samples / "products.json").read_bytes())
    corpora.add_json("catalog_products", [])
    for product in products:
        corpora.add_json("catalog_products", [product])
    for name in ("brands", "categories", "stock"):
        corpora.add("catalog_lists", (args.samples / f"{name}.json").read_bytes())
        for item in samples[name] or []:
            corpora.add_json("catalog_lists", [item])
    corpora.add_json("catalog_lists", [p["erp_id"] for p in products])
    for product in products:
        corpora.add_json("catalog_lists", {"erp_id": product["erp_id"]})
        for variant in product.get("variants", []):
            corpora.add_json("catalog_lists", {"sku": variant["sku"]})

    # Config: the sample, a minimal one, and each of its sections alone.
    config = samples["integration"] or {}
    corpora.add("config", (args.samples / "integration.json").read_bytes())
    minimal = {k: config[k] for k in ("id", "platform", "base_url") if k in config}
    corpora.add_json("config", minimal)
    for key, section in config.items():
        if key not in minimal:
            corpora.add_json("config", {**minimal, key: section})
    corpora.add_json("config", {**minimal, "platform": "nuvemshop",
                                "credentials": {"access_token": "tok_0123456789"}})
    corpora.add_json("config", {**minimal, "base_url": "http://127.0.0.1:8080/loja",
                                "allow_http": True,
                                "http": {"connect_timeout_ms": 1000, "max_retries": 0}})

    # Options and filters, with the times the fixtures carry.
    for seed in ({}, {"dry_run": True}, {"stock_only": True, "full_resync": False},
                 {"from": "2026-11-01", "to": "2026-11-28T10:00:00-03:00",
                  "state": "pending", "text": "Silva"}, {"state": "confirmed"}):
        corpora.add_json("ffi_options_filter", seed)

    # Store payloads: every WooCommerce payload, whole and split into its items, and pages.
    orders, products_seen = [], []
    for name, tree in trees.items():
        if tree is None or not name.startswith("woocommerce-"):
            continue
        items = []
        if isinstance(tree, list):
            items = tree
        elif isinstance(tree, dict) and {"create", "update"} & tree.keys():
            items = [i for part in ("create", "update", "delete")
                     for i in tree.get(part, []) if isinstance(i, dict)]
        is_order = "order" in name and "note" not in name
        target = "woo_order" if is_order else "woo_product"
        corpora.add_json(target, tree)
        for item in items:
            corpora.add_json(target, item)
        singles = items or ([tree] if isinstance(tree, dict) else [])
        (orders if is_order else products_seen).extend(i for i in singles if "id" in i)
    if orders:
        corpora.add_json("woo_order", orders)
    if products_seen:
        corpora.add_json("woo_product", products_seen)

    # Money and time: the amounts and dates of every fixture and sample.
    decimal = re.compile(r"^-?\d*\.?\d+$")
    date = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
    for tree in list(trees.values()) + list(samples.values()):
        for key, value in walk(tree):
            if isinstance(value, str) and decimal.match(value):
                corpora.add("money", value)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                if key and any(k in key for k in ("price", "total", "tax", "cents")):
                    corpora.add("money", json.dumps(value))
            if isinstance(value, str) and date.match(value):
                corpora.add("time", value)
                corpora.add("ffi_options_filter", compact({"from": value}))
    for seed in ("19.90", "-0.05", "1.100", " 3.00 ", "0", "9.995", "12.345"):
        corpora.add("money", seed)
    for seed in ("2017-03-22T13:28:02-03:00", "2017-03-22T16:28:02.123Z",
                 "2017-03-22 16:28:02", "2016-12-31T23:59:60Z", "2026-11-28",
                 "Wed, 21 Oct 2015 07:28:00 GMT", "120"):
        corpora.add("time", seed)

    for target in sorted(corpora.counts):
        print(f"seed_corpora: {target}: {corpora.counts[target]} new seeds")


if __name__ == "__main__":
    main()
