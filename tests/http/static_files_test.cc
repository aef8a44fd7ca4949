// The dashboard's files over real HTTP: what is served, with which headers, and what is not
// served however the path is spelled.

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "http/static_files.h"
#include "server_fixture.h"

namespace {

namespace fs = std::filesystem;

void Write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A ledgerd with a dashboard folder in front of its API, and a secret beside that folder.
struct WebFixture {
  testing::TempDir dir;
  testing::ServerFixture service;
  std::unique_ptr<http::StaticFiles> files;
  std::unique_ptr<http::WebFront> front;
  std::unique_ptr<http::Server> server;

  WebFixture() {
    fs::path web = fs::path(dir.sub("web"));
    Write(web / "index.html", "<!doctype html><title>t</title><script src=\"app.js\"></script>");
    Write(web / "app.js", "console.log('app');");
    Write(web / "css" / "site.css", "body{color:#111}");
    Write(web / "notes.md", "not a served type");
    Write(fs::path(dir.sub("secret.html")), "outside the folder");
    fs::create_directories(web / "sub");
    fs::create_symlink(fs::path(dir.sub("secret.html")), web / "link.html");
    fs::create_symlink(fs::path(dir.path()), web / "up");
    auto opened = http::StaticFiles::Open(web.string());
    REQUIRE(opened.ok());
    files = std::move(*opened);
    front = std::make_unique<http::WebFront>(&service.api(), files.get());
    http::ServerOptions options;
    options.threads = 2;
    auto started = http::Server::Start(front.get(), options);
    REQUIRE(started.ok());
    server = std::move(*started);
  }
  ~WebFixture() { server.reset(); }
  testing::HttpClient Client() { return testing::HttpClient(server->port()); }
};

}  // namespace

TEST_CASE("the dashboard's index is served at / with its security and caching headers") {
  WebFixture f;
  auto client = f.Client();
  auto r = client.Send("GET", "/", "");
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "text/html; charset=utf-8");
  CHECK(r.body.find("<script src=\"app.js\">") != std::string::npos);
  CHECK(r.headers["X-Content-Type-Options"] == "nosniff");
  std::string csp = r.headers["Content-Security-Policy"];
  CHECK(csp.find("script-src 'self'") != std::string::npos);
  CHECK(csp.find("unsafe-inline") == std::string::npos);
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(r.headers["Cache-Control"] == "no-cache");
  REQUIRE_FALSE(r.headers["ETag"].empty());

  // Revalidation: the same version is a 304 without a body.
  namespace bhttp = boost::beast::http;
  bhttp::request<bhttp::string_body> again{bhttp::verb::get, "/", 11};
  again.set(bhttp::field::host, "127.0.0.1");
  again.set(bhttp::field::if_none_match, r.headers["ETag"]);
  bhttp::write(client.stream(), again);
  auto revalidated = client.Receive();
  CHECK(revalidated.status == 304);
  CHECK(revalidated.body.empty());
  CHECK(revalidated.headers["X-Content-Type-Options"] == "nosniff");
}

TEST_CASE("each file type is served with its content type, others are not served") {
  WebFixture f;
  auto client = f.Client();
  auto js = client.Send("GET", "/app.js", "");
  CHECK(js.status == 200);
  CHECK(js.content_type == "text/javascript; charset=utf-8");
  CHECK(js.body == "console.log('app');");
  auto css = client.Send("GET", "/css/site.css?v=1", "");
  CHECK(css.status == 200);
  CHECK(css.content_type == "text/css; charset=utf-8");
  // A file type that is not the dashboard's, a folder, a missing file: 404 as problem+json.
  for (const char* path : {"/notes.md", "/css", "/css/", "/sub", "/missing.js"}) {
    INFO(path);
    auto r = client.Send("GET", path, "");
    CHECK(r.status == 404);
    CHECK(r.content_type == "application/problem+json");
    CHECK(r.headers["X-Content-Type-Options"] == "nosniff");
  }
}

TEST_CASE("no spelling of a path leaves the dashboard's folder") {
  WebFixture f;
  auto client = f.Client();
  for (const char* path :
       {"/../secret.html", "/css/../../secret.html", "/%2e%2e/secret.html", "/%2E%2E%2Fsecret.html",
        "/css/%2e%2e/%2e%2e/secret.html", "/..%2fsecret.html", "/.%2e/secret.html", "//etc/passwd",
        "/%2fetc%2fpasswd", "/%2Fetc/passwd", "/..\\secret.html", "/css\\..\\..\\secret.html",
        "/link.html", "/up/secret.html", "/./app.js", "/app.js%00.html", "/%", "/%zz.js"}) {
    INFO(path);
    auto r = client.Send("GET", path, "");
    CHECK(r.status >= 400);
    CHECK(r.body.find("outside the folder") == std::string::npos);
    CHECK(r.body.find("root:") == std::string::npos);
  }
}

TEST_CASE("only GET and HEAD read the dashboard's files") {
  WebFixture f;
  auto client = f.Client();
  auto head = client.Send("HEAD", "/app.js", "");
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.content_type == "text/javascript; charset=utf-8");
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH"}) {
    INFO(method);
    auto r = client.Send(method, "/index.html", "", "x");
    CHECK(r.status == 405);
    CHECK(r.headers["Allow"] == "GET, HEAD");
  }
}

TEST_CASE("the API keeps its routes and its checks behind the dashboard") {
  WebFixture f;
  auto client = f.Client();
  CHECK(client.Send("GET", "/healthz", "").status == 200);
  // A token is still needed under /v1/; the dashboard grants nothing.
  auto anonymous = client.Send("GET", "/v1/head", "");
  CHECK(anonymous.status == 401);
  auto head = client.Send("GET", "/v1/head", f.service.admin);
  CHECK(head.status == 200);
  CHECK(head.content_type == "application/json");
  // A file named like an API route is not looked up in the folder.
  CHECK(client.Send("GET", "/v1/app.js", f.service.admin).status == 404);
}

TEST_CASE("a folder that is not there is an error, not an empty dashboard") {
  auto opened = http::StaticFiles::Open("/nonexistent-dashboard-folder");
  CHECK_FALSE(opened.ok());
}

TEST_CASE("the dashboard folder is found beside the binary or one folder up") {
  testing::TempDir dir;
  fs::path repo = dir.path();
  Write(repo / "web" / "index.html", "x");
  fs::create_directories(repo / "build");
  CHECK(http::StaticFiles::Find((repo / "build").string()) == fs::canonical(repo / "web").string());
  CHECK(http::StaticFiles::Find(repo.string()) == fs::canonical(repo / "web").string());
}

TEST_CASE("GET /v1/me names the token's role and scope, and needs a token") {
  testing::ServerFixture service;
  auto client = service.Client();
  CHECK(client.Send("GET", "/v1/me", "").status == 401);
  std::string resident =
      service.Token(ledger::schema::Role::RESIDENT, "person/p-1", {"estate/e01"});
  auto me = client.Send("GET", "/v1/me", resident).json().as_object();
  CHECK(me.at("role").as_string() == "resident");
  CHECK(me.at("actorId").as_string() == "person/p-1");
  REQUIRE(me.at("estates").as_array().size() == 1);
  CHECK(me.at("estates").as_array()[0].as_string() == "estate/e01");
  CHECK(me.at("readsRawLog").as_bool() == false);
  CHECK(me.at("seesPersonalDetails").as_bool() == false);
  std::string staff =
      service.Token(ledger::schema::Role::COMPANY_STAFF, "person/s-1", {}, "company/hongxin");
  auto staff_me = client.Send("GET", "/v1/me", staff).json().as_object();
  CHECK(staff_me.at("role").as_string() == "companyStaff");
  CHECK(staff_me.at("companyId").as_string() == "company/hongxin");
  auto admin_me = client.Send("GET", "/v1/me", service.admin).json().as_object();
  CHECK(admin_me.at("readsRawLog").as_bool() == true);
  CHECK(admin_me.at("estates").as_array().empty());
  // The secret is never echoed.
  CHECK(client.Send("GET", "/v1/me", resident).body.find(resident) == std::string::npos);
}
