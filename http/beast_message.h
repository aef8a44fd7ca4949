// Conversions between Beast's HTTP messages and the service's Request and Response. The server
// uses them on every request; the request fuzzer uses them too, so that it feeds the handlers
// exactly what the server would.

#pragma once

#include <boost/beast/http.hpp>

#include <string>

#include "http/message.h"

namespace http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Header names are lower-cased; `remote` is the peer's "address:port".
Request ToRequest(BeastRequest&& in, const std::string& remote);

// With the server's name, the content type, the response's headers, and the payload's length.
// Beast throws on header values it cannot send (a line break, for one).
BeastResponse ToBeast(Response&& in, unsigned version, bool keep_alive);

}  // namespace http
