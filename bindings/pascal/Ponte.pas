{ Ponte for Delphi and Free Pascal: the C ABI of include/ponte.h, and TPonte, a class over one
  state file with the methods of the Python binding. Strings go in and out as UTF-8; JSON goes
  in and comes out as UTF8String, for the ERP's own JSON library to read.

  Free Pascal: fpc -Mdelphi -Fu<this folder> app.pas -Fl<folder of libponte.so>
  Delphi: add this unit; ponte.dll beside the program (Windows) or libponte.so on the path.

  Every call that fails raises EPonte with the status (Status, StatusName) and Ponte's message,
  which names what was wrong and where. Calls block while they talk to the store: call them
  from a worker thread, never from the UI thread. }
unit Ponte;

{$IFDEF FPC}{$MODE DELPHI}{$H+}{$ENDIF}

interface

uses
  SysUtils;

const
{$IFDEF MSWINDOWS}
  PonteLibrary = 'ponte.dll';
{$ELSE}
{$IFDEF DARWIN}
  PonteLibrary = 'libponte.dylib';
{$ELSE}
  PonteLibrary = 'libponte.so';
{$ENDIF}
{$ENDIF}

  PONTE_OK = 0;
  PONTE_E_NOT_FOUND = -105;
  PONTE_E_CONFLICT = -106;

type
  PPonteHandle = Pointer;
  PPonteSandbox = Pointer;
  PPAnsiChar = ^PAnsiChar;
  TPonteProgress = function(UserData: Pointer; Done, Total: Int32): Int32; cdecl;

  { A call that did not return PONTE_OK. }
  EPonte = class(Exception)
  private
    FStatus: Int32;
    FStatusName: string;
  public
    constructor Create(AStatus: Int32; const AMessage: string);
    property Status: Int32 read FStatus;
    property StatusName: string read FStatusName;
  end;

function ponte_open(Path: PAnsiChar; HandleOut: PPonteHandle): Int32; cdecl; external PonteLibrary;
procedure ponte_close(Handle: PPonteHandle); cdecl; external PonteLibrary;
function ponte_last_error_code: Int32; cdecl; external PonteLibrary;
function ponte_last_error_message: PAnsiChar; cdecl; external PonteLibrary;
function ponte_status_name(Status: Int32): PAnsiChar; cdecl; external PonteLibrary;
procedure ponte_string_free(S: PAnsiChar); cdecl; external PonteLibrary;
function ponte_version: PAnsiChar; cdecl; external PonteLibrary;
function ponte_version_number: Int32; cdecl; external PonteLibrary;
function ponte_integration_put(Handle: PPonteHandle; ConfigJson: PAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_integration_get(Handle: PPonteHandle; Id: PAnsiChar; ConfigOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_integration_list(Handle: PPonteHandle; ListOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_integration_check(Handle: PPonteHandle; Id: PAnsiChar; CheckOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_catalog_put_products(Handle: PPonteHandle; Json: PAnsiChar; SummaryOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_catalog_put_brands(Handle: PPonteHandle; Json: PAnsiChar; SummaryOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_catalog_put_categories(Handle: PPonteHandle; Json: PAnsiChar; SummaryOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_catalog_put_stock(Handle: PPonteHandle; Json: PAnsiChar; SummaryOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_catalog_get(Handle: PPonteHandle; KeyJson: PAnsiChar; ProductOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_sync_plan(Handle: PPonteHandle; Integration, OptionsJson: PAnsiChar; PlanOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_sync_products(Handle: PPonteHandle; Integration, OptionsJson: PAnsiChar; Progress: TPonteProgress;
  UserData: Pointer; ReportOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_capture_orders(Handle: PPonteHandle; Integration: PAnsiChar; ReportOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_orders_pending(Handle: PPonteHandle; Integration, After: PAnsiChar; Limit: Int32;
  OrdersOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_order_confirm(Handle: PPonteHandle; Integration, StoreOrderId, ErpOrderNumber: PAnsiChar;
  StateOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_order_reject(Handle: PPonteHandle; Integration, StoreOrderId, Reason: PAnsiChar;
  StateOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_order_retry(Handle: PPonteHandle; Integration, StoreOrderId: PAnsiChar; StateOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_reservations(Handle: PPonteHandle; Integration: PAnsiChar; ReservationsOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_report(Handle: PPonteHandle; Integration, FilterJson: PAnsiChar; ReportOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_customers_pending(Handle: PPonteHandle; Integration: PAnsiChar; CustomersOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_customer_confirm(Handle: PPonteHandle; Integration, CustomerKey, ErpCustomerId: PAnsiChar;
  StateOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_order_events(Handle: PPonteHandle; Integration: PAnsiChar; EventsOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_order_event_ack(Handle: PPonteHandle; Integration: PAnsiChar; EventId: Int64; EventOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_order_fulfil(Handle: PPonteHandle; Integration, StoreOrderId, FulfilmentJson: PAnsiChar;
  QueuedOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_webhook_ingest(Handle: PPonteHandle; Integration, HeadersJson, Body: PAnsiChar;
  ReceiptOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_run_due(Handle: PPonteHandle; Now: Int64; Progress: TPonteProgress; UserData: Pointer;
  ReportOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_health(Handle: PPonteHandle; Now: Int64; HealthOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_jobs(Handle: PPonteHandle; Now: Int64; JobsOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_integration_remove(Handle: PPonteHandle; Id: PAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_catalog_retire_products(Handle: PPonteHandle; ErpIdsJson: PAnsiChar; SummaryOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_product_status(Handle: PPonteHandle; Integration, KeyJson: PAnsiChar; StatusOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_sync_runs(Handle: PPonteHandle; Integration: PAnsiChar; Limit: Int32; RunsOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_capture_orders_with(Handle: PPonteHandle; Integration, OptionsJson: PAnsiChar; Progress: TPonteProgress;
  UserData: Pointer; ReportOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_sandbox_start(OptionsJson: PAnsiChar; SandboxOut: PPonteSandbox; InfoOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
function ponte_sandbox_place_order(Sandbox: PPonteSandbox; OrderJson: PAnsiChar; OrderOut: PPAnsiChar): Int32; cdecl; external PonteLibrary;
procedure ponte_sandbox_stop(Sandbox: PPonteSandbox); cdecl; external PonteLibrary;

type
  { One open state file. Not for two threads at once; open one per thread instead. }
  TPonte = class
  private
    FHandle: PPonteHandle;
    procedure Check(Status: Int32);
    function Take(P: PAnsiChar): UTF8String;
  public
    constructor Create(const Path: UTF8String);
    destructor Destroy; override;
    procedure IntegrationPut(const ConfigJson: UTF8String);
    procedure IntegrationRemove(const Id: UTF8String);
    function CatalogRetireProducts(const ErpIdsJson: UTF8String): UTF8String;
    function ProductStatus(const Integration, KeyJson: UTF8String): UTF8String;
    function SyncRuns(const Integration: UTF8String; Limit: Int32 = 20): UTF8String;
    { A capture that stops, at a committed page, after TimeLimitSeconds (0: no limit). }
    function CaptureOrdersWithin(const Integration: UTF8String; TimeLimitSeconds: Integer): UTF8String;
    function Jobs(Now: Int64 = 0): UTF8String;
    function IntegrationGet(const Id: UTF8String): UTF8String;
    function IntegrationList: UTF8String;
    function IntegrationCheck(const Id: UTF8String): UTF8String;
    function CatalogPutProducts(const ProductsJson: UTF8String): UTF8String;
    function CatalogPutBrands(const BrandsJson: UTF8String): UTF8String;
    { A tree by parent_id; a missing parent or a cycle raises EPonte (PONTE_E_INVALID_DATA). }
    function CatalogPutCategories(const CategoriesJson: UTF8String): UTF8String;
    function CatalogPutStock(const StockJson: UTF8String): UTF8String;
    function CatalogGet(const KeyJson: UTF8String): UTF8String;
    function SyncPlan(const Integration: UTF8String; const OptionsJson: UTF8String = '{}'): UTF8String;
    function SyncProducts(const Integration: UTF8String; const OptionsJson: UTF8String = '{}'): UTF8String;
    function CaptureOrders(const Integration: UTF8String): UTF8String;
    // One page of the pending list: the JSON object of "orders" and "next" (a cursor, or null
    // after the last page). After: the previous page's "next", or '' for the first page;
    // Limit: 1 to 1000, or 0 for 100.
    function OrdersPending(const Integration: UTF8String; const After: UTF8String = '';
      Limit: Int32 = 0): UTF8String;
    function OrderConfirm(const Integration, StoreOrderId, ErpOrderNumber: UTF8String): UTF8String;
    function OrderReject(const Integration, StoreOrderId, Reason: UTF8String): UTF8String;
    function OrderRetry(const Integration, StoreOrderId: UTF8String): UTF8String;
    function Reservations(const Integration: UTF8String): UTF8String;
    function Report(const Integration: UTF8String; const FilterJson: UTF8String = '{}'): UTF8String;
    function CustomersPending(const Integration: UTF8String): UTF8String;
    function CustomerConfirm(const Integration, CustomerKey, ErpCustomerId: UTF8String): UTF8String;
    function OrderEvents(const Integration: UTF8String): UTF8String;
    function OrderEventAck(const Integration: UTF8String; EventId: Int64): UTF8String;
    function OrderFulfil(const Integration, StoreOrderId, FulfilmentJson: UTF8String): UTF8String;
    { A webhook the store sent to the ERP's endpoint (Nuvemshop), verified and only recorded. }
    function WebhookIngest(const Integration, HeadersJson, Body: UTF8String): UTF8String;
    { Runs every job due at Now (Unix seconds; 0 for the machine's clock). }
    function RunDue(Now: Int64 = 0): UTF8String;
    function Health(Now: Int64 = 0): UTF8String;
  end;

  { A sandbox WooCommerce store on 127.0.0.1, for rehearsal and tests. }
  TPonteSandbox = class
  private
    FSandbox: PPonteSandbox;
    FInfo: UTF8String;
  public
    constructor Create(const OptionsJson: UTF8String = '{"platform": "woocommerce"}');
    destructor Destroy; override;
    function PlaceOrder(const OrderJson: UTF8String): UTF8String;
    { base_url, consumer_key, consumer_secret... as JSON. }
    property Info: UTF8String read FInfo;
  end;

implementation

constructor EPonte.Create(AStatus: Int32; const AMessage: string);
begin
  inherited Create(AMessage);
  FStatus := AStatus;
  FStatusName := string(UTF8String(ponte_status_name(AStatus)));
end;

procedure RaiseLast(Status: Int32);
begin
  raise EPonte.Create(Status, string(UTF8String(ponte_last_error_message)));
end;

constructor TPonte.Create(const Path: UTF8String);
var
  Status: Int32;
begin
  inherited Create;
  Status := ponte_open(PAnsiChar(Path), @FHandle);
  if Status <> PONTE_OK then
    RaiseLast(Status);
end;

destructor TPonte.Destroy;
begin
  ponte_close(FHandle);
  inherited Destroy;
end;

procedure TPonte.Check(Status: Int32);
begin
  if Status <> PONTE_OK then
    RaiseLast(Status);
end;

function TPonte.Take(P: PAnsiChar): UTF8String;
begin
  Result := UTF8String(P);
  ponte_string_free(P);
end;

procedure TPonte.IntegrationPut(const ConfigJson: UTF8String);
begin
  Check(ponte_integration_put(FHandle, PAnsiChar(ConfigJson)));
end;

procedure TPonte.IntegrationRemove(const Id: UTF8String);
begin
  Check(ponte_integration_remove(FHandle, PAnsiChar(Id)));
end;

function TPonte.CatalogRetireProducts(const ErpIdsJson: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_catalog_retire_products(FHandle, PAnsiChar(ErpIdsJson), @Out_));
  Result := Take(Out_);
end;

function TPonte.ProductStatus(const Integration, KeyJson: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_product_status(FHandle, PAnsiChar(Integration), PAnsiChar(KeyJson), @Out_));
  Result := Take(Out_);
end;

function TPonte.SyncRuns(const Integration: UTF8String; Limit: Int32): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_sync_runs(FHandle, PAnsiChar(Integration), Limit, @Out_));
  Result := Take(Out_);
end;

function TPonte.CaptureOrdersWithin(const Integration: UTF8String; TimeLimitSeconds: Integer): UTF8String;
var
  Out_: PAnsiChar;
  Options: UTF8String;
begin
  if TimeLimitSeconds > 0 then
    Options := UTF8String('{"time_limit_seconds": ' + IntToStr(TimeLimitSeconds) + '}')
  else
    Options := '{}';
  Check(ponte_capture_orders_with(FHandle, PAnsiChar(Integration), PAnsiChar(Options), nil, nil, @Out_));
  Result := Take(Out_);
end;

function TPonte.Jobs(Now: Int64): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_jobs(FHandle, Now, @Out_));
  Result := Take(Out_);
end;

function TPonte.IntegrationGet(const Id: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_integration_get(FHandle, PAnsiChar(Id), @Out_));
  Result := Take(Out_);
end;

function TPonte.IntegrationList: UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_integration_list(FHandle, @Out_));
  Result := Take(Out_);
end;

function TPonte.IntegrationCheck(const Id: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_integration_check(FHandle, PAnsiChar(Id), @Out_));
  Result := Take(Out_);
end;

function TPonte.CatalogPutProducts(const ProductsJson: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_catalog_put_products(FHandle, PAnsiChar(ProductsJson), @Out_));
  Result := Take(Out_);
end;

function TPonte.CatalogPutBrands(const BrandsJson: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_catalog_put_brands(FHandle, PAnsiChar(BrandsJson), @Out_));
  Result := Take(Out_);
end;

function TPonte.CatalogPutCategories(const CategoriesJson: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_catalog_put_categories(FHandle, PAnsiChar(CategoriesJson), @Out_));
  Result := Take(Out_);
end;

function TPonte.CatalogPutStock(const StockJson: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_catalog_put_stock(FHandle, PAnsiChar(StockJson), @Out_));
  Result := Take(Out_);
end;

function TPonte.CatalogGet(const KeyJson: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_catalog_get(FHandle, PAnsiChar(KeyJson), @Out_));
  Result := Take(Out_);
end;

function TPonte.SyncPlan(const Integration: UTF8String; const OptionsJson: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_sync_plan(FHandle, PAnsiChar(Integration), PAnsiChar(OptionsJson), @Out_));
  Result := Take(Out_);
end;

function TPonte.SyncProducts(const Integration: UTF8String; const OptionsJson: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_sync_products(FHandle, PAnsiChar(Integration), PAnsiChar(OptionsJson), nil, nil, @Out_));
  Result := Take(Out_);
end;

function TPonte.CaptureOrders(const Integration: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_capture_orders(FHandle, PAnsiChar(Integration), @Out_));
  Result := Take(Out_);
end;

function TPonte.OrdersPending(const Integration: UTF8String; const After: UTF8String;
  Limit: Int32): UTF8String;
var
  Out_, Cursor: PAnsiChar;
begin
  { No cursor is empty: '' asks for the first page. }
  if After = '' then Cursor := nil else Cursor := PAnsiChar(After);
  Check(ponte_orders_pending(FHandle, PAnsiChar(Integration), Cursor, Limit, @Out_));
  Result := Take(Out_);
end;

function TPonte.OrderConfirm(const Integration, StoreOrderId, ErpOrderNumber: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_order_confirm(FHandle, PAnsiChar(Integration), PAnsiChar(StoreOrderId), PAnsiChar(ErpOrderNumber), @Out_));
  Result := Take(Out_);
end;

function TPonte.OrderReject(const Integration, StoreOrderId, Reason: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_order_reject(FHandle, PAnsiChar(Integration), PAnsiChar(StoreOrderId), PAnsiChar(Reason), @Out_));
  Result := Take(Out_);
end;

function TPonte.OrderRetry(const Integration, StoreOrderId: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_order_retry(FHandle, PAnsiChar(Integration), PAnsiChar(StoreOrderId), @Out_));
  Result := Take(Out_);
end;

function TPonte.Reservations(const Integration: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_reservations(FHandle, PAnsiChar(Integration), @Out_));
  Result := Take(Out_);
end;

function TPonte.Report(const Integration: UTF8String; const FilterJson: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_report(FHandle, PAnsiChar(Integration), PAnsiChar(FilterJson), @Out_));
  Result := Take(Out_);
end;

function TPonte.CustomersPending(const Integration: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_customers_pending(FHandle, PAnsiChar(Integration), @Out_));
  Result := Take(Out_);
end;

function TPonte.CustomerConfirm(const Integration, CustomerKey, ErpCustomerId: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_customer_confirm(FHandle, PAnsiChar(Integration), PAnsiChar(CustomerKey), PAnsiChar(ErpCustomerId), @Out_));
  Result := Take(Out_);
end;

function TPonte.OrderEvents(const Integration: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_order_events(FHandle, PAnsiChar(Integration), @Out_));
  Result := Take(Out_);
end;

function TPonte.OrderEventAck(const Integration: UTF8String; EventId: Int64): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_order_event_ack(FHandle, PAnsiChar(Integration), EventId, @Out_));
  Result := Take(Out_);
end;

function TPonte.OrderFulfil(const Integration, StoreOrderId, FulfilmentJson: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_order_fulfil(FHandle, PAnsiChar(Integration), PAnsiChar(StoreOrderId), PAnsiChar(FulfilmentJson), @Out_));
  Result := Take(Out_);
end;

function TPonte.WebhookIngest(const Integration, HeadersJson, Body: UTF8String): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_webhook_ingest(FHandle, PAnsiChar(Integration), PAnsiChar(HeadersJson), PAnsiChar(Body), @Out_));
  Result := Take(Out_);
end;

function TPonte.RunDue(Now: Int64): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_run_due(FHandle, Now, nil, nil, @Out_));
  Result := Take(Out_);
end;

function TPonte.Health(Now: Int64): UTF8String;
var Out_: PAnsiChar;
begin
  Check(ponte_health(FHandle, Now, @Out_));
  Result := Take(Out_);
end;

constructor TPonteSandbox.Create(const OptionsJson: UTF8String);
var
  Out_: PAnsiChar;
  Status: Int32;
begin
  inherited Create;
  Status := ponte_sandbox_start(PAnsiChar(OptionsJson), @FSandbox, @Out_);
  if Status <> PONTE_OK then
    RaiseLast(Status);
  FInfo := UTF8String(Out_);
  ponte_string_free(Out_);
end;

destructor TPonteSandbox.Destroy;
begin
  ponte_sandbox_stop(FSandbox);
  inherited Destroy;
end;

function TPonteSandbox.PlaceOrder(const OrderJson: UTF8String): UTF8String;
var
  Out_: PAnsiChar;
  Status: Int32;
begin
  Status := ponte_sandbox_place_order(FSandbox, PAnsiChar(OrderJson), @Out_);
  if Status <> PONTE_OK then
    RaiseLast(Status);
  Result := UTF8String(Out_);
  ponte_string_free(Out_);
end;

end.
