#include "util/curl_transport.h"

#include <cctype>
#include <memory>
#include <stdexcept>

#include "util/ascii_case.h"

namespace mdbop {

namespace {

// An answer held in memory (not streamed to a sink) is refused past this: a hostile or broken
// server cannot make mdbop grow without bound.
constexpr std::size_t kMaxHeldBody = 64u << 20;

// What the callbacks of one transfer share.
struct Exchange {
  CURL* handle = nullptr;
  ByteSink* sink = nullptr;
  HttpResponse* response = nullptr;
  Result<void> sink_result;
  bool too_large = false;
};

std::string trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  std::string_view line(data, size * count);
  // Each status line starts a new response (e.g. after "100 Continue"): drop earlier headers.
  if (line.starts_with("HTTP/")) exchange->response->headers.clear();
  std::size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    exchange->response->headers[ascii_lowercase(trim(line.substr(0, colon)))] =
        trim(line.substr(colon + 1));
  }
  return size * count;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  std::size_t length = size * count;
  long status = 0;
  curl_easy_getinfo(exchange->handle, CURLINFO_RESPONSE_CODE, &status);
  if (exchange->sink != nullptr && status >= 200 && status < 300) {
    exchange->sink_result = exchange->sink->write(std::string_view(data, length));
    if (!exchange->sink_result) return 0;  // anything but `length` makes curl abort
    exchange->response->streamed += length;
  } else {
    if (exchange->response->body.size() + length > kMaxHeldBody) {
      exchange->too_large = true;
      return 0;
    }
    exchange->response->body.append(data, length);
  }
  return length;
}

bool is_certificate_problem(CURLcode code) {
  return code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE ||
         code == CURLE_SSL_CERTPROBLEM || code == CURLE_SSL_ISSUER_ERROR;
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancelled = static_cast<const std::atomic<bool>*>(user);
  return cancelled->load() ? 1 : 0;  // non-zero aborts the transfer
}

}  // namespace

CurlTransport::CurlTransport(std::string ca_bundle_pem, ClientCertificate client)
    : ca_bundle_pem_(std::move(ca_bundle_pem)), client_(std::move(client)) {
  // Not thread-safe in itself, hence once per process.
  static std::once_flag initialized;
  std::call_once(initialized, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("libcurl cannot be initialised");
    }
  });
}

CurlTransport::~CurlTransport() {
  for (CURL* handle : idle_) curl_easy_cleanup(handle);
}

CURL* CurlTransport::take_handle() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      CURL* handle = idle_.back();
      idle_.pop_back();
      curl_easy_reset(handle);  // forgets options, keeps live connections
      return handle;
    }
  }
  CURL* handle = curl_easy_init();
  if (handle == nullptr) throw std::bad_alloc();
  return handle;
}

void CurlTransport::return_handle(CURL* handle) {
  std::lock_guard lock(mutex_);
  idle_.push_back(handle);
}

Result<HttpResponse> CurlTransport::send(const HttpRequest& request, ByteSink* sink) {
  HttpResponse response;
  Exchange exchange{take_handle(), sink, &response, {}};
  CURL* handle = exchange.handle;
  char error_buffer[CURL_ERROR_SIZE] = "";

  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // required with threads
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, 15L);
  if (!request.may_idle) {
    // A transfer that stalls (under 1 KiB/s for a minute) fails instead of hanging a backup.
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, 60L);
  } else {
    // Nothing at all for that long: the peer is gone though the connection looks open.
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, HttpRequest::kIdleLimitSeconds);
  }
  curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
  if (!ca_bundle_pem_.empty()) {
    curl_blob blob{ca_bundle_pem_.data(), ca_bundle_pem_.size(), CURL_BLOB_COPY};
    curl_easy_setopt(handle, CURLOPT_CAINFO_BLOB, &blob);
  }
  if (!client_.certificate_pem.empty()) {
    curl_blob certificate{client_.certificate_pem.data(), client_.certificate_pem.size(),
                          CURL_BLOB_COPY};
    curl_blob key{client_.key_pem.data(), client_.key_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(handle, CURLOPT_SSLCERT_BLOB, &certificate);
    curl_easy_setopt(handle, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(handle, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(handle, CURLOPT_SSLKEYTYPE, "PEM");
  }
  if (request.timeout.count() > 0) {
    curl_easy_setopt(handle, CURLOPT_TIMEOUT, static_cast<long>(request.timeout.count()));
  }
  if (request.cancelled != nullptr) {
    curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(handle, CURLOPT_XFERINFODATA, request.cancelled);
    curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
  }
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &exchange);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &exchange);

  if (request.method == "HEAD") {
    curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  // A DELETE may carry options (Kubernetes' DeleteOptions).
  if (request.method == "PUT" || request.method == "POST" || request.method == "PATCH" ||
      (request.method == "DELETE" && !request.body.empty())) {
    // The body is in memory: handed over as is, with its exact Content-Length.
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    // Never null: curl would then read the body from stdin.
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.empty() ? "" : request.body.data());
  }

  std::unique_ptr<curl_slist, SlistDeleter> headers;
  bool has_content_type = false;
  for (const auto& [name, value] : request.headers) {
    std::string line = name + ": " + value;
    headers.reset(curl_slist_append(headers.release(), line.c_str()));
    if (ascii_lowercase(name) == "content-type") has_content_type = true;
  }
  // No "Expect: 100-continue" round trip, and no form content type made up by curl.
  headers.reset(curl_slist_append(headers.release(), "Expect:"));
  if (!has_content_type) headers.reset(curl_slist_append(headers.release(), "Content-Type:"));
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());

  CURLcode code = curl_easy_perform(handle);
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
  if (code != CURLE_OK) {
    response.status = 0;
    response.transport_error = curl_easy_strerror(code);
    // curl's detail, when it says more (e.g. which TLS check failed).
    std::string_view detail(error_buffer);
    if (!detail.empty() && detail.find(response.transport_error) == std::string_view::npos) {
      response.transport_error += std::string(" (") + error_buffer + ")";
    }
    response.certificate_problem = is_certificate_problem(code);
    if (exchange.too_large) {
      response.body.clear();
      response.transport_error = "the answer is larger than 64 MiB";
    }
  }
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, nullptr);  // the buffer dies with this frame
  return_handle(handle);

  if (!exchange.sink_result) return tl::unexpected(exchange.sink_result.error());
  return response;
}

}  // namespace mdbop
