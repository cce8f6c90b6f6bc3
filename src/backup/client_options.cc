#include "backup/client_options.h"

#include "util/files.h"

namespace mdbop {

Result<void> write_client_options(const std::filesystem::path& path, const std::string& socket,
                                  const std::string& root_password) {
  // Option files take quoted values with backslash escapes; quoting keeps '#' and spaces.
  std::string quoted = "\"";
  for (char c : root_password) {
    if (c == '\\' || c == '"') quoted += '\\';
    quoted += c;
  }
  quoted += '"';
  const std::string text = "[client]\nuser=root\npassword=" + quoted + "\nsocket=" + socket + "\n";
  auto written = write_file_atomic(path, text, 0600);
  if (!written) return tl::unexpected(written.error());
  return {};
}

}  // namespace mdbop
