// Users and grants for a logical backup, as CREATE USER IF NOT EXISTS and GRANT statements.
// mariadb-dump would copy the mysql.* tables (Aria: Galera does not replicate them) or, with
// --system=users, reset root's password to the source's and lock the operator out. Statements
// replicate through Galera and leave the target's own root and system accounts alone.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sql/connection.h"
#include "util/result.h"

namespace mdbop {

struct AccountDefinition {
  std::string user;
  std::string host;                 // empty for a role
  std::string create_statement;     // SHOW CREATE USER output; empty for a role
  std::vector<std::string> grants;  // SHOW GRANTS FOR output
};

// Accounts the restored server keeps its own of: root, and MariaDB's internal accounts.
bool is_system_account(const std::string& user);

// The comment that begins the accounts part (and so a dump without databases).
inline constexpr std::string_view kAccountsComment = "-- Accounts (mdbop)";

// The SQL text that recreates `accounts` without touching existing ones.
std::string accounts_sql(const std::vector<AccountDefinition>& accounts);

// Reads every non-system user and role of the server.
Result<std::vector<AccountDefinition>> read_accounts(SqlConnection& connection);

}  // namespace mdbop
