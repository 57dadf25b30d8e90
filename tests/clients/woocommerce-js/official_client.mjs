// The official WooCommerce REST API client for JavaScript against Ponte's sandbox store:
// list, create and update products and orders as a developer would. Exits non-zero on the first
// answer that differs from what WooCommerce gives. Run by tests/official_clients.rs.
import assert from "node:assert/strict";
import WooCommerceRestApiModule from "@woocommerce/woocommerce-rest-api";

const WooCommerceRestApi = WooCommerceRestApiModule.default ?? WooCommerceRestApiModule;
const api = new WooCommerceRestApi({
  url: process.env.SANDBOX_URL,
  consumerKey: process.env.SANDBOX_CONSUMER_KEY,
  consumerSecret: process.env.SANDBOX_CONSUMER_SECRET,
  version: "wc/v3",
  timeout: 10000,
});

const created = await api.post("products", { name: "Garrafa Térmica", type: "simple", regular_price: "89.90", sku: "GAR-1" });
assert.equal(created.status, 201);
assert.equal(created.data.price, "89.90");

const updated = await api.put(`products/${created.data.id}`, { sale_price: "79.90", manage_stock: true, stock_quantity: 4 });
assert.equal(updated.data.price, "79.90");
assert.equal(updated.data.on_sale, true);
assert.equal(updated.data.stock_quantity, 4);

const duplicate = await api.post("products", { name: "Outra", sku: "GAR-1" }).catch((error) => error.response);
assert.equal(duplicate.status, 400);
assert.equal(duplicate.data.code, "product_invalid_sku");

const listed = await api.get("products", { sku: "GAR-1" });
assert.equal(listed.headers["x-wp-total"], "1");
assert.equal(listed.data[0].id, created.data.id);

const order = await api.post("orders", { set_paid: true, line_items: [{ sku: "GAR-1", quantity: 2 }] });
assert.equal(order.status, 201);
assert.equal(order.data.total, "159.80");
assert.equal(typeof order.data.line_items[0].price, "number");

const orders = await api.get("orders", { status: "processing", per_page: 100 });
assert.equal(orders.data.length, 1);
const completed = await api.put(`orders/${order.data.id}`, { status: "completed" });
assert.equal(completed.data.status, "completed");
const batch = await api.post("orders/batch", { update: [{ id: order.data.id, status: "on-hold" }] });
assert.equal(batch.data.update[0].status, "on-hold");

console.log("official JavaScript client: products and orders listed, created and updated");
