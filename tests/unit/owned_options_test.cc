#include "galera/owned_options.h"

#include <gtest/gtest.h>

#include <sstream>

#include "galera/node_config.h"

namespace mdbop {
namespace {

MariaDBSpec galera_spec() {
  MariaDBSpec spec;
  spec.replicas = 3;
  spec.galera_enabled = true;
  return spec;
}

std::vector<std::string> names(const std::vector<OwnedOptionSet>& set) {
  std::vector<std::string> out;
  for (const OwnedOptionSet& s : set) out.push_back(s.option);
  return out;
}

TEST(OwnedOptions, NamesCompareAsMariadbdComparesThem) {
  const std::string my_cnf =
      "[mysqld]\n"
      "Log-Bin = other\n"
      "[galera]\n"
      "loose-log_slave_updates=OFF\n"
      "[server]\n"
      "skip-log-bin\n"  // the last setting of log_bin counts; it is named once
      "[mariadb-10.11]\n"
      "GTID-DOMAIN-ID=7\n"
      "[mariadbd]\n"
      "disable-wsrep-gtid-mode\n"
      "log_replica_updates=0\n";
  const auto set = owned_options_set_in(my_cnf, galera_spec());
  EXPECT_EQ(names(set), (std::vector<std::string>{"log_bin", "log_slave_updates", "gtid_domain_id",
                                                  "wsrep_gtid_mode"}));
  ASSERT_EQ(set.size(), 4u);
  EXPECT_EQ(set[0].ours, "mariadb-bin");
  EXPECT_NE(set[0].why.find("point-in-time recovery"), std::string::npos) << set[0].why;
  EXPECT_EQ(set[1].ours, "ON");
  EXPECT_EQ(set[2].ours, "1000 + the pod's index");
  EXPECT_NE(set[3].why.find("GTID"), std::string::npos) << set[3].why;
}

TEST(OwnedOptions, TheValueMdbopUsesAnywaySetsNothing) {
  const std::string my_cnf =
      "[mariadb]\n"
      "log_bin=mariadb-bin\n"
      "log-slave-updates\n"
      "enable-wsrep-gtid-mode\n"
      "wsrep_on = \"1\"  \n"
      "wsrep_sst_method=mariabackup # as spec.galera.sst says\n"
      "max_connections=100\n";
  EXPECT_TRUE(owned_options_set_in(my_cnf, galera_spec()).empty());
}

TEST(OwnedOptions, OnlyTheGroupsMariadbdReadsCount) {
  const std::string my_cnf =
      "[client]\nport=3307\n"
      "[sst]\nsocket=/tmp/x\n"
      "[mysqld_safe]\nlog_bin=OFF\n"
      "# log_bin=OFF\n"
      "[mariadbd]\n"
      "; port=1\n"
      "!includedir /etc/mysql/conf.d\n"
      "maximum-gtid-domain-id=10\n";
  EXPECT_TRUE(owned_options_set_in(my_cnf, galera_spec()).empty());
}

TEST(OwnedOptions, AnSstSockoptIsReplacedAndSaidSoWithGalera) {
  const std::string my_cnf = "[sst]\nsockopt=pf=ip6\n[mariadb]\nmax_connections=10\n";
  EXPECT_EQ(names(owned_options_set_in(my_cnf, galera_spec())),
            (std::vector<std::string>{"[sst] sockopt"}));
  EXPECT_TRUE(owned_options_set_in(my_cnf, MariaDBSpec{}).empty());
  // Not in [sst], it is no SST script's.
  EXPECT_TRUE(owned_options_set_in("[mariadb]\nsockopt=x\n", galera_spec()).empty());
}

TEST(OwnedOptions, WsrepOptionsAreOwnedOnlyWithGalera) {
  const std::string my_cnf = "[mariadb]\nwsrep_on=OFF\nwsrep_slave_threads=4\nlog_bin=OFF\n";
  MariaDBSpec standalone;
  EXPECT_EQ(names(owned_options_set_in(my_cnf, standalone)), (std::vector<std::string>{"log_bin"}));
  MariaDBSpec galera = galera_spec();
  galera.replica_threads = 4;  // spec.galera.replicaThreads says the same
  EXPECT_EQ(names(owned_options_set_in(my_cnf, galera)),
            (std::vector<std::string>{"wsrep_on", "log_bin"}));
}

// Every option render_node_config writes after myCnf is one a myCnf is told about.
TEST(OwnedOptions, EveryOptionRenderedAfterMyCnfIsOwned) {
  const MariaDBSpec spec = galera_spec();
  NodeConfigInput input;
  input.spec = &spec;
  input.self.id = {"default", "g", 0};
  input.members = {input.self};
  const std::string rendered = render_node_config(input).content;
  std::istringstream lines(rendered.substr(rendered.find("# Owned by mdbop's runtime")));
  std::string group;
  int checked = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("[")) group = line;
    const size_t equals = line.find('=');
    if (group != "[mariadbd]" || equals == std::string::npos) continue;
    const std::string option = line.substr(0, equals);
    EXPECT_EQ(names(owned_options_set_in("[mariadbd]\n" + option + "=something-else\n", spec)),
              std::vector<std::string>{option});
    ++checked;
  }
  EXPECT_GE(checked, 20);
}

}  // namespace
}  // namespace mdbop
