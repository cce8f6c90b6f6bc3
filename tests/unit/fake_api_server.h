// A fake Kubernetes API server behind the HTTP transport, for the unit tests of what talks to
// one (KubeStore, LeaderElection): a handler scripts the answers; every request is recorded.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "util/http_transport.h"

namespace mdbop {

// Answers each request with the handler's answer; a watch whose handler has nothing to say
// stays open until the client cancels it, as a quiet watch does (any other request fails).
class FakeApiServer : public HttpTransport {
 public:
  struct Answer {
    long status = 200;
    std::string body;
  };
  using Handler = std::function<std::optional<Answer>(const HttpRequest&)>;

  explicit FakeApiServer(Handler handler) : handler_(std::move(handler)) {}

  Result<HttpResponse> send(const HttpRequest& request, ByteSink* sink) override {
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request.method + " " + request.url.substr(kServer.size()) +
                          (request.body.empty() ? "" : " " + std::string(request.body)));
    }
    std::optional<Answer> answer = handler_(request);
    HttpResponse response;
    // Only a watch may stay open; any other request the script has no answer for fails.
    if (!answer && request.url.find("watch=1") == std::string::npos) {
      answer = Answer{500, R"({"message":"the test's script has no answer"})"};
    }
    if (!answer) {
      while (request.cancelled == nullptr || !request.cancelled->load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      response.transport_error = "Callback aborted";
      return response;
    }
    response.status = answer->status;
    if (sink != nullptr && answer->status == 200) {
      if (auto written = sink->write(answer->body); !written)
        return tl::unexpected(written.error());
    } else {
      response.body = answer->body;
    }
    return response;
  }

  std::vector<std::string> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  static inline const std::string kServer = "https://api.test:6443";

 private:
  Handler handler_;
  std::mutex mutex_;
  std::vector<std::string> requests_;
};

}  // namespace mdbop
