// SqlConnection: a libmariadb client session. Passwords go through the API, never argv.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/result.h"

struct st_mysql;

namespace mdbop {

struct SqlEndpoint {
  std::string socket;  // preferred when set
  std::string host = "127.0.0.1";
  int port = 0;
  std::string user = "root";
  std::string password;
  std::chrono::seconds timeout{3};  // connect, read and write timeout
};

struct SqlRows {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;  // nullopt is SQL NULL
};

class SqlConnection {
 public:
  static Result<SqlConnection> connect(const SqlEndpoint& endpoint);

  SqlConnection(SqlConnection&& other) noexcept;
  SqlConnection& operator=(SqlConnection&& other) noexcept;
  SqlConnection(const SqlConnection&) = delete;
  SqlConnection& operator=(const SqlConnection&) = delete;
  ~SqlConnection();

  // Runs one or more statements; returns the rows of the last result set (empty if none).
  Result<SqlRows> query(const std::string& sql);
  Result<bool> execute(const std::string& sql);
  // SHOW GLOBAL STATUS LIKE `pattern` as name -> value.
  Result<std::map<std::string, std::string>> status(const std::string& pattern);
  // Quotes a string literal for SQL ('...' with escapes) using the connection's charset.
  std::string quote(const std::string& value);

 private:
  explicit SqlConnection(st_mysql* handle) : handle_(handle) {}
  st_mysql* handle_ = nullptr;
};

}  // namespace mdbop
