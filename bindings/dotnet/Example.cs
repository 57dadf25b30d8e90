// What an ERP in C# does with Ponte: an integration with a sandbox store, the catalog, a sync, a
// shopper's order captured and confirmed, and an error caught with its status.
//
// Build: mcs -out:example.exe bindings/dotnet/Ponte.cs bindings/dotnet/Example.cs
// Run:   LD_LIBRARY_PATH=target/release mono example.exe /tmp/ponte-csharp.db
using System;
using System.Text.RegularExpressions;
using PonteErp;

static class Example
{
    // The string value of "key" in a flat JSON object: enough for the sandbox's info.
    static string JsonString(string json, string key)
    {
        return Regex.Match(json, "\"" + key + "\":\"([^\"]*)\"").Groups[1].Value;
    }

    static int Main(string[] args)
    {
        string path = args.Length > 0 ? args[0] : "ponte-csharp.db";
        using (var store = new PonteSandbox())
        using (var erp = new Ponte(path))
        {
            erp.IntegrationPut("{\"id\": \"loja\", \"platform\": \"woocommerce\", \"allow_http\": true, " +
                "\"base_url\": \"" + JsonString(store.Info, "base_url") + "\", \"credentials\": {" +
                "\"consumer_key\": \"" + JsonString(store.Info, "consumer_key") + "\", " +
                "\"consumer_secret\": \"" + JsonString(store.Info, "consumer_secret") + "\"}, " +
                "\"order_capture\": {\"enabled\": true, \"fetch_statuses\": [\"processing\"], " +
                "\"default_payment_terms\": \"A VISTA\", \"default_payment_method\": \"PIX\", \"require_document\": false}}");
            erp.CatalogPutCategories("[{\"id\": \"CASA\", \"name\": \"Casa\"}, " +
                "{\"id\": \"PANELAS\", \"name\": \"Panelas\", \"parent_id\": \"CASA\"}]");
            erp.CatalogPutBrands("[{\"id\": \"TRAMONTINA\", \"name\": \"Tramontina\", \"show_in_electronic_order\": true}]");
            erp.CatalogPutProducts("[{\"erp_id\": \"1001\", \"name\": \"Panela de Pressão 4,5 L\", " +
                "\"brand_id\": \"TRAMONTINA\", \"show_in_store\": true, \"sync_stock\": true, \"variants\": [{" +
                "\"sku\": \"TRA-PP-45\", \"ean\": \"7891000100103\", \"price_cents\": 18990, \"stock\": 42}]}]");
            Console.WriteLine("sync: " + erp.SyncProducts("loja"));

            store.PlaceOrder("{\"status\": \"processing\", \"line_items\": [{\"sku\": \"TRA-PP-45\", \"quantity\": 1}], " +
                "\"billing\": {\"first_name\": \"Ana\", \"address_1\": \"Rua XV\", \"city\": \"Curitiba\", " +
                "\"state\": \"PR\", \"postcode\": \"80020-310\"}}");
            Console.WriteLine("capture: " + erp.CaptureOrdersWithin("loja", 30));
            // The first page of the orders waiting for the ERP, 100 at most; "next" is the cursor
            // of the following page, null after the last.
            string order = JsonString(erp.OrdersPending("loja", null, 100), "store_order_id");
            Console.WriteLine("confirmed: " + erp.OrderConfirm("loja", order, "PV-0001"));
            Console.WriteLine("product: " + erp.CatalogGet("{\"sku\": \"TRA-PP-45\"}"));
            Console.WriteLine("customers: " + erp.CustomersPending("loja"));

            // A Nuvemshop integration takes the store's webhooks in, signed with the app secret.
            erp.IntegrationPut("{\"id\": \"nuvem\", \"platform\": \"nuvemshop\", \"base_url\": \"https://api.nuvemshop.com.br\", " +
                "\"nuvemshop\": {\"store_id\": \"42\", \"user_agent\": \"ERP (ti@loja.example)\"}, " +
                "\"credentials\": {\"access_token\": \"token\", \"app_secret\": \"segredo\"}}");
            byte[] body = System.Text.Encoding.UTF8.GetBytes("{\"store_id\": 42, \"event\": \"order/paid\", \"id\": 7}");
            string signature;
            using (var hmac = new System.Security.Cryptography.HMACSHA256(System.Text.Encoding.UTF8.GetBytes("segredo")))
                signature = BitConverter.ToString(hmac.ComputeHash(body)).Replace("-", "").ToLowerInvariant();
            Console.WriteLine("webhook: " + erp.WebhookIngest("nuvem", "{\"X-Linkedstore-HMAC-SHA256\": \"" + signature + "\"}", body));
            try
            {
                erp.WebhookIngest("nuvem", "{\"X-Linkedstore-HMAC-SHA256\": \"00\"}", body);
            }
            catch (PonteRemoteException e)
            {
                Console.WriteLine("webhook refused: " + e.StatusName + " (" + e.Status + "): " + e.Message);
            }

            try
            {
                erp.CatalogGet("{\"sku\": \"NAO-EXISTE\"}");
            }
            catch (PonteArgumentException e)
            {
                Console.WriteLine("expected error: " + e.StatusName + " (" + e.Status + "): " + e.Message);
            }
        }
        return 0;
    }
}
