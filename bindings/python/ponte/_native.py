"""Loads libponte and declares every exported function in one table."""

import ctypes
import ctypes.util
import importlib.machinery
import os
import sys
from pathlib import Path
from typing import Any, Iterator, List, Optional, Set, Tuple

from .errors import error_class

# The library version this binding was written for; in 0.x the minor must match too.
BINDING_VERSION = (0, 1)

_c_int32 = ctypes.c_int32
_c_str = ctypes.c_char_p
_c_handle = ctypes.c_void_p
_c_out = ctypes.POINTER(ctypes.c_void_p)

LOG_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, _c_int32, _c_str, _c_str)
PROGRESS_CALLBACK = ctypes.CFUNCTYPE(_c_int32, ctypes.c_void_p, _c_int32, _c_int32)
CREDENTIALS_CALLBACK = ctypes.CFUNCTYPE(_c_int32, ctypes.c_void_p, _c_str, _c_str)


def _library_names() -> List[str]:
    if sys.platform == "win32":
        return ["ponte.dll"]
    if sys.platform == "darwin":
        return ["libponte.dylib"]
    return ["libponte.so"]


def _packaged() -> List[Path]:
    """The library `pip install` built into this package: ``_libponte`` with the interpreter's
    extension suffix (setuptools-rust names the cdylib like an extension module)."""
    here = Path(__file__).resolve().parent
    found = (here / f"_libponte{suffix}" for suffix in importlib.machinery.EXTENSION_SUFFIXES)
    return [path for path in found if path.exists()]


def _checkout() -> List[Path]:
    """The libraries cargo built in the checkout this package sits in, newest first."""
    # bindings/python/ponte/_native.py -> the repository root, then cargo's target directory.
    root = Path(__file__).resolve().parents[3]
    targets = [Path(os.environ["CARGO_TARGET_DIR"])] if "CARGO_TARGET_DIR" in os.environ else []
    if (root / "Cargo.toml").exists():
        targets.append(root / "target")
    found = [
        target / profile / name
        for target in targets
        for profile in ("release", "debug")
        for name in _library_names()
        if (target / profile / name).exists()
    ]
    # The most recently built one is the one the developer means.
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def _candidates() -> Iterator[Path]:
    # An explicit path wins over everything, and is the only one tried: a library built
    # elsewhere, or a test pinning the one it just built.
    explicit = os.environ.get("PONTE_LIBRARY")
    if explicit:
        yield Path(explicit)
        return
    yield from _packaged()
    yield from _checkout()
    system = ctypes.util.find_library("ponte")
    if system:
        yield Path(system)


def _load() -> Tuple[ctypes.CDLL, str]:
    tried = []
    for path in _candidates():
        tried.append(str(path))
        try:
            return ctypes.CDLL(str(path)), str(path)
        except OSError as err:
            tried[-1] += f" ({err})"
    raise ImportError(
        "cannot find the Ponte library; install the package with `pip install ./bindings/python` "
        "(it builds the library), or build it with `cargo build --release`, or set PONTE_LIBRARY "
        "to its full path. Tried: " + (", ".join(tried) or "nothing")
    )


lib, library_path = _load()


def _last_error(code: int) -> Exception:
    message = lib.ponte_last_error_message().decode("utf-8", "replace")
    name = lib.ponte_status_name(code).decode("ascii", "replace")
    return error_class(code)(code, message, name)


def _check_status(result: int, func: Any, args: Any) -> int:
    if result != 0:
        raise _last_error(result)
    return result


# name: (restype, argtypes, errcheck)
_SIGNATURES = {
    "ponte_open": (_c_int32, [_c_str, ctypes.POINTER(_c_handle)], _check_status),
    "ponte_close": (None, [_c_handle], None),
    "ponte_last_error_code": (_c_int32, [], None),
    "ponte_last_error_message": (_c_str, [], None),
    "ponte_status_name": (_c_str, [_c_int32], None),
    "ponte_string_free": (None, [ctypes.c_void_p], None),
    "ponte_version": (_c_str, [], None),
    "ponte_version_number": (_c_int32, [], None),
    "ponte_log_set_callback": (_c_int32, [LOG_CALLBACK, ctypes.c_void_p, _c_int32], _check_status),
    "ponte_integration_put": (_c_int32, [_c_handle, _c_str], _check_status),
    "ponte_integration_get": (_c_int32, [_c_handle, _c_str, _c_out], _check_status),
    "ponte_integration_check": (_c_int32, [_c_handle, _c_str, _c_out], _check_status),
    "ponte_integration_list": (_c_int32, [_c_handle, _c_out], _check_status),
    "ponte_integration_remove": (_c_int32, [_c_handle, _c_str], _check_status),
    "ponte_catalog_put_products": (_c_int32, [_c_handle, _c_str, _c_out], _check_status),
    "ponte_catalog_put_brands": (_c_int32, [_c_handle, _c_str, _c_out], _check_status),
    "ponte_catalog_put_categories": (_c_int32, [_c_handle, _c_str, _c_out], _check_status),
    "ponte_catalog_put_stock": (_c_int32, [_c_handle, _c_str, _c_out], _check_status),
    "ponte_catalog_retire_products": (_c_int32, [_c_handle, _c_str, _c_out], _check_status),
    "ponte_catalog_get": (_c_int32, [_c_handle, _c_str, _c_out], _check_status),
    "ponte_sync_plan": (_c_int32, [_c_handle, _c_str, _c_str, _c_out], _check_status),
    "ponte_sync_products": (_c_int32, [_c_handle, _c_str, _c_str, PROGRESS_CALLBACK, ctypes.c_void_p, _c_out], _check_status),
    "ponte_product_status": (_c_int32, [_c_handle, _c_str, _c_str, _c_out], _check_status),
    "ponte_sync_runs": (_c_int32, [_c_handle, _c_str, _c_int32, _c_out], _check_status),
    "ponte_capture_orders": (_c_int32, [_c_handle, _c_str, _c_out], _check_status),
    "ponte_capture_orders_with": (_c_int32, [_c_handle, _c_str, _c_str, PROGRESS_CALLBACK, ctypes.c_void_p, _c_out], _check_status),
    "ponte_orders_pending": (_c_int32, [_c_handle, _c_str, _c_str, _c_int32, _c_out], _check_status),
    "ponte_order_confirm": (_c_int32, [_c_handle, _c_str, _c_str, _c_str, _c_out], _check_status),
    "ponte_order_reject": (_c_int32, [_c_handle, _c_str, _c_str, _c_str, _c_out], _check_status),
    "ponte_order_retry": (_c_int32, [_c_handle, _c_str, _c_str, _c_out], _check_status),
    "ponte_reservations": (_c_int32, [_c_handle, _c_str, _c_out], _check_status),
    "ponte_report": (_c_int32, [_c_handle, _c_str, _c_str, _c_out], _check_status),
    "ponte_run_due": (_c_int32, [_c_handle, ctypes.c_int64, PROGRESS_CALLBACK, ctypes.c_void_p, _c_out], _check_status),
    "ponte_jobs": (_c_int32, [_c_handle, ctypes.c_int64, _c_out], _check_status),
    "ponte_health": (_c_int32, [_c_handle, ctypes.c_int64, _c_out], _check_status),
    "ponte_customers_pending": (_c_int32, [_c_handle, _c_str, _c_out], _check_status),
    "ponte_customer_confirm": (_c_int32, [_c_handle, _c_str, _c_str, _c_str, _c_out], _check_status),
    "ponte_order_events": (_c_int32, [_c_handle, _c_str, _c_out], _check_status),
    "ponte_order_event_ack": (_c_int32, [_c_handle, _c_str, ctypes.c_int64, _c_out], _check_status),
    "ponte_order_fulfil": (_c_int32, [_c_handle, _c_str, _c_str, _c_str, _c_out], _check_status),
    "ponte_set_credentials_callback": (_c_int32, [_c_handle, CREDENTIALS_CALLBACK, ctypes.c_void_p], _check_status),
    "ponte_webhook_ingest": (_c_int32, [_c_handle, _c_str, _c_str, _c_str, _c_out], _check_status),
    "ponte_sandbox_start": (_c_int32, [_c_str, ctypes.POINTER(_c_handle), _c_out], _check_status),
    "ponte_sandbox_stop": (None, [_c_handle], None),
    "ponte_sandbox_place_order": (_c_int32, [_c_handle, _c_str, _c_out], _check_status),
}

for _name, (_restype, _argtypes, _errcheck) in _SIGNATURES.items():
    _func = getattr(lib, _name)
    _func.restype = _restype
    _func.argtypes = _argtypes
    if _errcheck is not None:
        _func.errcheck = _errcheck


def declared_functions() -> Set[str]:
    """The names this binding declares, for the test that compares them with the header."""
    return set(_SIGNATURES)


def take_string(pointer: ctypes.c_void_p) -> Optional[str]:
    """Copies a string Ponte returned and frees it, whatever happens while copying."""
    if not pointer.value:
        return None
    try:
        return ctypes.string_at(pointer.value).decode("utf-8")
    finally:
        lib.ponte_string_free(pointer.value)


def _check_version() -> None:
    number = lib.ponte_version_number()
    major, minor = number // 1_000_000, number // 1_000 % 1_000
    expected_major, expected_minor = BINDING_VERSION
    if major != expected_major or (major == 0 and minor != expected_minor):
        raise ImportError(
            f"the Ponte library is version {lib.ponte_version().decode()}, but this binding needs "
            f"{expected_major}.{expected_minor}.x; install matching versions"
        )


_check_version()
