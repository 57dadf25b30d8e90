// Ponte for C#: the C ABI of include/ponte.h through DllImport, a SafeHandle for the state file,
// UTF-8 both ways, and an exception per status group. Works on .NET Framework 4.x (Mono's mcs
// builds it) and on .NET 8; see the README's notes for each.
//
// Calls block while they talk to the store: call them from a worker thread (Task.Run), never
// from the UI thread. One Ponte object is one state file; do not share it between threads.
using System;
using System.Runtime.InteropServices;
using System.Text;

namespace PonteErp
{
    /// <summary>A call that did not return PONTE_OK: the status and Ponte's message.</summary>
    public class PonteException : Exception
    {
        public int Status { get; private set; }
        public string StatusName { get; private set; }

        public PonteException(int status, string statusName, string message) : base(message)
        {
            Status = status;
            StatusName = statusName;
        }

        /// <summary>The exception for a status: one class per group of codes.</summary>
        internal static PonteException For(int status, string name, string message)
        {
            if (status <= -100 && status > -200) return new PonteArgumentException(status, name, message);
            if (status <= -200 && status > -300) return new PonteConfigException(status, name, message);
            if (status <= -300 && status > -400) return new PonteRemoteException(status, name, message);
            if (status <= -400 && status > -500) return new PonteStorageException(status, name, message);
            return new PonteException(status, name, message);
        }
    }

    /// <summary>Bad input: JSON, data, a product or order not found, a conflict.</summary>
    public class PonteArgumentException : PonteException
    {
        public PonteArgumentException(int s, string n, string m) : base(s, n, m) { }
    }

    /// <summary>An integration's config or credentials.</summary>
    public class PonteConfigException : PonteException
    {
        public PonteConfigException(int s, string n, string m) : base(s, n, m) { }
    }

    /// <summary>The store: network, authentication, throttling, its answers.</summary>
    public class PonteRemoteException : PonteException
    {
        public PonteRemoteException(int s, string n, string m) : base(s, n, m) { }
    }

    /// <summary>The state file: busy, full, gone, corrupt.</summary>
    public class PonteStorageException : PonteException
    {
        public PonteStorageException(int s, string n, string m) : base(s, n, m) { }
    }

    internal static class Native
    {
        const string Lib = "ponte";

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_open(byte[] path, out PonteHandle handle);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void ponte_close(IntPtr handle);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_last_error_code();
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr ponte_last_error_message();
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr ponte_status_name(int status);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void ponte_string_free(IntPtr s);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_integration_put(PonteHandle h, byte[] config);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_integration_check(PonteHandle h, byte[] id, out IntPtr check);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_catalog_put_products(PonteHandle h, byte[] json, out IntPtr summary);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_catalog_put_brands(PonteHandle h, byte[] json, out IntPtr summary);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_catalog_put_categories(PonteHandle h, byte[] json, out IntPtr summary);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_catalog_put_stock(PonteHandle h, byte[] json, out IntPtr summary);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_catalog_get(PonteHandle h, byte[] key, out IntPtr product);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_sync_plan(PonteHandle h, byte[] integration, byte[] options, out IntPtr plan);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_sync_products(PonteHandle h, byte[] integration, byte[] options,
            IntPtr progress, IntPtr user, out IntPtr report);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_capture_orders(PonteHandle h, byte[] integration, out IntPtr report);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_orders_pending(PonteHandle h, byte[] integration, byte[] after, int limit, out IntPtr orders);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_order_confirm(PonteHandle h, byte[] integration, byte[] order, byte[] number, out IntPtr state);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_order_reject(PonteHandle h, byte[] integration, byte[] order, byte[] reason, out IntPtr state);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_report(PonteHandle h, byte[] integration, byte[] filter, out IntPtr report);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_customers_pending(PonteHandle h, byte[] integration, out IntPtr customers);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_order_events(PonteHandle h, byte[] integration, out IntPtr events);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_order_fulfil(PonteHandle h, byte[] integration, byte[] order, byte[] fulfilment, out IntPtr queued);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_webhook_ingest(PonteHandle h, byte[] integration, byte[] headers, byte[] body, out IntPtr receipt);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_run_due(PonteHandle h, long now, IntPtr progress, IntPtr user, out IntPtr report);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_health(PonteHandle h, long now, out IntPtr health);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_jobs(PonteHandle h, long now, out IntPtr jobs);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_integration_remove(PonteHandle h, byte[] id);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_catalog_retire_products(PonteHandle h, byte[] erpIds, out IntPtr summary);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_product_status(PonteHandle h, byte[] integration, byte[] key, out IntPtr status);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_sync_runs(PonteHandle h, byte[] integration, int limit, out IntPtr runs);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_capture_orders_with(PonteHandle h, byte[] integration, byte[] options,
            IntPtr progress, IntPtr user, out IntPtr report);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_order_retry(PonteHandle h, byte[] integration, byte[] order, out IntPtr state);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_reservations(PonteHandle h, byte[] integration, out IntPtr holds);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_customer_confirm(PonteHandle h, byte[] integration, byte[] key, byte[] erpId, out IntPtr state);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_order_event_ack(PonteHandle h, byte[] integration, long eventId, out IntPtr ev);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_sandbox_start(byte[] options, out IntPtr sandbox, out IntPtr info);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int ponte_sandbox_place_order(IntPtr sandbox, byte[] order, out IntPtr placed);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void ponte_sandbox_stop(IntPtr sandbox);

        /// <summary>A string as C reads it: UTF-8, NUL-terminated.</summary>
        internal static byte[] Utf8(string s)
        {
            if (s == null) return null;
            byte[] text = Encoding.UTF8.GetBytes(s);
            byte[] z = new byte[text.Length + 1];
            Buffer.BlockCopy(text, 0, z, 0, text.Length);
            return z;
        }

        /// <summary>A C string read as UTF-8 (Marshal.PtrToStringAnsi would use the code page).</summary>
        internal static string FromUtf8(IntPtr p)
        {
            if (p == IntPtr.Zero) return null;
            int length = 0;
            while (Marshal.ReadByte(p, length) != 0) length++;
            byte[] bytes = new byte[length];
            Marshal.Copy(p, bytes, 0, length);
            return Encoding.UTF8.GetString(bytes);
        }

        /// <summary>Throws for a status other than PONTE_OK, with this thread's last error.</summary>
        internal static void Check(int status)
        {
            if (status == 0) return;
            throw PonteException.For(status, FromUtf8(ponte_status_name(status)), FromUtf8(ponte_last_error_message()));
        }

        /// <summary>An owned output string: read, then given back to Ponte.</summary>
        internal static string Take(IntPtr p)
        {
            try { return FromUtf8(p); }
            finally { if (p != IntPtr.Zero) ponte_string_free(p); }
        }
    }

    /// <summary>The <c>ponte*</c> of an open state file, closed exactly once.</summary>
    public sealed class PonteHandle : SafeHandle
    {
        public PonteHandle() : base(IntPtr.Zero, true) { }
        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }
        protected override bool ReleaseHandle()
        {
            Native.ponte_close(handle);
            return true;
        }
    }

    /// <summary>One open state file. JSON goes in and comes out as strings.</summary>
    public sealed class Ponte : IDisposable
    {
        readonly PonteHandle h;

        public Ponte(string path)
        {
            Native.Check(Native.ponte_open(Native.Utf8(path), out h));
        }

        public void Dispose() { h.Dispose(); }

        public void IntegrationPut(string configJson) { Native.Check(Native.ponte_integration_put(h, Native.Utf8(configJson))); }

        public string IntegrationCheck(string id)
        { IntPtr o; Native.Check(Native.ponte_integration_check(h, Native.Utf8(id), out o)); return Native.Take(o); }

        public string CatalogPutProducts(string json)
        { IntPtr o; Native.Check(Native.ponte_catalog_put_products(h, Native.Utf8(json), out o)); return Native.Take(o); }

        public string CatalogPutBrands(string json)
        { IntPtr o; Native.Check(Native.ponte_catalog_put_brands(h, Native.Utf8(json), out o)); return Native.Take(o); }

        /// <summary>A tree by parent_id; a missing parent or a cycle throws PonteArgumentException (PONTE_E_INVALID_DATA).</summary>
        public string CatalogPutCategories(string json)
        { IntPtr o; Native.Check(Native.ponte_catalog_put_categories(h, Native.Utf8(json), out o)); return Native.Take(o); }

        public string CatalogPutStock(string json)
        { IntPtr o; Native.Check(Native.ponte_catalog_put_stock(h, Native.Utf8(json), out o)); return Native.Take(o); }

        public string CatalogGet(string keyJson)
        { IntPtr o; Native.Check(Native.ponte_catalog_get(h, Native.Utf8(keyJson), out o)); return Native.Take(o); }

        public string SyncPlan(string integration, string optionsJson = "{}")
        { IntPtr o; Native.Check(Native.ponte_sync_plan(h, Native.Utf8(integration), Native.Utf8(optionsJson), out o)); return Native.Take(o); }

        public string SyncProducts(string integration, string optionsJson = "{}")
        {
            IntPtr o;
            Native.Check(Native.ponte_sync_products(h, Native.Utf8(integration), Native.Utf8(optionsJson), IntPtr.Zero, IntPtr.Zero, out o));
            return Native.Take(o);
        }

        public string CaptureOrders(string integration)
        { IntPtr o; Native.Check(Native.ponte_capture_orders(h, Native.Utf8(integration), out o)); return Native.Take(o); }

        // One page of the pending list: {"orders": [...], "next": cursor or null}. after: the
        // previous page's "next", or null for the first page; limit: 1 to 1000, or 0 for 100.
        public string OrdersPending(string integration, string after = null, int limit = 0)
        {
            IntPtr o;
            Native.Check(Native.ponte_orders_pending(h, Native.Utf8(integration), Native.Utf8(after), limit, out o));
            return Native.Take(o);
        }

        public string OrderConfirm(string integration, string storeOrderId, string erpOrderNumber)
        {
            IntPtr o;
            Native.Check(Native.ponte_order_confirm(h, Native.Utf8(integration), Native.Utf8(storeOrderId), Native.Utf8(erpOrderNumber), out o));
            return Native.Take(o);
        }

        public string OrderReject(string integration, string storeOrderId, string reason)
        {
            IntPtr o;
            Native.Check(Native.ponte_order_reject(h, Native.Utf8(integration), Native.Utf8(storeOrderId), Native.Utf8(reason), out o));
            return Native.Take(o);
        }

        public string Report(string integration, string filterJson = "{}")
        { IntPtr o; Native.Check(Native.ponte_report(h, Native.Utf8(integration), Native.Utf8(filterJson), out o)); return Native.Take(o); }

        public string CustomersPending(string integration)
        { IntPtr o; Native.Check(Native.ponte_customers_pending(h, Native.Utf8(integration), out o)); return Native.Take(o); }

        public string OrderEvents(string integration)
        { IntPtr o; Native.Check(Native.ponte_order_events(h, Native.Utf8(integration), out o)); return Native.Take(o); }

        public string OrderFulfil(string integration, string storeOrderId, string fulfilmentJson)
        {
            IntPtr o;
            Native.Check(Native.ponte_order_fulfil(h, Native.Utf8(integration), Native.Utf8(storeOrderId), Native.Utf8(fulfilmentJson), out o));
            return Native.Take(o);
        }

        /// <summary>A webhook the store sent to the ERP's endpoint (Nuvemshop): the headers as a JSON
        /// object, the body as received. Verified with the app secret and only recorded.</summary>
        public string WebhookIngest(string integration, string headersJson, byte[] body)
        {
            IntPtr o;
            var terminated = new byte[body.Length + 1];
            Array.Copy(body, terminated, body.Length);
            Native.Check(Native.ponte_webhook_ingest(h, Native.Utf8(integration), Native.Utf8(headersJson), terminated, out o));
            return Native.Take(o);
        }

        /// <summary>Runs every job due at <paramref name="now"/> (Unix seconds; 0: the machine's clock).</summary>
        public string RunDue(long now = 0)
        { IntPtr o; Native.Check(Native.ponte_run_due(h, now, IntPtr.Zero, IntPtr.Zero, out o)); return Native.Take(o); }

        public string Health(long now = 0)
        { IntPtr o; Native.Check(Native.ponte_health(h, now, out o)); return Native.Take(o); }

        public string Jobs(long now = 0)
        { IntPtr o; Native.Check(Native.ponte_jobs(h, now, out o)); return Native.Take(o); }

        public void IntegrationRemove(string id) { Native.Check(Native.ponte_integration_remove(h, Native.Utf8(id))); }

        public string CatalogRetireProducts(string erpIdsJson)
        { IntPtr o; Native.Check(Native.ponte_catalog_retire_products(h, Native.Utf8(erpIdsJson), out o)); return Native.Take(o); }

        public string ProductStatus(string integration, string keyJson)
        { IntPtr o; Native.Check(Native.ponte_product_status(h, Native.Utf8(integration), Native.Utf8(keyJson), out o)); return Native.Take(o); }

        public string SyncRuns(string integration, int limit = 20)
        { IntPtr o; Native.Check(Native.ponte_sync_runs(h, Native.Utf8(integration), limit, out o)); return Native.Take(o); }

        /// <summary>A capture that stops, at a committed page, after <paramref name="timeLimitSeconds"/> (0: none).</summary>
        public string CaptureOrdersWithin(string integration, int timeLimitSeconds)
        {
            string options = timeLimitSeconds > 0 ? "{\"time_limit_seconds\": " + timeLimitSeconds + "}" : "{}";
            IntPtr o;
            Native.Check(Native.ponte_capture_orders_with(h, Native.Utf8(integration), Native.Utf8(options), IntPtr.Zero, IntPtr.Zero, out o));
            return Native.Take(o);
        }

        public string OrderRetry(string integration, string storeOrderId)
        { IntPtr o; Native.Check(Native.ponte_order_retry(h, Native.Utf8(integration), Native.Utf8(storeOrderId), out o)); return Native.Take(o); }

        public string Reservations(string integration)
        { IntPtr o; Native.Check(Native.ponte_reservations(h, Native.Utf8(integration), out o)); return Native.Take(o); }

        public string CustomerConfirm(string integration, string customerKey, string erpCustomerId)
        {
            IntPtr o;
            Native.Check(Native.ponte_customer_confirm(h, Native.Utf8(integration), Native.Utf8(customerKey), Native.Utf8(erpCustomerId), out o));
            return Native.Take(o);
        }

        public string OrderEventAck(string integration, long eventId)
        { IntPtr o; Native.Check(Native.ponte_order_event_ack(h, Native.Utf8(integration), eventId, out o)); return Native.Take(o); }
    }

    /// <summary>A sandbox WooCommerce store on 127.0.0.1, for rehearsal and tests.</summary>
    public sealed class PonteSandbox : IDisposable
    {
        IntPtr sandbox;
        public string Info { get; private set; }

        public PonteSandbox(string optionsJson = "{\"platform\": \"woocommerce\"}")
        {
            IntPtr info;
            Native.Check(Native.ponte_sandbox_start(Native.Utf8(optionsJson), out sandbox, out info));
            Info = Native.Take(info);
        }

        public string PlaceOrder(string orderJson)
        { IntPtr o; Native.Check(Native.ponte_sandbox_place_order(sandbox, Native.Utf8(orderJson), out o)); return Native.Take(o); }

        public void Dispose()
        {
            if (sandbox != IntPtr.Zero) { Native.ponte_sandbox_stop(sandbox); sandbox = IntPtr.Zero; }
        }
    }
}
