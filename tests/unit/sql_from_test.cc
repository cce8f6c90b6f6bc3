// `mdbop sql` takes its SQL from -e or, without it, from standard input (out of the process
// list).
#include <gtest/gtest.h>

#include <sstream>

#include "cli/commands.h"

namespace mdbop {
namespace {

TEST(SqlFrom, ExecuteWinsOverStandardInput) {
  std::istringstream input("SELECT 2");
  EXPECT_EQ(sql_from("SELECT 1", input).value_or("?"), "SELECT 1");
}

TEST(SqlFrom, StandardInputWithoutExecute) {
  std::istringstream input("CREATE USER app IDENTIFIED BY 'pw';\nGRANT ALL ON app.* TO app;\n");
  EXPECT_EQ(sql_from(std::nullopt, input).value_or("?"), input.str());
}

TEST(SqlFrom, BlankSqlIsRefused) {
  std::istringstream input(" \n\t");
  auto from_input = sql_from(std::nullopt, input);
  ASSERT_FALSE(from_input);
  EXPECT_EQ(from_input.error().what(),
            "no SQL given: pass -e SQL or give the SQL on standard input");
  std::istringstream unused;
  EXPECT_FALSE(sql_from("", unused));
}

}  // namespace
}  // namespace mdbop
