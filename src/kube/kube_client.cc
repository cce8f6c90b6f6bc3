#include "kube/kube_client.h"

#include <spdlog/fmt/fmt.h>

#include <chrono>

#include "util/json_text.h"
#include "util/time_text.h"
#include "util/uri_encode.h"

namespace mdbop {

namespace {

constexpr std::size_t kMaxWatchLine = 64u << 20;
constexpr std::chrono::seconds kRequestTimeout{30};

// Splits a watch's body into lines and hands each, parsed, to the watcher.
class WatchLineSink : public ByteSink {
 public:
  explicit WatchLineSink(const std::function<Result<void>(json event)>& on_event)
      : on_event_(on_event) {}

  Result<void> write(std::string_view bytes) override {
    while (!bytes.empty()) {
      const std::size_t end = bytes.find('\n');
      line_.append(bytes.substr(0, end));
      if (line_.size() > kMaxWatchLine) {
        return fail(ErrorCode::kCorrupt, "a watch event is larger than 64 MiB");
      }
      if (end == std::string_view::npos) break;
      bytes.remove_prefix(end + 1);
      if (auto handled = deliver(); !handled) return handled;
    }
    return {};
  }

  Result<void> finish() override { return line_.empty() ? Result<void>() : deliver(); }

 private:
  Result<void> deliver() {
    std::string line = std::move(line_);
    line_.clear();
    if (line.find_first_not_of(" \t\r") == std::string::npos) return {};
    json event = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (event.is_discarded() || !event.is_object()) {
      return fail(ErrorCode::kCorrupt, "the API server sent a watch event that is not JSON");
    }
    return on_event_(std::move(event));
  }

  const std::function<Result<void>(json event)>& on_event_;
  std::string line_;
};

}  // namespace

std::string kube_micro_time_now() {
  const auto now = std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now());
  const auto seconds = std::chrono::floor<std::chrono::seconds>(now);
  std::string text = format_rfc3339(seconds);  // "...T07:00:00Z"
  text.insert(text.size() - 1, fmt::format(".{:06d}", (now - seconds).count()));
  return text;
}

std::string api_path(const ApiResource& resource, const std::string& namespace_,
                     const std::string& name, const std::string& subresource) {
  std::string path = resource.api_version == "v1" ? "/api/v1" : "/apis/" + resource.api_version;
  if (!namespace_.empty()) path += "/namespaces/" + uri_encode(namespace_, false);
  path += "/" + uri_encode(resource.plural, false);
  if (!name.empty()) path += "/" + uri_encode(name, false);
  if (!subresource.empty()) path += "/" + uri_encode(subresource, false);
  return path;
}

std::string api_query(const std::vector<std::pair<std::string, std::string>>& parameters) {
  std::string query;
  for (const auto& [name, value] : parameters) {
    query += (query.empty() ? "?" : "&") + uri_encode(name, false) + "=" + uri_encode(value, false);
  }
  return query;
}

Error api_error(long status, const json& body, const std::string& transport_error) {
  if (status == 0) {
    return Error{
        "the API server cannot be reached: " + transport_error, {}, ErrorCode::kUnavailable};
  }
  std::string message = body.is_object() && body.value("message", json()).is_string()
                            ? body["message"].get<std::string>()
                            : "the API server answered " + std::to_string(status);
  std::string field;
  if (body.is_object() && body.contains("details") && body["details"].is_object()) {
    const json& causes = body["details"].value("causes", json::array());
    if (causes.is_array() && !causes.empty() && causes[0].is_object() &&
        causes[0].value("field", json()).is_string()) {
      field = causes[0]["field"];
    }
  }
  ErrorCode code = ErrorCode::kUnknown;
  if (status == 404) {
    code = ErrorCode::kNotFound;
    message = "not found";
  } else if (status == 409 || status == 410) {  // 410: a resource version too old to watch from
    code = ErrorCode::kConflict;
  } else if (status == 400 || status == 422) {
    code = ErrorCode::kInvalid;
  } else if (status == 429 || status >= 500) {
    code = ErrorCode::kUnavailable;
  } else if (status == 401 || status == 403) {
    message = "the API server refused mdbop (" + std::to_string(status) + "): " + message;
  }
  return Error{message, field, code};
}

KubeClient::KubeClient(KubeConfig config, std::shared_ptr<HttpTransport> transport)
    : config_(std::move(config)), transport_(std::move(transport)) {}

Result<HttpResponse> KubeClient::send(const std::string& method, const std::string& path,
                                      const std::string& body, const std::string& content_type,
                                      ByteSink* sink, const std::atomic<bool>* cancelled) const {
  auto token = current_token(config_);
  if (!token) return tl::unexpected(token.error());
  HttpRequest request;
  request.method = method;
  request.url = config_.server + path;
  request.headers.emplace_back("Accept", "application/json");
  if (!token->empty()) request.headers.emplace_back("Authorization", "Bearer " + *token);
  if (!content_type.empty()) request.headers.emplace_back("Content-Type", content_type);
  request.body = body;
  request.may_idle = sink != nullptr;
  request.cancelled = cancelled;
  // A request that hangs (a half-open connection) fails instead of holding a caller: small
  // requests within kRequestTimeout, a watch a little after the end the server was asked for.
  request.timeout = sink != nullptr ? kWatchSeconds + std::chrono::seconds(30) : kRequestTimeout;
  return transport_->send(request, sink);
}

Result<json> KubeClient::exchange(const std::string& method, const std::string& path,
                                  const json* body, const std::string& content_type) const {
  const std::string text = body != nullptr ? json_text(*body) : std::string();
  auto response = send(method, path, text, content_type, nullptr, nullptr);
  if (!response) return tl::unexpected(response.error());
  json answer = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (response->status < 200 || response->status >= 300) {
    return tl::unexpected(api_error(response->status, answer, response->transport_error));
  }
  // Every answer of the API is an object; callers read it as one.
  if (answer.is_discarded() || !answer.is_object()) {
    return fail(ErrorCode::kCorrupt,
                "the API server's answer to " + method + " " + path + " is not a JSON object");
  }
  return answer;
}

Result<json> KubeClient::get(const std::string& path) const {
  return exchange("GET", path, nullptr, "");
}

Result<json> KubeClient::create(const std::string& path, const json& object) const {
  return exchange("POST", path, &object, "application/json");
}

Result<json> KubeClient::replace(const std::string& path, const json& object) const {
  return exchange("PUT", path, &object, "application/json");
}

Result<json> KubeClient::patch(const std::string& path, const json& patch, PatchType type) const {
  // A server-side apply names its field manager and takes the fields from other managers.
  if (type == PatchType::kApply) {
    return exchange("PATCH", path + api_query({{"fieldManager", "mdbop"}, {"force", "true"}}),
                    &patch, "application/apply-patch+yaml");
  }
  return exchange("PATCH", path, &patch, "application/merge-patch+json");
}

Result<json> KubeClient::remove(const std::string& path) const {
  return exchange("DELETE", path, nullptr, "");
}

Result<json> KubeClient::remove(const std::string& path, const json& options) const {
  return exchange("DELETE", path, &options, "application/json");
}

Result<void> KubeClient::watch(const std::string& path_and_query,
                               const std::function<Result<void>(json event)>& on_event,
                               const std::atomic<bool>* cancelled) const {
  WatchLineSink lines(on_event);
  auto response = send("GET", path_and_query, "", "", &lines, cancelled);
  if (!response) return tl::unexpected(response.error());
  if (response->status < 200 || response->status >= 300) {
    json answer = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
    return tl::unexpected(api_error(response->status, answer, response->transport_error));
  }
  return lines.finish();
}

}  // namespace mdbop
