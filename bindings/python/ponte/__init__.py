"""Ponte for Python: the ERP integration core, called through its C ABI with ctypes.

Dicts and lists go in and come out; money is integer cents, times are UTC. Every failure raises a
``PonteError`` subclass with ``.code`` and ``.message``.
"""

import ctypes
import json
import threading
import urllib.request
from typing import Any, Callable, Dict, Iterator, List, Optional

from . import _native
from ._native import CREDENTIALS_CALLBACK, lib, take_string
from .errors import (
    ArgumentError,
    ConfigError,
    ConflictError,
    HandlePoisonedError,
    IntegrationNotFoundError,
    InternalError,
    InvalidConfigError,
    InvalidArgumentError,
    InvalidDataError,
    InvalidJsonError,
    NotFoundError,
    PanicError,
    PonteError,
    RemoteError,
    NetworkError,
    AuthError,
    ThrottledError,
    StateFileGoneError,
    StorageBusyError,
    StorageError,
    UnsupportedError,
)

__version__ = "0.1.0"

__all__ = [
    "Ponte",
    "Sandbox",
    "PonteError",
    "UnsupportedError",
    "ArgumentError",
    "InvalidJsonError",
    "InvalidDataError",
    "InvalidArgumentError",
    "NotFoundError",
    "ConflictError",
    "ConfigError",
    "InvalidConfigError",
    "IntegrationNotFoundError",
    "RemoteError",
    "NetworkError",
    "AuthError",
    "ThrottledError",
    "StorageError",
    "StorageBusyError",
    "StateFileGoneError",
    "InternalError",
    "PanicError",
    "HandlePoisonedError",
    "version",
    "version_number",
    "status_name",
    "library_path",
    "set_log_callback",
    "LOG_OFF",
    "LOG_ERROR",
    "LOG_WARN",
    "LOG_INFO",
    "LOG_DEBUG",
    "LOG_TRACE",
]

LOG_OFF, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE = range(6)


def version() -> str:
    """The library's version, such as ``"0.1.0"``."""
    return lib.ponte_version().decode()


def version_number() -> int:
    """The library's version as ``MAJOR * 1000000 + MINOR * 1000 + PATCH``."""
    return lib.ponte_version_number()


def status_name(code: int) -> str:
    """The name of a status code, such as ``"PONTE_E_NOT_FOUND"``."""
    return lib.ponte_status_name(code).decode()


def library_path() -> str:
    """The path of the library this binding loaded: ``PONTE_LIBRARY`` when set, else the one
    inside the installed package, else a checkout's ``target/``, else the system's."""
    return _native.library_path


# The ctypes callback must outlive every call that may log, so it is kept here.
_log_callback: Optional[Any] = None


def set_log_callback(callback: Optional[Callable[[int, str, str], None]], max_level: int = LOG_INFO) -> None:
    """Sends Ponte's log records to ``callback(level, target, message)``; None stops logging.

    The callback runs on the thread that made the Ponte call; exceptions it raises are dropped.
    """
    global _log_callback
    if callback is None:
        lib.ponte_log_set_callback(_native.LOG_CALLBACK(), None, LOG_OFF)
        _log_callback = None
        return

    def trampoline(_user_data: Optional[int], level: int, target: bytes, message: bytes) -> None:
        try:
            callback(level, target.decode("utf-8", "replace"), message.decode("utf-8", "replace"))
        except Exception:  # noqa: BLE001 - an exception must not unwind into C
            pass

    c_callback = _native.LOG_CALLBACK(trampoline)
    lib.ponte_log_set_callback(c_callback, None, max_level)
    _log_callback = c_callback


def _json_arg(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


class Ponte:
    """One open state file. Use it as a context manager, or call ``close()``; closing twice is fine.

    A handle may be shared by threads: Ponte serializes the calls on it.
    """

    def __init__(self, path: str) -> None:
        handle = ctypes.c_void_p()
        lib.ponte_open(str(path).encode("utf-8"), ctypes.byref(handle))
        self._handle: Optional[int] = handle.value
        self._lock = threading.Lock()
        self._credentials_callback: Any = None

    def __enter__(self) -> "Ponte":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        # The interpreter may be shutting down; never let a finalizer raise.
        try:
            self.close()
        except Exception:  # noqa: BLE001
            pass

    def close(self) -> None:
        """Closes the state file. Later calls raise ValueError; closing again does nothing."""
        # The lock waits for a call running on another thread: closing under it would free
        # the handle mid-call.
        with self._lock:
            handle, self._handle = self._handle, None
            if handle:
                lib.ponte_close(handle)

    @property
    def closed(self) -> bool:
        """True once ``close()`` ran."""
        return self._handle is None

    def set_credentials_callback(self, save: Optional[Callable[[str, Dict[str, Any]], None]]) -> None:
        """Sets where refreshed credentials (Mercado Livre's token pair, rotated at every refresh)
        go before Ponte uses them: ``save(integration, {"access_token", "refresh_token",
        "access_token_expires_at"})`` keeps them where the ERP keeps credentials; raising means
        they could not be saved, and Ponte does not use them. ``None`` removes it, and Ponte then
        refuses to refresh rather than lose a pair."""
        if save is None:
            callback = CREDENTIALS_CALLBACK()
        else:
            def callback_fn(_user_data: Any, integration: bytes, credentials: bytes) -> int:
                try:
                    save(integration.decode("utf-8"), json.loads(credentials.decode("utf-8")))
                    return 0
                except Exception:  # noqa: BLE001 - any failure means "not saved"
                    return 1
            callback = CREDENTIALS_CALLBACK(callback_fn)
        self._call(lib.ponte_set_credentials_callback, callback, None)
        # ctypes frees a callback nobody holds; the handle calls it until it is replaced.
        self._credentials_callback = callback

    def _call(self, func: Any, *args: Any) -> None:
        with self._lock:
            if self._handle is None:
                raise ValueError("operation on a closed Ponte handle")
            func(self._handle, *args)

    def _call_out(self, func: Any, *args: Any) -> Any:
        out = ctypes.c_void_p()
        self._call(func, *args, ctypes.byref(out))
        text = take_string(out)
        return None if text is None else json.loads(text)

    # Integrations

    def integration_put(self, config: Dict[str, Any]) -> None:
        """Adds or replaces an integration; credentials stay in this handle's memory only."""
        self._call(lib.ponte_integration_put, _json_arg(config))

    def integration_get(self, integration_id: str) -> Dict[str, Any]:
        """The integration's settings, with ``credentials_set`` naming (not showing) credentials."""
        return self._call_out(lib.ponte_integration_get, integration_id.encode("utf-8"))

    def integration_check(self, integration_id: str) -> Dict[str, Any]:
        """Checks the integration against its store, writing nothing: a checklist of items, each
        ``ok``, ``warning`` or ``problem`` with a message (and what to do) in pt-BR and English."""
        return self._call_out(lib.ponte_integration_check, integration_id.encode("utf-8"))

    def integration_list(self) -> List[Dict[str, Any]]:
        """Every integration ordered by id, as ``integration_get`` shows it (credentials named,
        never shown)."""
        return self._call_out(lib.ponte_integration_list)

    def integration_remove(self, integration_id: str) -> None:
        """Removes an integration and forgets its credentials."""
        self._call(lib.ponte_integration_remove, integration_id.encode("utf-8"))

    # Catalog

    def catalog_put_products(self, products: List[Dict[str, Any]]) -> Dict[str, int]:
        """Upserts products in one transaction; returns what changed.

        Keys: created, updated, unchanged, stock_changed, pictures_read (picture files read).
        """
        return self._call_out(lib.ponte_catalog_put_products, _json_arg(products))

    def catalog_put_brands(self, brands: List[Dict[str, Any]]) -> Dict[str, int]:
        """Upserts brands in one transaction; returns created/updated/unchanged."""
        return self._call_out(lib.ponte_catalog_put_brands, _json_arg(brands))

    def catalog_put_categories(self, categories: List[Dict[str, Any]]) -> Dict[str, int]:
        """Upserts categories (``{"id", "name", "parent_id"}``, a tree) in one transaction;
        returns created/updated/unchanged. A missing parent or a cycle raises ``InvalidDataError``
        naming the category and changes nothing."""
        return self._call_out(lib.ponte_catalog_put_categories, _json_arg(categories))

    def catalog_put_stock(self, levels: List[Dict[str, Any]]) -> Dict[str, int]:
        """Sets stock by SKU (and warehouse, ``"main"`` by default) in one transaction."""
        return self._call_out(lib.ponte_catalog_put_stock, _json_arg(levels))

    def catalog_retire_products(self, erp_ids: List[str]) -> Dict[str, int]:
        """Marks products retired by ERP id in one transaction; returns retired/already_retired.
        Putting a retired product again makes it live."""
        return self._call_out(lib.ponte_catalog_retire_products, _json_arg(erp_ids))

    def catalog_get(self, erp_id: Optional[str] = None, sku: Optional[str] = None) -> Dict[str, Any]:
        """One product with its stock, by ``erp_id`` or by ``sku`` (exactly one of them)."""
        if (erp_id is None) == (sku is None):
            raise TypeError("give exactly one of erp_id and sku")
        key = {"erp_id": erp_id} if erp_id is not None else {"sku": sku}
        return self._call_out(lib.ponte_catalog_get, _json_arg(key))

    # Product sync

    def sync_plan(self, integration: str, stock_only: bool = False, full_resync: bool = False) -> Dict[str, Any]:
        """What a sync would do with every product, and why; writes nothing anywhere."""
        options = {"stock_only": stock_only, "full_resync": full_resync}
        return self._call_out(lib.ponte_sync_plan, integration.encode("utf-8"), _json_arg(options))

    def sync_products(
        self,
        integration: str,
        dry_run: bool = False,
        stock_only: bool = False,
        full_resync: bool = False,
        progress: Optional[Callable[[int, int], Optional[bool]]] = None,
    ) -> Dict[str, Any]:
        """Syncs the catalog to the store and returns the run report.

        ``progress(done, total)`` is called after each batch is answered, with the products done
        of those the run reads; returning ``False`` stops sending (batches already sent are still
        recorded, and the run is recorded as cancelled). An exception in it also stops the run.
        """
        options = {"dry_run": dry_run, "stock_only": stock_only, "full_resync": full_resync}

        def trampoline(_user_data: Optional[int], done: int, total: int) -> int:
            try:
                return 1 if progress is not None and progress(done, total) is False else 0
            except Exception:  # noqa: BLE001 - an exception must not unwind into C
                return 1

        callback = _native.PROGRESS_CALLBACK(trampoline) if progress else _native.PROGRESS_CALLBACK()
        return self._call_out(lib.ponte_sync_products, integration.encode("utf-8"), _json_arg(options), callback, None)

    def product_status(self, integration: str, erp_id: Optional[str] = None, sku: Optional[str] = None) -> Dict[str, Any]:
        """Why a product is (not) in the store, and what the next sync would do."""
        if (erp_id is None) == (sku is None):
            raise TypeError("give exactly one of erp_id and sku")
        key = {"erp_id": erp_id} if erp_id is not None else {"sku": sku}
        return self._call_out(lib.ponte_product_status, integration.encode("utf-8"), _json_arg(key))

    def sync_runs(self, integration: str, limit: int = 20) -> List[Dict[str, Any]]:
        """The latest sync runs, newest first, with counts per outcome."""
        return self._call_out(lib.ponte_sync_runs, integration.encode("utf-8"), limit)

    # Order capture

    def capture_orders(
        self,
        integration: str,
        time_limit_seconds: Optional[int] = None,
        progress: Optional[Callable[[int, int], Optional[bool]]] = None,
    ) -> Dict[str, Any]:
        """Captures orders from the store. ``report["pending"]`` holds the orders that became
        pending in this capture, ``report["pending_total"]`` counts every order waiting for the
        ERP; read them all with ``iter_orders_pending``.

        With ``time_limit_seconds``, or a ``progress(orders_read, requests)`` that returns
        ``False``, the capture stops before its next request to the store, at a committed page;
        ``report["unfinished"]`` says why and the next capture goes on.
        """
        if time_limit_seconds is None and progress is None:
            return self._call_out(lib.ponte_capture_orders, integration.encode("utf-8"))
        options = {} if time_limit_seconds is None else {"time_limit_seconds": time_limit_seconds}

        def trampoline(_user_data: Optional[int], read: int, requests: int) -> int:
            try:
                return 1 if progress is not None and progress(read, requests) is False else 0
            except Exception:  # noqa: BLE001 - an exception must not unwind into C
                return 1

        callback = _native.PROGRESS_CALLBACK(trampoline)
        return self._call_out(
            lib.ponte_capture_orders_with, integration.encode("utf-8"), _json_arg(options), callback, None
        )

    def orders_pending(self, integration: str, after: Optional[str] = None, limit: int = 0) -> Dict[str, Any]:
        """One page of the orders waiting for the ERP to confirm or reject them, oldest first:
        ``{"orders": [...], "next": cursor or None}``. ``after`` is the previous page's ``next``
        (``None``: from the first); ``limit`` is 1 to 1000, or 0 for 100. A bad ``limit`` or
        ``after`` raises ``InvalidArgumentError`` naming it."""
        cursor = None if after is None else after.encode("utf-8")
        # ctypes would wrap a number beyond 32 bits silently; the library names one out of range.
        limit = max(min(int(limit), 2**31 - 1), -(2**31))
        return self._call_out(lib.ponte_orders_pending, integration.encode("utf-8"), cursor, limit)

    def iter_orders_pending(self, integration: str, limit: int = 0) -> Iterator[Dict[str, Any]]:
        """Every order waiting for the ERP, read a page of ``limit`` at a time (0: 100), so
        memory stays flat however long the backlog. Confirming or rejecting orders while
        iterating is fine: no other order is skipped or repeated."""
        after: Optional[str] = None
        while True:
            page = self.orders_pending(integration, after=after, limit=limit)
            yield from page["orders"]
            after = page["next"]
            if after is None:
                return

    def order_confirm(self, integration: str, store_order_id: str, erp_order_number: str) -> Dict[str, Any]:
        """The ERP has the order as its sales order ``erp_order_number``."""
        return self._call_out(
            lib.ponte_order_confirm, integration.encode("utf-8"), str(store_order_id).encode("utf-8"),
            erp_order_number.encode("utf-8"),
        )

    def order_reject(self, integration: str, store_order_id: str, reason: str) -> Dict[str, Any]:
        """The ERP refuses the order; the store gets the rejected status and a note with ``reason``."""
        return self._call_out(
            lib.ponte_order_reject, integration.encode("utf-8"), str(store_order_id).encode("utf-8"), reason.encode("utf-8")
        )

    def order_retry(self, integration: str, store_order_id: str) -> Dict[str, Any]:
        """Validates a rejected order again after the data was fixed."""
        return self._call_out(lib.ponte_order_retry, integration.encode("utf-8"), str(store_order_id).encode("utf-8"))

    def reservations(self, integration: str) -> List[Dict[str, Any]]:
        """Stock held by reservations and unconfirmed orders, by SKU."""
        return self._call_out(lib.ponte_reservations, integration.encode("utf-8"))

    # Running unattended

    def run_due(
        self, now: Optional[int] = None, progress: Optional[Callable[[int, int], Optional[bool]]] = None
    ) -> Dict[str, Any]:
        """Runs every job due at ``now`` (Unix seconds; the machine's clock when ``None``) across
        all integrations; ``progress(done, total)`` returning ``False`` stops the running job at
        its next safe boundary and skips the rest."""

        def trampoline(_user_data: Optional[int], done: int, total: int) -> int:
            try:
                return 1 if progress is not None and progress(done, total) is False else 0
            except Exception:  # noqa: BLE001 - an exception must not unwind into C
                return 1

        callback = _native.PROGRESS_CALLBACK(trampoline) if progress else _native.PROGRESS_CALLBACK()
        return self._call_out(lib.ponte_run_due, int(now or 0), callback, None)

    def jobs(self, now: Optional[int] = None) -> List[Dict[str, Any]]:
        """Every job with when it is next due and how it last ended; runs nothing."""
        return self._call_out(lib.ponte_jobs, int(now or 0))

    def health(self, now: Optional[int] = None) -> Dict[str, Any]:
        """Per integration: verdict (ok, warning, critical) with reasons, jobs and backlog."""
        return self._call_out(lib.ponte_health, int(now or 0))

    # The order's life after capture

    def customers_pending(self, integration: str) -> List[Dict[str, Any]]:
        """Customers of captured orders the ERP does not have yet, or not as they are now."""
        return self._call_out(lib.ponte_customers_pending, integration.encode("utf-8"))

    def customer_confirm(self, integration: str, customer_key: str, erp_customer_id: str) -> Dict[str, Any]:
        """The ERP registered the customer as ``erp_customer_id``."""
        return self._call_out(
            lib.ponte_customer_confirm, integration.encode("utf-8"), str(customer_key).encode("utf-8"),
            erp_customer_id.encode("utf-8"),
        )

    def order_events(self, integration: str) -> List[Dict[str, Any]]:
        """Cancellations, refunds, statuses the merchant set and changes, until acknowledged."""
        return self._call_out(lib.ponte_order_events, integration.encode("utf-8"))

    def order_event_ack(self, integration: str, event_id: int) -> Dict[str, Any]:
        """The ERP acted on the event."""
        return self._call_out(lib.ponte_order_event_ack, integration.encode("utf-8"), int(event_id))

    def order_fulfil(self, integration: str, store_order_id: str, fulfilment: Dict[str, Any]) -> Dict[str, Any]:
        """Queues the invoice, tracking code and shipped status of a confirmed order for the store."""
        return self._call_out(
            lib.ponte_order_fulfil, integration.encode("utf-8"), str(store_order_id).encode("utf-8"),
            _json_arg(fulfilment),
        )

    def webhook_ingest(self, integration: str, headers: Dict[str, str], body: bytes) -> Dict[str, Any]:
        """Takes in a webhook the store sent to the ERP's endpoint (``headers`` as received,
        ``body`` the raw bytes) and only records it: the signature is verified with the
        integration's ``app_secret``, and an order event has the next capture read that order
        first and makes the capture job due now. Returns ``{"event", "store_order_id",
        "capture_scheduled"}``; a bad signature raises ``AuthError``."""
        return self._call_out(
            lib.ponte_webhook_ingest, integration.encode("utf-8"), _json_arg(headers), bytes(body),
        )

    def report(self, integration: str, **filters: Any) -> List[Dict[str, Any]]:
        """The integration report; filters ``from_``, ``to``, ``state`` and ``text`` are optional."""
        if "from_" in filters:
            filters["from"] = filters.pop("from_")
        return self._call_out(lib.ponte_report, integration.encode("utf-8"), _json_arg(filters))


class Sandbox:
    """A sandbox store on 127.0.0.1 that speaks the platform's real API, for rehearsing an
    integration without a live store. Use it as a context manager, or call ``stop()``.

    ``platform`` is ``"woocommerce"``, ``"nuvemshop"`` or ``"mercadolivre"``. ``info`` holds
    ``base_url`` and ``control_url``, and the store's test credentials: ``wc_version``,
    ``consumer_key`` and ``consumer_secret`` for WooCommerce; ``store_id``, ``access_token`` and
    ``app_secret`` for Nuvemshop; ``seller_id``, ``client_id``, ``client_secret`` and the token
    pair for Mercado Livre. The control methods below use the store's HTTP control surface.

    ``wc_version`` picks the WooCommerce release the store answers as: ``"10.0.2"`` (the default),
    ``"9.5.2"`` (no brands route) or ``"8.9.3"`` (no brands, ``global_unique_id`` dropped and not a
    filter). ``brazilian_market=False`` plays a store without the Brazilian Market plugin.
    """

    def __init__(
        self,
        platform: str = "woocommerce",
        port: int = 0,
        latency: Optional[Dict[str, int]] = None,
        wc_version: Optional[str] = None,
        brazilian_market: Optional[bool] = None,
        rate_limit: Optional[bool] = None,
    ) -> None:
        options: Dict[str, Any] = {"platform": platform, "port": port}
        if rate_limit is not None:
            options["rate_limit"] = rate_limit
        if latency:
            options["latency"] = latency
        if wc_version is not None:
            options["wc_version"] = wc_version
        if brazilian_market is not None:
            options["brazilian_market"] = brazilian_market
        handle = ctypes.c_void_p()
        info = ctypes.c_void_p()
        lib.ponte_sandbox_start(_json_arg(options), ctypes.byref(handle), ctypes.byref(info))
        self._handle: Optional[int] = handle.value
        self.info: Dict[str, str] = json.loads(take_string(info) or "{}")

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def __del__(self) -> None:
        try:
            self.stop()
        except Exception:  # noqa: BLE001
            pass

    def stop(self) -> None:
        """Stops the store; stopping again does nothing."""
        handle, self._handle = self._handle, None
        if handle:
            lib.ponte_sandbox_stop(handle)

    @property
    def base_url(self) -> str:
        """The store's address, ``http://127.0.0.1:PORT``."""
        return self.info["base_url"]

    @property
    def wc_version(self) -> str:
        """The WooCommerce release the store answers as, such as ``"10.0.2"``."""
        return self.info["wc_version"]

    @property
    def consumer_key(self) -> str:
        """The REST API key the store accepts."""
        return self.info["consumer_key"]

    @property
    def consumer_secret(self) -> str:
        """The REST API secret the store accepts."""
        return self.info["consumer_secret"]

    def integration_config(self, integration_id: str, **settings: Any) -> Dict[str, Any]:
        """An integration config for this store, with its credentials and ``allow_http``."""
        config: Dict[str, Any] = {
            "id": integration_id,
            "platform": self.info["platform"],
            "base_url": self.base_url,
            "allow_http": True,
        }
        if self.info["platform"] == "mercadolivre":
            config["mercadolivre"] = {"seller_id": self.info["seller_id"]}
            config["credentials"] = {key: self.info[key] for key in (
                "client_id", "client_secret", "access_token", "refresh_token", "access_token_expires_at")}
        elif self.info["platform"] == "nuvemshop":
            config["nuvemshop"] = {"store_id": self.info["store_id"], "user_agent": "Ponte sandbox (ti@ponte.example)"}
            config["credentials"] = {"access_token": self.info["access_token"], "app_secret": self.info["app_secret"]}
        else:
            config["credentials"] = {"consumer_key": self.consumer_key, "consumer_secret": self.consumer_secret}
        config.update(settings)
        return config

    def _control(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            f"{self.info['control_url']}/{path}", data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read().decode("utf-8"))

    def place_order(self, order: Dict[str, Any]) -> Dict[str, Any]:
        """Places an order as a shopper would: line items by ``sku`` and ``quantity``."""
        if self._handle is None:
            raise ValueError("operation on a stopped sandbox")
        out = ctypes.c_void_p()
        lib.ponte_sandbox_place_order(self._handle, _json_arg(order), ctypes.byref(out))
        return json.loads(take_string(out) or "null")

    def update_order(self, order_id: int, changes: Dict[str, Any]) -> Dict[str, Any]:
        """Changes an order as the merchant or a payment gateway would (its ``status``, say; on
        Mercado Livre also ``tags_add``, such as ``["fraud_risk_detected"]``)."""
        method = "PATCH" if self.info["platform"] == "mercadolivre" else "PUT"
        return self._control(method, f"orders/{int(order_id)}", changes)

    def order_notes(self, order_id: int) -> List[str]:
        """A Mercado Livre order's notes, oldest first."""
        return self._control("GET", f"orders/{int(order_id)}/notes")

    def items(self) -> List[Dict[str, Any]]:
        """A Mercado Livre seller's listings as the marketplace shows them."""
        return self._control("GET", "items")

    def register_status(self, slug: str, label: Optional[str] = None) -> None:
        """Registers a custom order status (``"received"``, labelled ``"Recebido"``), as a status
        plugin does; the label is the status's ``name`` in ``reports/orders/totals``."""
        self._control("POST", "statuses", {"slug": slug, "label": label or slug})

    def set_tax_rate(self, tax_class: str, label: str, basis_points: int, shipping: bool = True) -> int:
        """Sets the one tax rate of ``tax_class`` (``"standard"``, ``"reduced-rate"``,
        ``"zero-rate"``) in basis points (1000 is 10%), for Brazil, and turns taxes on; returns the
        rate's id. Orders created afterwards carry their taxes as WooCommerce computes them."""
        answer = self._control(
            "POST", "taxes", {"class": tax_class, "label": label, "basis_points": basis_points, "shipping": shipping}
        )
        return int(answer["id"])

    def inject_fault(self, fault: Dict[str, Any], times: int = 1, method: Optional[str] = None, path_contains: Optional[str] = None) -> None:
        """Makes the next ``times`` matching requests fail, e.g. ``{"kind": "too_many_requests", "retry_after_seconds": 2}``."""
        self._control("POST", "faults", {"method": method, "path_contains": path_contains, "times": times, "fault": fault})

    def set_latency(self, per_request_ms: int = 0, per_item_written_ms: int = 0) -> None:
        """Delays each answer by ``per_request_ms`` plus ``per_item_written_ms`` for every item
        the request writes, to rehearse a slow store."""
        self._control("PUT", "latency", {"per_request_ms": per_request_ms, "per_item_written_ms": per_item_written_ms})

    def counters(self) -> Dict[str, int]:
        """Requests served, by ``METHOD /path`` with ids shown as ``{id}``."""
        return self._control("GET", "counters")

    def products(self) -> List[Dict[str, Any]]:
        """The products the store holds now, read through its control surface."""
        return self._control("GET", "products")

    def orders(self) -> List[Dict[str, Any]]:
        """The orders the store holds now, read through its control surface."""
        return self._control("GET", "orders")
