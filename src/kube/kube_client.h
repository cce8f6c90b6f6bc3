// KubeClient: JSON requests to the Kubernetes API server, and its watch streams, over an
// HttpTransport. Paths are the API's own ("/apis/k8s.mariadb.com/v1alpha1/namespaces/x/mariadbs");
// api_path() builds them from names that are encoded, never pasted.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "kube/kube_config.h"
#include "util/http_transport.h"
#include "util/result.h"

namespace mdbop {

using json = nlohmann::json;

// How long the API server is asked to keep a watch open (timeoutSeconds).
inline constexpr std::chrono::seconds kWatchSeconds{300};

// A resource type as the API names it.
struct ApiResource {
  std::string api_version;  // "v1", "k8s.mariadb.com/v1alpha1"
  std::string plural;       // "mariadbs"
};

// The path of a collection (name empty) or of one object, optionally a subresource of it;
// namespace_ empty means every namespace. Each part is percent-encoded.
std::string api_path(const ApiResource& resource, const std::string& namespace_,
                     const std::string& name = "", const std::string& subresource = "");

// "?a=b&c=d" with each name and value percent-encoded; empty for no parameters.
std::string api_query(const std::vector<std::pair<std::string, std::string>>& parameters);

// What a failed request means: 404 kNotFound, 409 kConflict (a stale resourceVersion or an
// existing name) and 410 kConflict (a resource version too old to watch from), 422 kInvalid (with
// the first field the API server names), 0 or 5xx kUnavailable; the message is the API server's.
Error api_error(long status, const json& body, const std::string& transport_error);

// Now as a MicroTime ("2026-12-03T07:00:00.123456Z"), as Events and Leases take it.
std::string kube_micro_time_now();

enum class PatchType { kMerge, kApply };

class KubeClient {
 public:
  KubeClient(KubeConfig config, std::shared_ptr<HttpTransport> transport);

  // Each answer is a JSON object (anything else fails with kCorrupt).
  Result<json> get(const std::string& path) const;
  Result<json> create(const std::string& path, const json& object) const;
  // Replaces an object; kConflict when its metadata.resourceVersion is not the stored one.
  Result<json> replace(const std::string& path, const json& object) const;
  Result<json> patch(const std::string& path, const json& patch, PatchType type) const;
  // The object as it is after the request (deletionTimestamp set when finalizers hold it), or
  // the API server's Status when it is gone.
  Result<json> remove(const std::string& path) const;
  // As remove(), with DeleteOptions (gracePeriodSeconds, preconditions, propagationPolicy).
  Result<json> remove(const std::string& path, const json& options) const;

  // Streams a watch (`path_and_query` has watch=1): each event goes to on_event, one JSON
  // object per line, until the server ends the stream (success), on_event fails, the request
  // fails, or `cancelled` becomes true. A line over 64 MiB fails the watch.
  Result<void> watch(const std::string& path_and_query,
                     const std::function<Result<void>(json event)>& on_event,
                     const std::atomic<bool>* cancelled) const;

  const KubeConfig& config() const { return config_; }

 private:
  Result<HttpResponse> send(const std::string& method, const std::string& path,
                            const std::string& body, const std::string& content_type,
                            ByteSink* sink, const std::atomic<bool>* cancelled) const;
  Result<json> exchange(const std::string& method, const std::string& path, const json* body,
                        const std::string& content_type) const;

  KubeConfig config_;
  std::shared_ptr<HttpTransport> transport_;
};

}  // namespace mdbop
