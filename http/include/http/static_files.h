// The web dashboard's files (index.html, scripts, styles, images) served from one folder, and a
// handler in front of the API that answers for them.
//
// Only GET and HEAD; only regular files inside the folder, after percent-decoding, with no "."
// or ".." segment, no backslash or NUL, and no symbolic link that leads out of the folder; only
// the file types in the table (others are 404, so nothing the folder happens to hold is served as
// something a browser would run). Every answer carries a Content-Security-Policy that allows
// scripts and styles from this origin alone (no inline scripts), X-Content-Type-Options: nosniff,
// and an ETag with Cache-Control: no-cache, so a browser revalidates and gets 304 when nothing
// changed. The files are small and read on the calling thread: they are never queued behind views
// or appends.
//
//   auto files = http::StaticFiles::Open("web");        // Result: the folder must exist
//   http::WebFront front(&api, files->get());           // serves /, /app.js, ...; the rest to api
//   http::Server::Start(&front, options);

#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "http/message.h"

namespace http {

// The Content-Security-Policy every dashboard answer carries (its errors too).
extern const char kDashboardCsp[];

class StaticFiles {
 public:
  // The folder must exist and be a directory; its real path (symbolic links resolved) is the
  // boundary nothing served may leave.
  static ledger::Result<std::unique_ptr<StaticFiles>> Open(const std::string& folder);

  // The first folder that holds an index.html among: `exe_dir`/web and `exe_dir`/../web (the
  // binary in the repository's build folder), then ./web. "" when there is none.
  static std::string Find(const std::string& exe_dir);

  // Answers a request whose path is not the API's. "/" is index.html.
  Response Serve(const Request& request) const;

  const std::string& folder() const { return root_; }

  // Content type by file name ending; "" for a type not served.
  static std::string ContentType(const std::string& path);

 private:
  explicit StaticFiles(std::string root) : root_(std::move(root)) {}
  std::string root_;  // canonical, no trailing slash
};

// Routes /v1/..., /healthz and /metrics to the API, everything else to the files.
class WebFront final : public Handler {
 public:
  WebFront(Handler* api, const StaticFiles* files) : api_(api), files_(files) {}
  Response Handle(const Request& request) override;
  void HandleAsync(Request request, Respond respond) override;
  // The API's screening for its own paths; the files take no body, so they answer at once.
  std::optional<Response> Screen(const Request& head, std::string* who) override;
  // Whether `target` (path and query) is one the API answers.
  static bool IsApiTarget(const std::string& target);

 private:
  Handler* api_;
  const StaticFiles* files_;
};

}  // namespace http
