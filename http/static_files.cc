#include "http/static_files.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "http/routes.h"
#include "problem.h"

namespace http {

namespace fs = std::filesystem;

// Scripts, styles, fonts and images from this origin only; the API on this origin only; no
// plugins, no <base>, no framing, forms post nowhere (the dashboard sends with fetch).
const char kDashboardCsp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

namespace {

// Larger files are not the dashboard's: refused rather than read into memory.
constexpr uintmax_t kMaxFileBytes = 4 << 20;

void SecurityHeaders(Response* r) {
  r->headers["Content-Security-Policy"] = kDashboardCsp;
  r->headers["X-Content-Type-Options"] = "nosniff";
  r->headers["Referrer-Policy"] = "no-referrer";
  r->headers["X-Frame-Options"] = "DENY";
}

Response Error(const Problem& problem) {
  Response r = ProblemResponse(problem);
  SecurityHeaders(&r);
  r.headers["Cache-Control"] = "no-store";
  return r;
}

Response NotFound(const std::string& path) {
  return Error(
      ledger::Status::NotFound("there is no dashboard file " + path +
                               "; the dashboard starts at / and the API lives under /v1/"));
}

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The path relative to the folder, or "" when it may not be served: percent-decoded, every
// segment a plain name (not empty, ".", ".."), no backslash or NUL, and no leading "/" left.
std::string SafeRelative(const std::string& encoded) {
  std::string path;
  if (!PercentDecode(encoded, &path, /*plus_is_space=*/false)) return "";
  if (path.empty() || path[0] != '/') return "";
  if (path == "/") return "index.html";
  if (path.find('\0') != std::string::npos || path.find('\\') != std::string::npos) return "";
  std::string rel = path.substr(1), out;
  size_t start = 0;
  while (start <= rel.size()) {
    size_t end = rel.find('/', start);
    if (end == std::string::npos) end = rel.size();
    std::string segment = rel.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return "";
    out += (out.empty() ? "" : "/") + segment;
    start = end + 1;
  }
  return out;
}

}  // namespace

ledger::Result<std::unique_ptr<StaticFiles>> StaticFiles::Open(const std::string& folder) {
  std::error_code ec;
  fs::path root = fs::canonical(folder, ec);
  if (ec || !fs::is_directory(root, ec)) {
    return ledger::Status::NotFound("the dashboard folder " + folder + " is not a folder");
  }
  return std::unique_ptr<StaticFiles>(new StaticFiles(root.string()));
}

std::string StaticFiles::Find(const std::string& exe_dir) {
  std::error_code ec;
  for (const fs::path& candidate : {fs::path(exe_dir) / "web", fs::path(exe_dir) / ".." / "web",
                                    fs::current_path(ec) / "web"}) {
    if (fs::is_regular_file(candidate / "index.html", ec)) {
      return fs::weakly_canonical(candidate, ec).string();
    }
  }
  return "";
}

std::string StaticFiles::ContentType(const std::string& path) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [ending, type] : kTypes) {
    if (EndsWith(path, ending)) return type;
  }
  return "";
}

Response StaticFiles::Serve(const Request& request) const {
  // Only the path is read: a query string (a cache buster) is ignored.
  const std::string path = request.target.substr(0, request.target.find('?'));
  if (request.method != "GET" && request.method != "HEAD") {
    return Error(
        Problem(ledger::Status::InvalidArgument(
                    "the dashboard's files are read with GET or HEAD, not " + request.method))
            .As(405, "method")
            .Header("Allow", "GET, HEAD"));
  }
  std::string rel = SafeRelative(path);
  if (rel.empty()) return NotFound(path);
  std::string type = ContentType(rel);
  if (type.empty()) return NotFound(path);

  // The real path, symbolic links resolved, must still be inside the folder.
  std::error_code ec;
  fs::path real = fs::canonical(fs::path(root_) / rel, ec);
  if (ec) return NotFound(path);
  std::string real_text = real.string();
  if (real_text.compare(0, root_.size() + 1, root_ + "/") != 0) return NotFound(path);
  struct stat st {};
  if (::stat(real_text.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return NotFound(path);
  if (static_cast<uintmax_t>(st.st_size) > kMaxFileBytes) return NotFound(path);

  // Size and modification time name a version of the file well enough for revalidation.
  char etag[64];
  std::snprintf(etag, sizeof etag, "\"%llx-%llx\"", static_cast<unsigned long long>(st.st_size),
                static_cast<unsigned long long>(st.st_mtim.tv_sec) * 1000000000ull +
                    static_cast<unsigned long long>(st.st_mtim.tv_nsec));
  Response r;
  SecurityHeaders(&r);
  r.content_type = type;
  r.headers["ETag"] = etag;
  // Always revalidated: a new version of the dashboard is seen at the next load, and an
  // unchanged one costs a 304.
  r.headers["Cache-Control"] = "no-cache";
  if (request.Header("if-none-match") == etag) {
    r.status = 304;
    return r;
  }
  std::ifstream in(real_text, std::ios::binary);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    return Error(
        Problem(ledger::Status::IOError("the file " + rel + " cannot be read")).As(500, "storage"));
  }
  if (request.method == "GET") r.body = std::move(body);
  return r;
}

bool WebFront::IsApiTarget(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  return path.rfind("/v1/", 0) == 0 || path == "/v1" || path == "/healthz" || path == "/metrics";
}

Response WebFront::Handle(const Request& request) {
  if (IsApiTarget(request.target)) return api_->Handle(request);
  return files_->Serve(request);
}

std::optional<Response> WebFront::Screen(const Request& head, std::string* who) {
  if (IsApiTarget(head.target)) return api_->Screen(head, who);
  return files_->Serve(head);
}

void WebFront::HandleAsync(Request request, Respond respond) {
  if (IsApiTarget(request.target)) {
    api_->HandleAsync(std::move(request), std::move(respond));
    return;
  }
  // Small files, read here on the I/O thread: never queued behind views or appends.
  respond(files_->Serve(request));
}

}  // namespace http
