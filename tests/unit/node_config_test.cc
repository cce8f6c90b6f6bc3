#include "galera/node_config.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

NodeLayout layout(int index, int first_port) {
  NodeLayout node;
  node.id = {"default", "g", index};
  node.ports = {first_port, first_port + 1, first_port + 2, first_port + 3};
  node.data_dir = "/home/g-" + std::to_string(index) + "/data";
  node.config_file = "/home/g-" + std::to_string(index) + "/my.cnf";
  node.socket = "/home/g-" + std::to_string(index) + "/mysqld.sock";
  node.error_log = "/home/g-" + std::to_string(index) + "/error.log";
  node.pid_file = "/home/g-" + std::to_string(index) + "/mariadbd.pid";
  node.files_dir = "/home/g-" + std::to_string(index) + "/files";
  node.tls = {"/home/g-" + std::to_string(index) + "/tls/node.crt",
              "/home/g-" + std::to_string(index) + "/tls/node.key", "/home/ca.crt"};
  return node;
}

NodeConfigInput input_for(const MariaDBSpec& spec, int index) {
  NodeConfigInput input;
  input.spec = &spec;
  input.members = {layout(0, 100), layout(1, 200), layout(2, 300)};
  input.self = input.members[static_cast<size_t>(index)];
  input.cluster_name = "default-g";
  input.sst_password = "pw";
  return input;
}

MariaDBSpec galera_spec() {
  MariaDBSpec spec;
  spec.replicas = 3;
  spec.galera_enabled = true;
  return spec;
}

TEST(NodeConfig, RendersAddressesOwnedByTheRuntimeAfterTheUsersMyCnf) {
  MariaDBSpec spec = galera_spec();
  NodeConfigInput input = input_for(spec, 1);
  input.my_cnf = "[mariadb]\nbind-address=*\nport=3306\n";
  std::string content = render_node_config(input).content;
  EXPECT_LT(content.find("bind-address=*"), content.find("bind_address=127.0.0.1"));
  EXPECT_LT(content.find("port=3306"), content.find("port=200\n"));
  EXPECT_NE(content.find("wsrep_cluster_address=gcomm://127.0.0.1:101,127.0.0.1:201,127.0.0.1:301"),
            std::string::npos);
  EXPECT_NE(content.find("gmcast.listen_addr=ssl://127.0.0.1:201"), std::string::npos);
  EXPECT_NE(content.find("ist.recv_addr=127.0.0.1:202"), std::string::npos);
  EXPECT_NE(content.find("wsrep_sst_receive_address=127.0.0.1:203"), std::string::npos);
  EXPECT_NE(content.find("gcache.recover=yes"), std::string::npos);
  EXPECT_NE(content.find("evs.join_retrans_period=PT0.2S"), std::string::npos);
  EXPECT_NE(content.find("evs.keepalive_period=PT0.2S"), std::string::npos);
  EXPECT_NE(content.find("wsrep_node_name=g-1"), std::string::npos);
  EXPECT_NE(content.find("secure_file_priv=/home/g-1/files\n"), std::string::npos);
}

TEST(NodeConfig, NodeTrafficIsAlwaysTlsWithTheInstallationsCertificates) {
  MariaDBSpec spec = galera_spec();
  // Not even the MariaDB's owner turns it off or swaps in other certificates.
  spec.provider_options = {{"socket.ssl_ca", "/tmp/other-ca.crt"},
                           {"socket.ssl_cert", "/tmp/other.crt"}};
  NodeConfigInput input = input_for(spec, 1);
  input.my_cnf = "[sst]\nencrypt=0\n";
  std::string content = render_node_config(input).content;
  EXPECT_NE(content.find("socket.ssl_cert=/home/g-1/tls/node.crt;"), std::string::npos);
  EXPECT_NE(content.find("socket.ssl_key=/home/g-1/tls/node.key\""), std::string::npos);
  EXPECT_NE(content.find("socket.ssl_ca=/home/ca.crt;"), std::string::npos);
  EXPECT_EQ(content.find("/tmp/other"), std::string::npos);
  // The SST section comes after the user's, verifies the peer against the CA, and receives on
  // the node's address only.
  const size_t sst = content.rfind(
      "[sst]\nencrypt=3\nssl-mode=VERIFY_CA\ntca=/home/ca.crt\n"
      "tcert=/home/g-1/tls/node.crt\ntkey=/home/g-1/tls/node.key\nsockopt=bind=127.0.0.1\n");
  ASSERT_NE(sst, std::string::npos);
  EXPECT_LT(content.find("encrypt=0"), sst);
  // What follows it is the server's section again.
  EXPECT_NE(content.find("[mariadbd]", sst), std::string::npos);
  EXPECT_LT(sst, content.find("wsrep_cluster_address="));
}

TEST(NodeConfig, UserProviderOptionsOverrideDefaultsButNotAddresses) {
  MariaDBSpec spec = galera_spec();
  spec.provider_options = {{"gcache.size", "1G"},
                           {"evs.join_retrans_period", "PT1S"},
                           {"gmcast.listen_addr", "tcp://0.0.0.0:4567"}};
  std::string content = render_node_config(input_for(spec, 0)).content;
  EXPECT_NE(content.find("gcache.size=1G"), std::string::npos);
  EXPECT_EQ(content.find("gcache.size=256M"), std::string::npos);
  EXPECT_NE(content.find("evs.join_retrans_period=PT1S"), std::string::npos);
  EXPECT_EQ(content.find("evs.join_retrans_period=PT0.2S"), std::string::npos);
  EXPECT_NE(content.find("gmcast.listen_addr=ssl://127.0.0.1:101"), std::string::npos);
  EXPECT_EQ(content.find("0.0.0.0:4567"), std::string::npos);
}

TEST(NodeConfig, RolloutHashFollowsTheSpecOnly) {
  // It takes neither ports, members nor the SST password: status.configHashes must not let
  // anyone test guesses of the root password offline.
  MariaDBSpec spec = galera_spec();
  std::string hash = rollout_hash(spec, "");

  EXPECT_NE(rollout_hash(spec, "[mariadb]\nmax_connections=222\n"), hash);

  MariaDBSpec threads = spec;
  threads.replica_threads = 4;
  EXPECT_NE(rollout_hash(threads, ""), hash);

  MariaDBSpec options = spec;
  options.provider_options["gcache.size"] = "1G";
  EXPECT_NE(rollout_hash(options, ""), hash);
}

TEST(NodeConfig, EveryNodeKeepsBinaryLogsWithTheClustersGtids) {
  MariaDBSpec spec = galera_spec();
  NodeConfigInput input = input_for(spec, 2);
  // The tutorial's own binary log settings, which name the log and its expiry.
  input.my_cnf = "[mariadb]\nlog_bin = mariadb-bin\nexpire_logs_days = 7\n";
  std::string content = render_node_config(input).content;
  const size_t owned = content.find("# Owned by mdbop's runtime");
  ASSERT_NE(owned, std::string::npos);
  EXPECT_GT(content.find("log_bin=mariadb-bin\n"), owned);
  EXPECT_GT(content.find("log_slave_updates=ON\n"), owned);
  EXPECT_GT(content.find("wsrep_gtid_mode=ON\n"), owned);
  // Local transactions of node 2 in a domain of their own, never the cluster's.
  EXPECT_GT(content.find("gtid_domain_id=1002\n"), owned);
  // What a cluster may choose in myCnf comes before it.
  EXPECT_LT(content.find("wsrep_gtid_domain_id=0\n"), content.find("log_bin = mariadb-bin"));
  EXPECT_LT(content.find("binlog_expire_logs_seconds=604800\n"),
            content.find("expire_logs_days = 7"));
  EXPECT_LT(content.find("server_id=1\n"), owned);
}

TEST(NodeConfig, StandaloneHasNoWsrepSettings) {
  MariaDBSpec spec;
  std::string content = render_node_config(input_for(spec, 0)).content;
  EXPECT_EQ(content.find("wsrep"), std::string::npos);
  // Point-in-time recovery follows a single server's binary log too.
  EXPECT_NE(content.find("log_bin=mariadb-bin\n"), std::string::npos);
}

TEST(StartupFailureReason, PrefersUnknownVariableOfTheLastAttempt) {
  std::string log =
      "2026-11-21 10:00:00 0 [Note] Starting MariaDB 10.11.19 as process 1\n"
      "2026-11-21 10:00:00 0 [ERROR] old problem\n"
      "2026-11-21 10:01:00 0 [Note] Starting MariaDB 10.11.19 as process 2\n"
      "2026-11-21 10:01:00 0 [ERROR] mariadbd: unknown variable 'max_tmp_space_usage=1G'\n"
      "2026-11-21 10:01:00 0 [ERROR] Aborting\n";
  EXPECT_EQ(startup_failure_reason(log), "mariadbd: unknown variable 'max_tmp_space_usage=1G'");
}

TEST(StartupFailureReason, FallsBackToTheFirstErrorAndIsEmptyWithoutOne) {
  EXPECT_EQ(startup_failure_reason(
                "x [ERROR] WSREP: failed to open gcomm backend connection: 34: parameter "
                "'evs.keepalive_period' value PT1S is out of range\n"
                "x [ERROR] WSREP: wsrep::connect(gcomm://127.0.0.1:1) failed: 7\n"
                "x [ERROR] Aborting\n"),
            "WSREP: failed to open gcomm backend connection: 34: parameter "
            "'evs.keepalive_period' value PT1S is out of range");
  EXPECT_EQ(startup_failure_reason("x [Note] all fine\n"), "");
}

}  // namespace
}  // namespace mdbop
