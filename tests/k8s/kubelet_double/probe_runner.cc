#include "kubelet_double/probe_runner.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kubelet_double/probe_timing.h"
#include "util/subprocess.h"

namespace mdbop::kubelet {
namespace {

using json = nlohmann::json;

bool http_get(const json& handler, const ProbeTarget& target, std::chrono::seconds timeout) {
  auto port = probe_port(handler.value("port", json()), target.container);
  if (!port || handler.value("scheme", "HTTP") != "HTTP") {
    spdlog::warn("probe httpGet: the kubelet double speaks plain HTTP to a known port only");
    return false;
  }
  const std::string host = handler.value("host", target.pod_ip);
  HttpRequest request;
  request.method = "GET";
  request.url = "http://" + host + ":" + std::to_string(*port) + handler.value("path", "/");
  for (const json& header : handler.value("httpHeaders", json::array())) {
    request.headers.emplace_back(header.value("name", ""), header.value("value", ""));
  }
  request.timeout = timeout;
  auto response = target.http->send(request, nullptr);
  return response && response->status >= 200 && response->status < 400;
}

bool tcp_connect(const json& handler, const ProbeTarget& target, std::chrono::seconds timeout) {
  auto port = probe_port(handler.value("port", json()), target.container);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  if (!port ||
      ::inet_pton(AF_INET, handler.value("host", target.pod_ip).c_str(), &address.sin_addr) != 1) {
    return false;
  }
  address.sin_port = htons(static_cast<uint16_t>(*port));
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  if (!connected && errno == EINPROGRESS) {
    pollfd wait{fd, POLLOUT, 0};
    int error = 0;
    socklen_t size = sizeof error;
    connected = ::poll(&wait, 1, static_cast<int>(timeout.count() * 1000)) == 1 &&
                ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0 && error == 0;
  }
  ::close(fd);
  return connected;
}

bool exec_command(const json& handler, const ProbeTarget& target, std::chrono::seconds timeout) {
  std::vector<std::string> argv;
  for (const json& element : handler.value("command", json::array())) {
    argv.push_back(element.get<std::string>());
  }
  if (argv.empty()) return false;
  SubprocessOptions command;
  command.argv = resolve_command(argv, target.process.env, target.rules, target.mounts);
  command.extra_env = target.process.env;
  for (const auto& [name, value] : target.extra_env) command.extra_env[name] = value;
  command.working_dir = target.process.working_dir;
  command.timeout = timeout;
  auto result = run_process(command);
  return result && result->ok();
}

}  // namespace

bool run_probe(const json& probe, const ProbeTarget& target) {
  const std::chrono::seconds timeout = probe_timing(probe).timeout;
  if (auto handler = probe.find("httpGet"); handler != probe.end()) {
    return http_get(*handler, target, timeout);
  }
  if (auto handler = probe.find("tcpSocket"); handler != probe.end()) {
    return tcp_connect(*handler, target, timeout);
  }
  if (auto handler = probe.find("exec"); handler != probe.end()) {
    return exec_command(*handler, target, timeout);
  }
  spdlog::warn("probe: the kubelet double runs httpGet, tcpSocket and exec handlers only");
  return false;
}

}  // namespace mdbop::kubelet
