#include "runtime/local/exporter_config.h"

#include <algorithm>

#include "api/metrics_schema.h"

namespace mdbop {

namespace {

bool has_control_character(const std::string& text) {
  return std::any_of(text.begin(), text.end(),
                     [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

}  // namespace

Result<std::string> exporter_option_file(const std::string& user, const std::string& password,
                                         const std::string& socket) {
  if (std::string problem = exporter_username_problem(user); !problem.empty()) {
    return fail("the exporter's user name " + problem);
  }
  if (has_control_character(password)) {
    return fail(
        "the exporter's password contains a control character; use printable characters only");
  }
  if (password.find('?') != std::string::npos) {
    return fail(
        "the exporter's password contains '?', which prometheus-mysqld-exporter cannot pass on "
        "to the server; use a password without it");
  }
  // The exporter builds "user:password@unix(socket)/?params" and splits it at the last '@'
  // and the first '(' and ')'.
  if (has_control_character(socket) || socket.find_first_of("@()?") != std::string::npos) {
    return fail("the node's socket " + socket +
                " holds a character ('@', '(', ')', '?' or a control character) that "
                "prometheus-mysqld-exporter cannot connect through; use another MDBOP_HOME");
  }
  // The exporter's ini reader takes a value between backquotes as it is, up to the last
  // backquote of the line: '#' and ';' would otherwise start a comment, and quotes be removed.
  return "[client]\nuser=" + user + "\npassword=`" + password + "`\nsocket=`" + socket + "`\n";
}

std::vector<std::string> exporter_arguments(const std::string& option_file,
                                            const std::string& address, int port) {
  return {"--config.my-cnf=" + option_file,
          "--web.listen-address=" + address + ":" + std::to_string(port)};
}

}  // namespace mdbop
