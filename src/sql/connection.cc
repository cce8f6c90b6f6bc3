#include "sql/connection.h"

#include <mysql.h>

#include <utility>

namespace mdbop {

namespace {

tl::unexpected<Error> sql_error(st_mysql* handle, const char* during) {
  return fail(std::string(during) + ": " + mysql_error(handle) + " (" +
              std::to_string(mysql_errno(handle)) + ")");
}

}  // namespace

Result<SqlConnection> SqlConnection::connect(const SqlEndpoint& endpoint) {
  st_mysql* handle = mysql_init(nullptr);
  if (handle == nullptr) return fail("mysql_init: out of memory");
  unsigned int timeout = static_cast<unsigned int>(endpoint.timeout.count());
  mysql_optionsv(handle, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_optionsv(handle, MYSQL_OPT_READ_TIMEOUT, &timeout);
  mysql_optionsv(handle, MYSQL_OPT_WRITE_TIMEOUT, &timeout);
  // The node may be a non-Primary Galera member; we still want to read its status.
  unsigned int protocol = endpoint.socket.empty() ? MYSQL_PROTOCOL_TCP : MYSQL_PROTOCOL_SOCKET;
  mysql_optionsv(handle, MYSQL_OPT_PROTOCOL, &protocol);
  const char* socket = endpoint.socket.empty() ? nullptr : endpoint.socket.c_str();
  // Connector/C uses the socket only for host "localhost"; any other host means TCP.
  const char* host = socket != nullptr ? "localhost" : endpoint.host.c_str();
  if (mysql_real_connect(handle, host, endpoint.user.c_str(), endpoint.password.c_str(), nullptr,
                         static_cast<unsigned int>(endpoint.port), socket,
                         CLIENT_MULTI_STATEMENTS) == nullptr) {
    auto error = sql_error(handle, "connect");
    mysql_close(handle);
    return error;
  }
  return SqlConnection(handle);
}

SqlConnection::SqlConnection(SqlConnection&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)) {}

SqlConnection& SqlConnection::operator=(SqlConnection&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) mysql_close(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

SqlConnection::~SqlConnection() {
  if (handle_ != nullptr) mysql_close(handle_);
}

Result<SqlRows> SqlConnection::query(const std::string& sql) {
  if (mysql_real_query(handle_, sql.data(), sql.size()) != 0) return sql_error(handle_, "query");
  SqlRows last;
  while (true) {
    MYSQL_RES* result = mysql_store_result(handle_);
    if (result != nullptr) {
      SqlRows rows;
      unsigned int fields = mysql_num_fields(result);
      MYSQL_FIELD* field_info = mysql_fetch_fields(result);
      for (unsigned int i = 0; i < fields; ++i) rows.columns.emplace_back(field_info[i].name);
      while (MYSQL_ROW row = mysql_fetch_row(result)) {
        unsigned long* lengths = mysql_fetch_lengths(result);
        std::vector<std::optional<std::string>> values;
        for (unsigned int i = 0; i < fields; ++i) {
          if (row[i] == nullptr) {
            values.emplace_back(std::nullopt);
          } else {
            values.emplace_back(std::string(row[i], lengths[i]));
          }
        }
        rows.rows.push_back(std::move(values));
      }
      mysql_free_result(result);
      last = std::move(rows);
    } else if (mysql_field_count(handle_) != 0) {
      return sql_error(handle_, "reading result");
    }
    int next = mysql_next_result(handle_);
    if (next > 0) return sql_error(handle_, "query");
    if (next < 0) break;
  }
  return last;
}

Result<bool> SqlConnection::execute(const std::string& sql) {
  auto rows = query(sql);
  if (!rows) return tl::unexpected(rows.error());
  return true;
}

Result<std::map<std::string, std::string>> SqlConnection::status(const std::string& pattern) {
  auto rows = query("SHOW GLOBAL STATUS LIKE " + quote(pattern));
  if (!rows) return tl::unexpected(rows.error());
  std::map<std::string, std::string> values;
  for (const auto& row : rows->rows) {
    if (row.size() == 2 && row[0] && row[1]) values[*row[0]] = *row[1];
  }
  return values;
}

std::string SqlConnection::quote(const std::string& value) {
  std::string escaped(value.size() * 2 + 1, '\0');
  unsigned long length =
      mysql_real_escape_string(handle_, escaped.data(), value.data(), value.size());
  escaped.resize(length);
  return "'" + escaped + "'";
}

}  // namespace mdbop
