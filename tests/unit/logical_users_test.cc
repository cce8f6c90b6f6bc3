#include "backup/logical_users.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

TEST(LogicalUsersTest, UsersAreCreatedOnlyWhenMissingAndRolesFirst) {
  std::vector<AccountDefinition> accounts = {
      {"app",
       "%",
       "CREATE USER `app`@`%` IDENTIFIED BY PASSWORD '*D8218'",
       {"GRANT USAGE ON *.* TO `app`@`%`", "GRANT `reader` TO `app`@`%`"}},
      {"reader", "", "", {"GRANT SELECT ON `shop`.* TO `reader`"}},
  };
  const std::string sql = accounts_sql(accounts);
  const size_t role = sql.find("CREATE ROLE IF NOT EXISTS `reader`;");
  const size_t user =
      sql.find("CREATE USER IF NOT EXISTS `app`@`%` IDENTIFIED BY PASSWORD '*D8218';");
  const size_t grant = sql.find("GRANT `reader` TO `app`@`%`;");
  ASSERT_NE(role, std::string::npos) << sql;
  ASSERT_NE(user, std::string::npos) << sql;
  ASSERT_NE(grant, std::string::npos) << sql;
  EXPECT_LT(role, user);
  EXPECT_LT(user, grant);
  EXPECT_NE(sql.find("GRANT SELECT ON `shop`.* TO `reader`;"), std::string::npos);
}

TEST(LogicalUsersTest, RootAndInternalAccountsAreTheTargetsOwn) {
  for (const char* user : {"root", "mariadb.sys", "mysql", "PUBLIC", ""}) {
    EXPECT_TRUE(is_system_account(user)) << user;
  }
  EXPECT_FALSE(is_system_account("app"));
  EXPECT_FALSE(is_system_account("rooted"));
}

}  // namespace
}  // namespace mdbop
