#include "backup/logical_users.h"

namespace mdbop {
namespace {

std::string backquote(const std::string& name) {
  std::string quoted = "`";
  for (char c : name) {
    if (c == '`') quoted += '`';
    quoted += c;
  }
  return quoted + "`";
}

std::string account_name(const AccountDefinition& a) {
  return a.host.empty() ? backquote(a.user) : backquote(a.user) + "@" + backquote(a.host);
}

}  // namespace

bool is_system_account(const std::string& user) {
  return user == "root" || user == "mariadb.sys" || user == "mysql" || user == "PUBLIC" ||
         user.empty();
}

std::string accounts_sql(const std::vector<AccountDefinition>& accounts) {
  std::string sql =
      "\n" + std::string(kAccountsComment) + ": created when missing, existing ones are kept.\n";
  // Roles first: a user's grants may name them.
  for (const AccountDefinition& a : accounts) {
    if (a.host.empty()) sql += "CREATE ROLE IF NOT EXISTS " + backquote(a.user) + ";\n";
  }
  for (const AccountDefinition& a : accounts) {
    if (a.host.empty()) continue;
    const std::string prefix = "CREATE USER ";
    std::string create = a.create_statement;
    if (create.starts_with(prefix)) {
      create.insert(prefix.size(), "IF NOT EXISTS ");
    } else {
      create = "CREATE USER IF NOT EXISTS " + account_name(a);
    }
    sql += create + ";\n";
  }
  for (const AccountDefinition& a : accounts) {
    for (const std::string& grant : a.grants) sql += grant + ";\n";
  }
  return sql;
}

Result<std::vector<AccountDefinition>> read_accounts(SqlConnection& connection) {
  auto rows = connection.query("SELECT User, Host, is_role FROM mysql.user ORDER BY User, Host");
  if (!rows) return tl::unexpected(rows.error());
  std::vector<AccountDefinition> accounts;
  for (const auto& row : rows->rows) {
    if (!row[0] || is_system_account(*row[0])) continue;
    AccountDefinition a;
    a.user = *row[0];
    const bool role = row[2] && *row[2] == "Y";
    if (!role) {
      a.host = row[1].value_or("");
      auto created = connection.query("SHOW CREATE USER " + account_name(a));
      if (!created) return tl::unexpected(created.error());
      if (!created->rows.empty() && created->rows[0][0]) a.create_statement = *created->rows[0][0];
    }
    auto grants = connection.query("SHOW GRANTS FOR " + account_name(a));
    if (!grants) return tl::unexpected(grants.error());
    for (const auto& grant : grants->rows) {
      if (grant[0]) a.grants.push_back(*grant[0]);
    }
    accounts.push_back(std::move(a));
  }
  return accounts;
}

}  // namespace mdbop
