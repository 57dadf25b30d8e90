{ What an ERP in Delphi or Free Pascal does with Ponte: an integration with a sandbox store, the
  catalog, a sync, a shopper's order captured and confirmed, and an error caught with its status.

  Build: fpc -Mdelphi -Fubindings/pascal -Fltarget/release bindings/pascal/example.pas -oexample
  Run:   LD_LIBRARY_PATH=target/release ./example /tmp/ponte-pascal.db }
program Example;

{$IFDEF FPC}{$MODE DELPHI}{$H+}{$IFDEF UNIX}{$CODEPAGE UTF8}{$ENDIF}{$ENDIF}
{$APPTYPE CONSOLE}

uses
  SysUtils, Ponte;

{ The string value of "Key" in a flat JSON object: enough for the sandbox's info. }
function JsonString(const Json, Key: UTF8String): UTF8String;
var
  At, Stop: Integer;
begin
  At := Pos('"' + Key + '":"', Json);
  if At = 0 then
    raise Exception.Create('no ' + string(Key) + ' in ' + string(Json));
  At := At + Length(Key) + 4;
  Stop := At;
  while (Stop <= Length(Json)) and (Json[Stop] <> '"') do
    Inc(Stop);
  Result := Copy(Json, At, Stop - At);
end;

var
  Store: TPonteSandbox;
  Erp: TPonte;
  Path, Config, Pending, OrderId: UTF8String;
  At: Integer;
begin
  if ParamCount > 0 then Path := UTF8String(ParamStr(1)) else Path := 'ponte-pascal.db';
  Store := TPonteSandbox.Create;
  Erp := TPonte.Create(Path);
  try
    Config := '{"id": "loja", "platform": "woocommerce", "allow_http": true, "base_url": "' +
      JsonString(Store.Info, 'base_url') + '", "credentials": {"consumer_key": "' +
      JsonString(Store.Info, 'consumer_key') + '", "consumer_secret": "' +
      JsonString(Store.Info, 'consumer_secret') + '"}, "order_capture": {"enabled": true, ' +
      '"fetch_statuses": ["processing"], "default_payment_terms": "A VISTA", ' +
      '"default_payment_method": "PIX", "require_document": false}}';
    Erp.IntegrationPut(Config);
    Erp.CatalogPutCategories('[{"id": "CASA", "name": "Casa"}, ' +
      '{"id": "PANELAS", "name": "Panelas", "parent_id": "CASA"}]');
    Erp.CatalogPutBrands('[{"id": "TRAMONTINA", "name": "Tramontina", "show_in_electronic_order": true}]');
    Erp.CatalogPutProducts('[{"erp_id": "1001", "name": "Panela de Press' + #$C3#$A3 + 'o 4,5 L", ' +
      '"brand_id": "TRAMONTINA", "show_in_store": true, "sync_stock": true, "variants": [{"sku": ' +
      '"TRA-PP-45", "ean": "7891000100103", "price_cents": 18990, "stock": 42}]}]');
    WriteLn('sync: ', Erp.SyncProducts('loja'));

    Store.PlaceOrder('{"status": "processing", "line_items": [{"sku": "TRA-PP-45", "quantity": 1}], ' +
      '"billing": {"first_name": "Ana", "address_1": "Rua XV", "city": "Curitiba", "state": "PR", ' +
      '"postcode": "80020-310"}}');
    WriteLn('capture: ', Erp.CaptureOrdersWithin('loja', 30));
    { The first page of the orders waiting for the ERP, 100 at most; "next" is the cursor of the
      following page, null after the last. }
    Pending := Erp.OrdersPending('loja', '', 100);
    At := Pos('"store_order_id":"', Pending);
    OrderId := JsonString(Copy(Pending, At, 40), 'store_order_id');
    WriteLn('confirmed: ', Erp.OrderConfirm('loja', OrderId, 'PV-0001'));
    WriteLn('runs: ', Erp.SyncRuns('loja', 5));

    { A Nuvemshop integration takes webhooks in; one whose signature does not verify is refused. }
    Erp.IntegrationPut('{"id": "nuvem", "platform": "nuvemshop", "base_url": "https://api.nuvemshop.com.br", ' +
      '"nuvemshop": {"store_id": "42", "user_agent": "ERP (ti@loja.example)"}, ' +
      '"credentials": {"access_token": "token", "app_secret": "segredo"}}');
    try
      Erp.WebhookIngest('nuvem', '{"X-Linkedstore-HMAC-SHA256": "00"}',
        '{"store_id": 42, "event": "order/paid", "id": 7}');
    except
      on E: EPonte do
        WriteLn('webhook refused: ', E.StatusName, ' (', E.Status, '): ', E.Message);
    end;

    try
      Erp.CatalogGet('{"sku": "NAO-EXISTE"}');
    except
      on E: EPonte do
        WriteLn('expected error: ', E.StatusName, ' (', E.Status, '): ', E.Message);
    end;
  finally
    Erp.Free;
    Store.Free;
  end;
end.
