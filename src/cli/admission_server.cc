#include "cli/admission_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "api/admission.h"
#include "util/json_text.h"

namespace mdbop {

namespace {

// An AdmissionReview holds an object and its old version: each at most what etcd keeps
// (1.5 MiB by default), with room to spare.
constexpr std::size_t kMaxReview = 8u << 20;

}  // namespace

Result<std::unique_ptr<AdmissionServer>> AdmissionServer::start(const std::string& certificate_file,
                                                                const std::string& key_file,
                                                                const std::string& host, int port) {
  auto server = std::make_unique<httplib::SSLServer>(certificate_file.c_str(), key_file.c_str());
  if (!server->is_valid()) return fail("the webhook's certificate or key cannot be read");
  server->set_payload_max_length(kMaxReview);
  server->set_read_timeout(std::chrono::seconds(30));
  server->Post("/validate", [](const httplib::Request& request, httplib::Response& response) {
    const nlohmann::json review = nlohmann::json::parse(request.body, nullptr, false);
    auto answer = review_admission(review);
    if (!answer) {
      response.status = 400;
      response.set_content(answer.error().what() + "\n", "text/plain");
      return;
    }
    response.set_content(json_text(*answer), "application/json");
  });
  if (!server->bind_to_port(host, port)) {
    return fail(ErrorCode::kUnavailable, "--webhook-bind-address " + host + ":" +
                                             std::to_string(port) +
                                             ": cannot listen there (is another program using "
                                             "that port?)");
  }
  std::unique_ptr<AdmissionServer> started(new AdmissionServer(std::move(server)));
  return started;
}

AdmissionServer::AdmissionServer(std::unique_ptr<httplib::SSLServer> server)
    : server_(std::move(server)) {
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

AdmissionServer::~AdmissionServer() {
  // httplib's stop() does nothing before its loop runs: the loop is waited for (briefly) first.
  for (int waited = 0; waited < 500 && !server_->is_running(); ++waited) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  server_->stop();
  thread_.join();
}

}  // namespace mdbop
