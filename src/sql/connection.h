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

// A SQL session on one server, as the controllers use it; SqlConnection is the real one.
class SqlSession {
 public:
  virtual ~SqlSession() = default;
  // Runs one or more statements; returns the rows of the last result set (empty if none).
  virtual Result<SqlRows> query(const std::string& sql) = 0;
  virtual Result<bool> execute(const std::string& sql) = 0;
  // SHOW GLOBAL STATUS LIKE `pattern` as name -> value.
  virtual Result<std::map<std::string, std::string>> status(const std::string& pattern) = 0;
  // Quotes a string literal for SQL ('...' with escapes) using the session's charset.
  virtual std::string quote(const std::string& value) = 0;
};

class SqlConnection : public SqlSession {
 public:
  static Result<SqlConnection> connect(const SqlEndpoint& endpoint);

  SqlConnection(SqlConnection&& other) noexcept;
  SqlConnection& operator=(SqlConnection&& other) noexcept;
  SqlConnection(const SqlConnection&) = delete;
  SqlConnection& operator=(const SqlConnection&) = delete;
  ~SqlConnection() override;

  Result<SqlRows> query(const std::string& sql) override;
  Result<bool> execute(const std::string& sql) override;
  Result<std::map<std::string, std::string>> status(const std::string& pattern) override;
  std::string quote(const std::string& value) override;

  // The libmariadb handle, for sql/'s protocols beyond queries (the binary-log stream).
  st_mysql* native_handle() { return handle_; }

 private:
  explicit SqlConnection(st_mysql* handle) : handle_(handle) {}
  st_mysql* handle_ = nullptr;
};

}  // namespace mdbop
